"""Studies: run experiments on a model and analyse them (between the engines and the report).

:mod:`sdcluster.studies.ensemble` runs seeded fluctuation ensembles
(:class:`EnsembleSpec`, :func:`run_ensemble`), :mod:`sdcluster.studies.sensitivity`
global sensitivity (:class:`SensitivitySpec`, :func:`run_sensitivity`),
:mod:`sdcluster.studies.validation` the reality checks (:func:`run_checks`).
:mod:`sdcluster.studies.bifurcation` holds the bifurcation and take-off analysis
(:class:`BifurcationSpec`, :func:`run_bifurcation`); :mod:`sdcluster.studies.loops`
scores the feedback loops of scenarios (:func:`analyze_loops`),
:mod:`sdcluster.studies.loop_ensembles` across a Latin-hypercube sample
(:func:`run_loop_ensemble`) and :mod:`sdcluster.studies.loop_thresholds` along one
parameter (:func:`dominance_threshold`). Nothing is imported here,
so ``import sdcluster.studies`` stays cheap; import the study module you need.
"""

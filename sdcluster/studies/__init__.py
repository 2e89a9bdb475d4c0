"""Studies: run experiments on a model and analyse them (between the engines and the report).

:func:`sdcluster.studies.run.run` is the one entry point (also ``sdcluster.run``):
it takes a model, a spec from :mod:`sdcluster.experiments` and
:class:`~sdcluster.engine.options.RunOptions`, and calls the study the spec is for.
:mod:`sdcluster.studies.ensemble` runs seeded fluctuation ensembles
(:func:`run_ensemble`), :mod:`sdcluster.studies.sensitivity` global sensitivity
(:func:`run_sensitivity`), :mod:`sdcluster.studies.validation` the reality checks
(:func:`run_checks`). :mod:`sdcluster.studies.bifurcation` holds the bifurcation and
take-off analysis (:func:`run_bifurcation`); :mod:`sdcluster.studies.loops`
scores the feedback loops of scenarios (:func:`analyze_loops`),
:mod:`sdcluster.studies.loop_ensembles` across a Latin-hypercube sample
(:func:`run_loop_ensemble`) and :mod:`sdcluster.studies.loop_thresholds` along one
parameter (:func:`dominance_threshold`); :mod:`sdcluster.studies.calibration`
fits constants to data (:func:`run_calibration`). Nothing is imported here,
so ``import sdcluster.studies`` stays cheap; import the study module you need.
"""

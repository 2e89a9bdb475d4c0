"""The experiment stage: what to run, as data, checked against the model; no runs here.

:mod:`~sdcluster.experiments.scenarios` reads scenarios (TOML) and validates them,
:mod:`~sdcluster.experiments.scenario_set` is the spec of a scenario comparison;
the spec of every study is a module of its own:
:mod:`~sdcluster.experiments.ensemble` (:class:`EnsembleSpec`, seeded fluctuation
ensembles), :mod:`~sdcluster.experiments.sensitivity` (:class:`SensitivitySpec`),
:mod:`~sdcluster.experiments.loop_ensemble` (:class:`LoopEnsembleSpec`),
:mod:`~sdcluster.experiments.bifurcation` (:class:`BifurcationSpec`) and
:mod:`~sdcluster.experiments.calibration` (:class:`CalibrationSpec`). A spec says
what an experiment is (members, seeds, noise, horizon, parameters, levers), never
how it runs: that is :class:`sdcluster.engine.options.RunOptions`, and
:func:`sdcluster.run` runs a spec with them.
:mod:`~sdcluster.experiments.designs` holds the parameter designs (Monte Carlo, Latin
hypercube, Sobol', Morris) as seeded functions and the one count check,
:mod:`~sdcluster.experiments.ranges` the parameter ranges a model declares,
:mod:`~sdcluster.experiments.parsing` the one parser of numbers and ranges a user types,
:mod:`~sdcluster.experiments.inputs` the one rule that turns a scenario's steps into
input series on an engine's clock (used by every engine).
"""

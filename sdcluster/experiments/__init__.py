"""The experiment stage: what to run, as data, checked against the model; no runs here.

:mod:`~sdcluster.experiments.scenarios` reads scenarios (TOML) and validates them,
:mod:`~sdcluster.experiments.scenario_set` is the spec of a scenario comparison,
:mod:`~sdcluster.experiments.designs` the parameter designs (Monte Carlo, Latin
hypercube, Sobol', Morris) as seeded functions and the one count check,
:mod:`~sdcluster.experiments.ranges` the parameter ranges a model declares,
:mod:`~sdcluster.experiments.parsing` the one parser of numbers and ranges a user types.
"""

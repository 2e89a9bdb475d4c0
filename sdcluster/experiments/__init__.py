"""The experiment stage: what to run, as data, checked against the model; no runs here.

:mod:`~sdcluster.experiments.scenarios` reads scenarios (TOML) and validates them,
:mod:`~sdcluster.experiments.scenario_set` is the spec of a scenario comparison,
:mod:`~sdcluster.experiments.parsing` the one parser of numbers and ranges a user types.
"""

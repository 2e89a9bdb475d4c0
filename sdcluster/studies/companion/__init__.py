"""The companion experiments of a report: what a report shows beyond the scenario runs.

:mod:`~sdcluster.studies.companion.context` holds :class:`RunContext` (the model,
sizes, seed, base scenario and settings the experiments share),
:mod:`~sdcluster.studies.companion.parts` the makers (openness sweep with
bisection, fluctuation ensemble, take-off curve, Sobol' sensitivity, checks),
:mod:`~sdcluster.studies.companion.loops` the loop-dominance part,
:mod:`~sdcluster.studies.companion.run` the scenario runs and every part in
order. Each maker returns a :class:`~sdcluster.studies.companion.part.Part`;
:mod:`sdcluster.report` saves, reads and shows them and runs nothing itself.
"""

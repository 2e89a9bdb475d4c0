"""Studies: run experiments on a model and analyse them (between the engines and the report).

:mod:`sdcluster.studies.bifurcation` holds the bifurcation and take-off analysis
(:class:`BifurcationSpec`, :func:`run_bifurcation`). Nothing is imported here,
so ``import sdcluster.studies`` stays cheap; import the study module you need.
"""

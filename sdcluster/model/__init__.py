"""The loaded-model stage: read a model file and say what it holds.

:mod:`~sdcluster.model.loaded` translates a Vensim or XMILE file with PySD into a
cache keyed by the file's hash and describes its variables (names, units,
ranges, documentation, kinds, dimensions) and clock;
:mod:`~sdcluster.model.causal_loops` and :mod:`~sdcluster.model.named_loops` its
feedback loops; :mod:`~sdcluster.model.diagram` its views; :mod:`~sdcluster.model.simlin_io`
opens it in pysimlin; :mod:`~sdcluster.model.paths` finds the built-in model.
Nothing is imported here, so ``import sdcluster.model.paths`` stays cheap.
"""

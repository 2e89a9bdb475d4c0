"""How runs execute.

``pysd_runner`` runs scenarios through PySD, the engine of record; the batch
engine (``batch*`` modules) integrates many ensemble members at once;
``pysimlin_runner`` runs one scenario through pysimlin with Loops That Matter
loop scores. ``options`` holds :class:`~sdcluster.engine.options.RunOptions`,
how a study runs (engine, chunk size, executor, progress bar, run folder).
"""

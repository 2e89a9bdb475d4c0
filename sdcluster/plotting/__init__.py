"""Figures: Datasets and study results to matplotlib figures; no runs and no file I/O.

:mod:`~sdcluster.plotting.series` draws time series, entropy balance and phases,
:mod:`~sdcluster.plotting.loops` loop dominance, :mod:`~sdcluster.plotting.bifurcation`
bifurcation diagrams.
"""

"""Analysis of self-organization: entropy accounting, regimes, phases and the three powers.

Every function takes a results :class:`xarray.Dataset` (one data variable per
model variable, keyed by its Vensim name, over ``"time"`` plus any leading
dimensions such as ``"scenario"`` or ``"member"``) and returns new data; none
does I/O. Thresholds live in :class:`AnalysisSettings`. Besides the modules
imported here: :mod:`~sdcluster.analysis.ensembles` (percentile bands, onsets,
take-off probability), :mod:`~sdcluster.analysis.outcomes` (the outcome
language), :mod:`~sdcluster.analysis.sensitivity` (Sobol', Morris and rank
indices), :mod:`~sdcluster.analysis.loops` (loop dominance) and
:mod:`~sdcluster.analysis.checks` (check evaluation).
"""

from __future__ import annotations

from sdcluster.analysis.entropy import (
    REGIMES,
    SUBSYSTEMS,
    entropy_balance,
    entropy_regime,
    order_parameters,
    total_entropy_change,
)
from sdcluster.analysis.phase_summaries import phase_onsets, phase_sequence, summary_table
from sdcluster.analysis.phases import PHASES, classify_phases, phase_codes
from sdcluster.analysis.powers import POWERS, power_contributions
from sdcluster.analysis.requirements import require_variables
from sdcluster.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings

__all__ = [
    "DEFAULT_SETTINGS",
    "PHASES",
    "POWERS",
    "REGIMES",
    "SUBSYSTEMS",
    "AnalysisSettings",
    "classify_phases",
    "entropy_balance",
    "entropy_regime",
    "order_parameters",
    "phase_codes",
    "phase_onsets",
    "phase_sequence",
    "power_contributions",
    "require_variables",
    "summary_table",
    "total_entropy_change",
]

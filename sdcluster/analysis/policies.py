"""The decision table: each policy scenario against the baseline at the same horizon.

:func:`compare_policies` reads the policy part of a report (see
:mod:`sdcluster.studies.companion.policies`: per scenario and member, phase
onsets and outcomes at the scenario's horizon, for the scenario and for the
baseline) and returns one row per scenario. :func:`rank_policies` orders
them by a stated rule:

1. the probability of take-off (reaching phase III, far from equilibrium, by
   the horizon) under fluctuations, higher first;
2. the probability of decline, lower first;
3. the deterministic take-off time, earlier first (never = last);
4. the firms at the horizon, more first.

Probabilities are rounded to two decimals before they are compared, so
that a difference of a member or two does not decide the order on its own.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import xarray as xr

from sdcluster.analysis.ensembles import takeoff_estimate
from sdcluster.analysis.entropy import ORDER_DEGREE
from sdcluster.analysis.phases import DECLINE, FAR, FIRMS, PHASES

#: Outcomes read at the horizon.
OUTCOMES = (FIRMS, ORDER_DEGREE)
#: Prefix of the baseline's values read at a scenario's horizon.
BASELINE_PREFIX = "baseline "
#: Prefix of the values of the run without noise.
DETERMINISTIC = "deterministic "


def onset_name(phase: str) -> str:
    """Return the name of a phase's onset variable in the policy part."""
    return f"onset {phase}"


def _share(onsets: np.ndarray) -> tuple[float, float, float]:
    estimate = takeoff_estimate(np.isfinite(onsets))
    return estimate.probability, estimate.ci_low, estimate.ci_high


def _row(part: xr.Dataset, scenario: str) -> dict[str, object]:
    ds = part.sel(scenario=scenario)
    far, decline = onset_name(PHASES[FAR]), onset_name(PHASES[DECLINE])
    row: dict[str, float] = {"horizon": float(ds["horizon"])}
    for label, prefix in (("", ""), ("baseline ", BASELINE_PREFIX)):
        row[f"{label}takeoff"] = float(ds[f"{prefix}{DETERMINISTIC}{far}"])
        row[f"{label}decline onset"] = float(ds[f"{prefix}{DETERMINISTIC}{decline}"])
        for name in OUTCOMES:
            row[f"{label}{name}"] = float(ds[f"{prefix}{DETERMINISTIC}{name}"])
            row[f"{label}{name} median"] = float(np.nanmedian(ds[f"{prefix}{name}"].values))
        for kind, onset in (("takeoff", far), ("decline", decline)):
            p, low, high = _share(ds[f"{prefix}{onset}"].values.astype(float))
            row[f"{label}P {kind}"], row[f"{label}P {kind} low"] = p, low
            row[f"{label}P {kind} high"] = high
    row["years gained"] = _years_gained(row["takeoff"], row["baseline takeoff"])
    base_firms = row[f"baseline {FIRMS}"]
    row["firms change"] = row[FIRMS] / base_firms - 1.0 if base_firms > 0 else math.nan
    return {"scenario": scenario, "title": str(ds["title"].values), **row}


def _years_gained(takeoff: float, baseline: float) -> float:
    """Return how much earlier the scenario takes off than the baseline (NaN if either never)."""
    if math.isnan(takeoff) or math.isnan(baseline):
        return math.nan
    return baseline - takeoff


def compare_policies(part: xr.Dataset) -> pd.DataFrame:
    """Return one row per scenario of a policy part: the scenario and the baseline at its horizon.

    Columns: ``scenario``, ``title``, ``horizon``; deterministic ``takeoff``
    (phase III onset, NaN if never), ``decline onset``, firms and Order Degree
    at the horizon, the members' medians of both, ``P takeoff`` and ``P
    decline`` with Wilson 95 % bounds (``... low``, ``... high``); the same with
    a ``baseline `` prefix; ``years gained`` (baseline take-off minus the
    scenario's) and ``firms change`` (relative to the baseline, at the horizon).
    """
    rows = [_row(part, str(name)) for name in part["scenario"].values]
    return pd.DataFrame(rows).set_index("scenario")


def rank_policies(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` sorted by the rule of the module docstring, with a ``rank`` column."""
    keys = pd.DataFrame({
        "takeoff": -table["P takeoff"].round(2),
        "decline": table["P decline"].round(2),
        "onset": table["takeoff"].fillna(math.inf),
        "firms": -table[FIRMS],
    }, index=table.index)
    order = keys.sort_values(list(keys.columns), kind="stable").index
    ranked = table.loc[order].copy()
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked

"""The decision table: scenarios against the baseline, ranked by the stated rule."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from sdcluster.analysis.entropy import ORDER_DEGREE
from sdcluster.analysis.phases import FIRMS, PHASES
from sdcluster.analysis.policies import (
    BASELINE_PREFIX,
    DETERMINISTIC,
    compare_policies,
    onset_name,
    rank_policies,
)

NAN = math.nan
FAR, DECLINE = onset_name(PHASES[2]), onset_name(PHASES[3])


def _part(scenarios: dict[str, dict[str, object]], members: int = 10) -> xr.Dataset:
    """A policy part: per scenario, members' onsets and outcomes; baseline = first scenario."""
    names = list(scenarios)
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}

    def put(name: str, per_member: bool, values: list[object]) -> None:
        dims = ("scenario", "member") if per_member else ("scenario",)
        data[name] = (dims, np.asarray(values, dtype=float))

    base = scenarios[names[0]]
    for prefix, source in (("", lambda n: scenarios[n]), (BASELINE_PREFIX, lambda n: base)):
        put(f"{prefix}{FAR}", True, [source(n)["members far"] for n in names])
        put(f"{prefix}{DECLINE}", True, [source(n)["members decline"] for n in names])
        for phase in PHASES[:2]:
            put(f"{prefix}{onset_name(phase)}", True, [[1.0] * members for _ in names])
        for name in (FIRMS, ORDER_DEGREE):
            put(f"{prefix}{name}", True, [[source(n)[name]] * members for n in names])
            put(f"{prefix}{DETERMINISTIC}{name}", False, [source(n)[name] for n in names])
        put(f"{prefix}{DETERMINISTIC}{FAR}", False, [source(n)["takeoff"] for n in names])
        put(f"{prefix}{DETERMINISTIC}{DECLINE}", False, [NAN for _ in names])
        for phase in PHASES[:2]:
            put(f"{prefix}{DETERMINISTIC}{onset_name(phase)}", False, [1.0 for _ in names])
    ds = xr.Dataset(data, coords={"scenario": names, "member": np.arange(members)})
    ds["horizon"] = ("scenario", np.full(len(names), 60.0))
    ds["title"] = ("scenario", np.array([n.title() for n in names], dtype=str))
    return ds


def _scenario(takeoff: float, reached: int, declined: int, firms: float,
              members: int = 10) -> dict[str, object]:
    far = [20.0] * reached + [NAN] * (members - reached)
    decline = [50.0] * declined + [NAN] * (members - declined)
    return {"members far": far, "members decline": decline, "takeoff": takeoff,
            FIRMS: firms, ORDER_DEGREE: 0.5}


def test_each_scenario_is_compared_with_the_baseline_at_its_horizon() -> None:
    part = _part({"baseline": _scenario(25.0, 6, 0, 100.0),
                  "open": _scenario(20.0, 9, 0, 130.0)})
    table = compare_policies(part)
    row = table.loc["open"]
    assert row["years gained"] == 5.0
    assert math.isclose(row["firms change"], 0.3)
    assert row["P takeoff"] == 0.9 and row["baseline P takeoff"] == 0.6
    assert row["P takeoff low"] < 0.9 < row["P takeoff high"]
    assert table.loc["baseline", "years gained"] == 0.0


def test_the_ranking_rule_orders_by_takeoff_then_decline_then_time_then_firms() -> None:
    part = _part({
        "baseline": _scenario(25.0, 8, 0, 100.0),
        "likely": _scenario(30.0, 10, 0, 90.0),      # most likely to take off: first
        "declines": _scenario(20.0, 8, 3, 150.0),    # as likely as baseline, but declines
        "earlier": _scenario(22.0, 8, 0, 80.0),      # as likely, no decline, earlier
        "never": _scenario(NAN, 0, 0, 10.0),
    })
    ranked = rank_policies(compare_policies(part))
    assert list(ranked.index) == ["likely", "earlier", "baseline", "declines", "never"]
    assert list(ranked["rank"]) == [1, 2, 3, 4, 5]
    assert math.isnan(ranked.loc["never", "years gained"])

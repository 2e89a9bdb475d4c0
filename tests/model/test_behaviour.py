"""The nine behaviours of the model spec (version 2, 'Behaviour it must show').

Each test states the paper's claim and the spec's number, measured on the batch
engine (sweeps and ensembles; it equals PySD to 1e-9, tested in tests/engine)
or on PySD runs. Thresholds below are the spec's; none is fitted to the output.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from behaviour_support import (
    EPSILON,
    LEVERS,
    batch_run,
    episodes,
    noisy_run,
    parameter_range,
    phase_codes_of,
    ranged_parameters,
    saveper,
    stocks,
)

from sdcluster.analysis.phases import clean_sequence_share, growth_rate, smooth
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.engine.batch import BatchModel

OD, N, DS = "Order Degree", "Innovative Firms", "dS total"


# 1 ------------------------------------------------------------------------
@pytest.mark.parametrize("lever", [*LEVERS, "base innovation productivity"])
def test_1_every_lever_raises_order_monotonically(batch: BatchModel, lever: str) -> None:
    low, high = parameter_range(batch, lever)
    grid = np.linspace(low, high, 11)
    order = batch_run(batch, {lever: grid}, 11, [OD], final_time=100)[OD][:, -1]
    assert order[-1] - order[0] >= 0.02
    # Monotone up to round-off of the 100-year integration (1e-4 is 0.01 % of the range).
    assert np.all(np.diff(order) >= -1e-4), np.round(order, 4)


def test_1_competition_intensity_has_an_inverted_u(batch: BatchModel) -> None:
    low, high = parameter_range(batch, "competition intensity")
    grid = np.linspace(low, high, 21)
    order = batch_run(batch, {"competition intensity": grid}, 21, [OD], final_time=100)[OD][:, -1]
    peak = int(order.argmax())
    assert 0 < peak < grid.size - 1
    assert order[peak] > order[0] and order[peak] - order[-1] >= 0.02


# 2 ------------------------------------------------------------------------
def test_2_formation_and_persistence_thresholds_show_hysteresis(batch: BatchModel) -> None:
    from sdcluster.studies.bifurcation import BifurcationSpec, run_bifurcation

    spec = BifurcationSpec(lever="openness", state="Mature Firms", values=41,
                           initial_states=(2.0, 8.0, 300.0), horizon=300.0, noise_levels=())
    result = run_bifurcation(batch, spec)
    assert result.persistence <= result.formation - 0.05, (result.formation, result.persistence)


# 3 ------------------------------------------------------------------------
def _takeoff_band(batch: BatchModel, scale: float) -> float:
    grid = np.round(np.arange(0.15, 0.451, 0.01), 2)
    sd = scale * batch.default("noise sd")
    shares = []
    for openness in grid:
        end = noisy_run(batch, {"openness": openness, "noise sd": sd}, 200, [N], seed=3)[N][:, -1]
        shares.append(float((end > 100).mean()))
    between = grid[(np.array(shares) > 0.05) & (np.array(shares) < 0.95)]
    return float(between.max() - between.min() + 0.01) if between.size else 0.0


@pytest.mark.slow
def test_3_noise_decides_take_off_over_a_band_that_widens_with_noise(batch: BatchModel) -> None:
    default_band = _takeoff_band(batch, 1.0)
    assert default_band >= 0.05
    assert _takeoff_band(batch, 2.0) > default_band


# 4 ------------------------------------------------------------------------
def _spread_and_walk(batch: BatchModel) -> tuple[np.ndarray, np.ndarray, slice]:
    """Spread of ln N over 400 noisy members, the random walk of the same noise, take-off window.

    The random walk drives ln N with the flows' fluctuations at the deterministic per-firm
    rates and no feedback (integrated on the saved grid). The window is the part of the
    take-off where reinforcing feedback dominates ln N: from the onset of phase II until the
    deterministic per-firm growth rate g peaks. There d(δ ln N)/dt = (dg/d ln N) δ ln N with
    dg/d ln N > 0, so a perturbation grows: this is where the paper's amplification lives.
    """
    names = [N, DS, "spinoffs", "entry", "spinoff noise", "entry noise"]
    det = batch_run(batch, {}, 1, names)
    runs = noisy_run(batch, {}, 400, names, seed=11)
    time = np.arange(det[N].shape[1]) * saveper(batch)
    per_firm = {k: det[k][0] / det[N][0] for k in ("spinoffs", "entry")}
    drive = (per_firm["spinoffs"] * (runs["spinoff noise"] - 1)
             + per_firm["entry"] * (runs["entry noise"] - 1))
    walk = np.cumsum(drive, axis=1) * saveper(batch)
    codes = phase_codes_of(det, time)[0]
    start = int(np.flatnonzero(codes == 1)[0])
    growth = growth_rate(smooth(det[N], time, AnalysisSettings().smoothing), time)[0]
    peak = start + int(np.argmax(growth[start:]))
    return np.log(runs[N]).std(axis=0), walk.std(axis=0), slice(start, peak + 1)


@pytest.fixture(scope="module")
def spread_and_walk(batch: BatchModel) -> tuple[np.ndarray, np.ndarray, slice]:
    return _spread_and_walk(batch)


@pytest.mark.xfail(strict=True, reason="not met by model v2: the spread of ln N rises 1.37x "
                   "as fast as the random walk while reinforcing feedback dominates (spec: 2x)")
def test_4_noise_is_amplified_in_take_off(
    spread_and_walk: tuple[np.ndarray, np.ndarray, slice],
) -> None:
    spread, walk, window = spread_and_walk
    first, last = window.start, window.stop - 1
    rise, walk_rise = spread[last] - spread[first], walk[last] - walk[first]
    assert rise >= 2 * walk_rise, (rise, walk_rise)


def test_4_noise_is_damped_in_the_ordered_state(
    spread_and_walk: tuple[np.ndarray, np.ndarray, slice],
) -> None:
    spread, _, _ = spread_and_walk
    assert spread[-1] <= 0.5 * spread.max()


# 5 ------------------------------------------------------------------------
def test_5_order_through_take_off_and_no_disorder_while_growing(batch: BatchModel) -> None:
    det = batch_run(batch, {}, 1, [N, OD, DS])
    time = np.arange(det[N].shape[1]) * saveper(batch)
    codes = phase_codes_of(det, time)[0]
    take_off = codes == 1
    ds_total, firms, order = det[DS][0], det[N][0], det[OD][0]
    assert (ds_total[take_off] < -EPSILON).mean() >= 0.8
    growth = np.gradient(np.log(firms), time)
    assert not np.any((ds_total > EPSILON) & (growth > 0.005))
    overshoot = np.max(np.maximum.accumulate(order) - order)
    assert overshoot <= 0.03


# 6 ------------------------------------------------------------------------
#: A fully open cluster facing outside turbulence at the top of its declared range, whose
#: negentropy channels are weak (the least maximum negentropy rate and the largest half
#: index of their declared ranges): openness outruns what the cluster can absorb.
OUTRUN = {"openness": 1.0, "turbulence rate": 0.1, "maximum negentropy rate": 0.2,
          "negentropy half index": 0.5}


def test_6_entropy_exchange_turns_positive_when_openness_outruns_capacity(
    batch: BatchModel,
) -> None:
    exchange = batch_run(batch, OUTRUN, 1, ["deS total"])["deS total"][0]
    assert (exchange > EPSILON).sum() * saveper(batch) >= 2.0


def test_6_at_the_defaults_the_exchange_brings_order(batch: BatchModel) -> None:
    exchange = batch_run(batch, {}, 1, ["deS total"])["deS total"][0]
    assert np.all(exchange < 0)


# 7 ------------------------------------------------------------------------
def test_7_technology_generations_give_ordering_episodes(batch: BatchModel) -> None:
    det = batch_run(batch, {}, 1, [DS], final_time=150)
    assert len(episodes(det[DS][0], saveper(batch))) >= 2


def test_7_without_technology_introduction_the_mature_cluster_declines(
    batch: BatchModel,
) -> None:
    firms = batch_run(batch, {"technology introduction": 0.0}, 1, [N], final_time=150)[N][0]
    peak = int(firms.argmax())
    assert firms[peak:].min() <= 0.8 * firms[peak]


# 8 ------------------------------------------------------------------------
def test_8_closed_cluster_exchanges_nothing_and_dies(batch: BatchModel) -> None:
    out = batch_run(batch, {"openness": 0.0}, 1, ["deS total", DS, "diS total", N])
    assert np.all(out["deS total"] == 0.0)
    assert np.all(out[DS] == out["diS total"]) and np.all(out[DS] >= 0.0)
    assert out[N][0, -1] < 1.0


def test_8_closing_a_mature_cluster_brings_disorder_and_loss(batch: BatchModel) -> None:
    out = batch_run(batch, {"openness step": -0.5, "openness step time": 60.0}, 1,
                    [DS, OD, N], final_time=150)
    at = round(60 / saveper(batch))
    assert np.any(out[DS][0, at:at + 20] > EPSILON)
    assert out[OD][0, -1] < out[OD][0, at] and out[N][0, -1] < out[N][0, at]


# 9 ------------------------------------------------------------------------
@pytest.mark.slow
def test_9_numerics_hold_across_the_declared_ranges(batch: BatchModel) -> None:
    from scipy.stats import qmc

    names = ranged_parameters(batch)
    bounds = np.array([parameter_range(batch, name) for name in names])
    unit = qmc.LatinHypercube(d=len(names), seed=9).random(4000)
    edges = np.random.default_rng(9).integers(0, 2, size=(1000, len(names))).astype(float)
    design = np.vstack([unit, edges])
    values = bounds[:, 0] + design * (bounds[:, 1] - bounds[:, 0])
    params = {name: values[:, i] for i, name in enumerate(names)}
    watched = ["Entropy R", "Entropy K", "Entropy U", "diS R", "diS K", "diS U",
               *stocks(batch)]
    out = batch_run(batch, params, len(design), watched, final_time=150, check_finite=False)
    for name, series in out.items():
        assert np.all(np.isfinite(series)), name
    for j in "RKU":
        assert out[f"Entropy {j}"].min() >= 0.0 and out[f"Entropy {j}"].max() <= 1.0
        assert out[f"diS {j}"].min() >= 0.0
    for stock in stocks(batch):
        if not stock.endswith("Fluctuation"):
            assert out[stock].min() >= 0.0, stock


def test_9_halving_time_step_changes_little(batch: BatchModel, half_step: BatchModel) -> None:
    coarse = batch_run(batch, {}, 1, [N, OD, DS])
    fine = batch_run(half_step, {}, 1, [N, OD, DS])
    for name in (N, OD):
        assert np.max(np.abs(fine[name] / coarse[name] - 1)) < 0.01, name
    time = np.arange(coarse[N].shape[1]) * saveper(batch)
    onsets = [_onsets(phase_codes_of(run, time)[0], time) for run in (coarse, fine)]
    assert all(abs(a - b) <= 0.5 for a, b in zip(*onsets, strict=True))


def _onsets(codes: np.ndarray, time: np.ndarray) -> list[float]:
    return [float(time[np.argmax(codes == c)]) if np.any(codes == c) else -1.0 for c in range(4)]


# phases -------------------------------------------------------------------
@pytest.fixture(scope="module")
def noisy_thousand(batch: BatchModel) -> dict[str, np.ndarray]:
    """1,000 members at the default noise (seed 1): the spec's phase measurements."""
    return noisy_run(batch, {}, 1000, [N, DS], seed=1)


@pytest.mark.slow
def test_phases_are_clean_for_nine_in_ten_noisy_members(
    batch: BatchModel, noisy_thousand: dict[str, np.ndarray],
) -> None:
    runs = noisy_thousand
    time = np.arange(runs[N].shape[1]) * saveper(batch)
    assert clean_sequence_share(phase_codes_of(runs, time)) >= 0.9


def test_a_cluster_that_never_grows_never_reaches_phase_three(batch: BatchModel) -> None:
    runs = batch_run(batch, {"openness": 0.1}, 1, [N, DS])
    time = np.arange(runs[N].shape[1]) * saveper(batch)
    assert not np.any(phase_codes_of(runs, time) == 2)



PHASE_SETTINGS = (
    "smoothing",
    pytest.param("growth_threshold", marks=pytest.mark.xfail(strict=True, reason=(
        "not met: g rises about 0.009/yr at the start of the take-off, so doubling the "
        "threshold 0.03 -> 0.06 moves the onset of phase II 6.0 -> 9.0 yr (halving: 4.5)"))),
    "decline_threshold",
    "decline_dwell",
    "min_dwell",
)


@pytest.mark.slow
@pytest.mark.parametrize("setting", PHASE_SETTINGS)
def test_phases_are_robust_to_halving_or_doubling_a_setting(
    batch: BatchModel, noisy_thousand: dict[str, np.ndarray], setting: str,
) -> None:
    # Spec: halving or doubling any phase setting moves the clean share by <= 10 points
    # and the deterministic onsets by <= 2 yr.
    runs = noisy_thousand
    det = batch_run(batch, {}, 1, [N, DS])
    time = np.arange(runs[N].shape[1]) * saveper(batch)
    default = AnalysisSettings()
    share = clean_sequence_share(phase_codes_of(runs, time, default))
    onsets = _onsets(phase_codes_of(det, time, default)[0], time)
    for factor in (0.5, 2.0):
        changed = dataclasses.replace(default, **{setting: getattr(default, setting) * factor})
        moved = clean_sequence_share(phase_codes_of(runs, time, changed))
        assert abs(moved - share) <= 0.10, (factor, moved, share)
        moved_onsets = _onsets(phase_codes_of(det, time, changed)[0], time)
        assert all(abs(a - b) <= 2.0 for a, b in zip(onsets, moved_onsets, strict=True)), (
            factor, onsets, moved_onsets)

"""The behaviours the model must reproduce (model spec, 'Behaviour the model must reproduce')."""

from __future__ import annotations

import numpy as np
import pytest
from model_support import LEVERS, RunFn, first_time
from scipy.signal import find_peaks

from sdcluster.analysis.phases import PHASES, classify_phases, phase_sequence
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.scenarios import Step

EPSILON = AnalysisSettings().entropy_tolerance


def test_s_shaped_growth_at_defaults(run: RunFn) -> None:
    ds = run()
    firms = ds["Innovative Firms"]
    capacity = float(ds["cluster capacity"][0])
    assert float(firms.sel(time=60)) >= 0.75 * capacity
    growth = np.gradient(firms.values, firms["time"].values)
    # One peak in the growth rate: ignore wiggles below 5% of the largest growth.
    peaks, _ = find_peaks(growth, prominence=0.05 * growth.max())
    assert len(peaks) == 1
    assert 10 < float(firms["time"][peaks[0]]) < 55


def test_phase_order_micro_macro_far_from_equilibrium(run: RunFn) -> None:
    phases = classify_phases(run())
    assert phase_sequence(phases) == list(PHASES[:3])


def test_open_cluster_closed_to_the_outside_dies_out(run: RunFn) -> None:
    ds = run(openness=0.0)
    assert float(np.abs(ds["deS total"]).max()) == 0.0
    total_entropy = ds["Entropy R"] + ds["Entropy K"] + ds["Entropy U"]
    assert np.all(np.diff(total_entropy.values) >= 0.0)
    assert float(ds["Innovative Firms"].sel(time=60)) < 1.0


def test_dissipative_structure_at_defaults(run: RunFn) -> None:
    ds = run(150.0)
    phases = classify_phases(ds)
    in_macro = (phases == "macro fluctuation").values
    assert in_macro.sum() > 0
    orderly_share = float((ds["dS total"].values[in_macro] < -EPSILON).mean())
    assert orderly_share > 0.5, f"dS < -eps over only {orderly_share:.0%} of phase II"
    late = ds.sel(time=slice(80, None))
    assert float(np.abs(late["dS total"]).max()) < EPSILON
    # deS balances diS: the import of negentropy cancels internal production.
    imbalance = np.abs(late["deS total"] + late["diS total"]) / late["diS total"]
    assert float(imbalance.max()) < 0.05
    assert float(ds["diS total"][-1]) >= 2.0 * float(ds["diS total"][0])


def test_closing_a_mature_cluster(run: RunFn) -> None:
    ds = run(100.0, steps={"openness": Step(at=60.0, to=0.0)})
    later = ds.sel(time=slice(60.25, None))
    assert float(later["dS total"].min()) > 0.0
    order_drop = float(ds["Order Degree"].sel(time=60) - ds["Order Degree"].sel(time=100))
    assert order_drop > 0.2
    assert float(ds["Innovative Firms"].sel(time=100)) < 0.5 * float(
        ds["Innovative Firms"].sel(time=60)
    )


@pytest.fixture(scope="module")
def baseline_100(run: RunFn):  # type: ignore[no-untyped-def]
    return run(100.0)


@pytest.mark.parametrize("lever", LEVERS)
def test_raising_any_lever_raises_order_and_does_not_delay_growth(
    run: RunFn, baseline_100, lever: str
) -> None:  # type: ignore[no-untyped-def]
    default = float(baseline_100[lever][0])
    raised = run(100.0, **{lever: min(1.0, default + 0.3)})
    assert float(raised["Order Degree"].sel(time=100)) > float(
        baseline_100["Order Degree"].sel(time=100)
    )
    reached = first_time(raised["Innovative Firms"] >= 100)
    assert reached <= first_time(baseline_100["Innovative Firms"] >= 100)
    assert np.isfinite(reached)

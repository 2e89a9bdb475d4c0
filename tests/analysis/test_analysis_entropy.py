from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_allclose

from sdcluster.analysis import (
    REGIMES,
    AnalysisSettings,
    entropy_balance,
    entropy_regime,
    order_parameters,
)
from sdcluster.errors import AnalysisError
from tests.analysis.analysis_synthetic import TIME, entropy_run, run, stack


def falling_entropy(t: np.ndarray) -> np.ndarray:
    return 0.85 - 0.5 * (1 - np.exp(-t / 12))


def test_balance_sums_subsystems_and_matches_model_total() -> None:
    ds = entropy_run(falling_entropy)
    balance = entropy_balance(ds)
    assert list(balance["dS"].subsystem.values) == ["R", "K", "U", "total"]
    for j in "RKU":
        assert_allclose(balance["diS"].sel(subsystem=j), ds[f"diS {j}"])
        assert_allclose(balance["dS"].sel(subsystem=j), ds[f"dS {j}"], atol=1e-12)
    total = balance.sel(subsystem="total")
    assert_allclose(total["dS"], ds["dS total"], atol=1e-12)
    assert_allclose(total["dS"], total["diS"] + total["deS"])
    assert_allclose(total["deS"], sum(ds[f"deS {j}"] for j in "RKU"))
    assert balance["dS"].attrs["units"] == "1/Year"


def test_balance_keeps_leading_dims() -> None:
    ds = stack({"a": entropy_run(falling_entropy), "b": entropy_run(lambda t: 0.85 + 0 * t)})
    balance = entropy_balance(ds)
    assert balance["dS"].dims == ("subsystem", "scenario", "time")
    assert_allclose(balance["dS"].sel(subsystem="total", scenario="b"), 0.0, atol=1e-12)


def test_balance_names_every_missing_flow() -> None:
    ds = entropy_run(falling_entropy).drop_vars(["diS K", "deS U"])
    with pytest.raises(AnalysisError, match=r"'diS K'.*'deS U'"):
        entropy_balance(ds)


def step_change(level_before: float, level_mid: float, level_after: float) -> np.ndarray:
    return np.select([TIME < 10, TIME < 20], [level_before, level_mid], level_after)


def test_regime_follows_dS_crossing_tolerance() -> None:
    eps = AnalysisSettings().entropy_tolerance
    ds = run(dS_total=step_change(-3 * eps, 0.5 * eps, 3 * eps))
    regime = entropy_regime(ds)
    assert set(regime.values[TIME < 10]) == {"orderly"}
    assert set(regime.values[(TIME >= 10) & (TIME < 20)]) == {"balanced"}
    assert set(regime.values[TIME >= 20]) == {"disorder"}


def test_regime_boundaries_are_strict() -> None:
    eps = 0.01
    ds = run(dS_total=np.select([TIME < 30], [-eps], eps))
    regime = entropy_regime(ds, AnalysisSettings(entropy_tolerance=eps))
    assert set(regime.values) == {"balanced"}
    wider = entropy_regime(ds, AnalysisSettings(entropy_tolerance=eps / 2))
    assert set(wider.values) == {"orderly", "disorder"}


def test_regime_uses_the_flows_without_dS_total() -> None:
    ds = entropy_run(falling_entropy)
    expected = entropy_regime(ds)
    regime = entropy_regime(ds.drop_vars("dS total"))
    assert (regime.values == expected.values).all()
    assert set(expected.values) <= set(REGIMES)


def test_regime_without_any_entropy_variable_names_dS_total() -> None:
    with pytest.raises(AnalysisError, match="dS total"):
        entropy_regime(run(Innovative_Firms=10.0))


def test_regime_marks_missing_data_empty() -> None:
    short = run(TIME[TIME <= 30], dS_total=0.1)
    full = run(dS_total=-0.1)
    regime = entropy_regime(stack({"short": short, "full": full}))
    assert set(regime.sel(scenario="short").values[TIME > 30]) == {""}
    assert set(regime.sel(scenario="short").values[TIME <= 30]) == {"disorder"}
    assert set(regime.sel(scenario="full").values) == {"orderly"}


def test_regime_vectorised_over_scenario_member_time() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(0.0, 0.01, size=(2, 5, TIME.size))
    ds = xr.Dataset(
        {"dS total": (("scenario", "member", "time"), values)},
        coords={"time": TIME, "scenario": ["a", "b"]},
    )
    regime = entropy_regime(ds)
    assert regime.dims == ("scenario", "member", "time")
    for (i, k, t), label in np.ndenumerate(regime.values):
        value = values[i, k, t]
        expected = "orderly" if value < -0.005 else "disorder" if value > 0.005 else "balanced"
        assert label == expected


def test_regime_time_not_last_in_input_comes_out_time_last() -> None:
    ds = xr.Dataset(
        {"dS total": (("time", "scenario"), np.full((TIME.size, 2), -1.0))},
        coords={"time": TIME, "scenario": ["a", "b"]},
    )
    assert entropy_regime(ds).dims == ("scenario", "time")


def test_settings_can_take_tolerance_from_the_dataset() -> None:
    ds = run(dS_total=0.02, entropy_tolerance=0.05)
    assert AnalysisSettings.from_dataset(ds).entropy_tolerance == 0.05
    assert set(entropy_regime(ds, AnalysisSettings.from_dataset(ds)).values) == {"balanced"}
    assert set(entropy_regime(ds).values) == {"disorder"}  # plain settings: default ε wins
    explicit = AnalysisSettings.from_dataset(ds, entropy_tolerance=0.001)
    assert explicit.entropy_tolerance == 0.001
    assert AnalysisSettings.from_dataset(run(dS_total=0.0)) == AnalysisSettings()


def test_settings_refuse_a_tolerance_that_differs_between_runs() -> None:
    ds = stack({"a": run(entropy_tolerance=0.01), "b": run(entropy_tolerance=0.02)})
    with pytest.raises(AnalysisError, match="entropy tolerance"):
        AnalysisSettings.from_dataset(ds)


@pytest.mark.parametrize(
    "field, value",
    [("entropy_tolerance", -0.1), ("min_dwell", -1.0), ("growth_threshold", float("nan"))],
)
def test_settings_validate(field: str, value: float) -> None:
    with pytest.raises(AnalysisError, match=field):
        AnalysisSettings(**{field: value})


def test_order_parameters_pass_through_and_require_both() -> None:
    ds = entropy_run(falling_entropy)
    params = order_parameters(ds)
    assert_allclose(params["Order Degree"], ds["Order Degree"])
    assert_allclose(params["synergy degree"], ds["synergy degree"])
    with pytest.raises(AnalysisError, match="synergy degree"):
        order_parameters(ds.drop_vars("synergy degree"))


def test_missing_time_dimension_is_reported() -> None:
    ds = xr.Dataset({"dS total": ("step", np.zeros(3))})
    with pytest.raises(AnalysisError, match="'time' dimension"):
        entropy_regime(ds)

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sdcluster.analysis import POWERS, power_contributions
from sdcluster.errors import AnalysisError
from tests.analysis.analysis_synthetic import TIME, run, stack


def powers_run(
    competition: np.ndarray | float, environment: np.ndarray | float, base: float = 2.0
) -> xr.Dataset:
    firms = 10 + TIME
    creation = firms * base * np.asarray(competition) * np.asarray(environment)
    return run(
        knowledge_creation=creation,
        knowledge_absorption=0.5 * firms,
        competition_effect=competition,
        environment_effect=environment,
        young_firm_exit=firms / 30,
        mature_firm_exit=firms / 60,
        destructive_competition=0.25,
    )


def test_parts_sum_to_knowledge_creation_and_gain() -> None:
    ds = powers_run(1 + 0.3 * np.sin(TIME / 5), 1 + 0.01 * TIME)
    parts = power_contributions(ds)
    assert list(parts["knowledge creation"].power.values) == list(POWERS)
    assert parts["knowledge creation"].dims == ("power", "time")
    assert_allclose(parts["knowledge creation"].sum("power"), ds["knowledge creation"], rtol=1e-12)
    gain = ds["knowledge creation"] + ds["knowledge absorption"]
    assert_allclose(parts["knowledge gain"].sum("power"), gain, rtol=1e-12)
    assert_allclose(parts["knowledge gain share"].sum("power"), 1.0, rtol=1e-12)
    assert parts["knowledge creation"].attrs["units"] == "KU/Year"


def test_neutral_multipliers_leave_everything_to_innovation_power() -> None:
    parts = power_contributions(powers_run(1.0, 1.0))
    creation = parts["knowledge creation"]
    assert_allclose(creation.sel(power="competitive"), 0.0, atol=1e-12)
    assert_allclose(creation.sel(power="environmental"), 0.0, atol=1e-12)
    assert_allclose(creation.sel(power="innovation"), 2.0 * (10 + TIME), rtol=1e-12)
    # Knowledge import is the direct environmental path.
    assert_allclose(parts["knowledge gain"].sel(power="environmental"), 0.5 * (10 + TIME))


def test_one_external_multiplier_takes_all_the_difference() -> None:
    parts = power_contributions(powers_run(1.5, 1.0))["knowledge creation"]
    innovation = 2.0 * (10 + TIME)
    assert_allclose(parts.sel(power="innovation"), innovation, rtol=1e-12)
    assert_allclose(parts.sel(power="competitive"), 0.5 * innovation, rtol=1e-12)


def test_excess_rivalry_contributes_negatively() -> None:
    parts = power_contributions(powers_run(0.5, 1.4))["knowledge creation"]
    assert (parts.sel(power="competitive") < 0).all()
    assert (parts.sel(power="environmental") > 0).all()


def test_destructive_exit_is_the_competitive_share_of_exit() -> None:
    ds = powers_run(1.0, 1.0)
    exit_part = power_contributions(ds)["destructive exit"]
    # exit = base exit * (1 + d): d = 0.25 makes 0.25 / 1.25 of exit destructive.
    exits = ds["young firm exit"] + ds["mature firm exit"]
    assert_allclose(exit_part, exits * 0.2, rtol=1e-12)
    assert exit_part.attrs["units"] == "firm/Year"


def test_no_firms_gives_zero_contributions_without_warnings() -> None:
    ds = powers_run(1.2, 1.1).assign(
        {
            "knowledge creation": ("time", np.zeros_like(TIME)),
            "knowledge absorption": ("time", np.zeros_like(TIME)),
        }
    )
    parts = power_contributions(ds)
    assert_allclose(parts["knowledge creation"], 0.0)
    assert_allclose(parts["knowledge gain share"], 0.0)


def test_multi_dim_and_missing_variables() -> None:
    ds = stack({"a": powers_run(1.2, 1.1), "b": powers_run(0.8, 1.3)})
    parts = power_contributions(ds)
    assert parts["knowledge creation"].dims == ("power", "scenario", "time")
    assert_allclose(parts["knowledge creation"].sum("power"), ds["knowledge creation"])
    with pytest.raises(AnalysisError, match=r"'competition effect'.*'mature firm exit'"):
        power_contributions(ds.drop_vars(["competition effect", "mature firm exit"]))


@settings(max_examples=50, deadline=None)
@given(
    competition=st.floats(0.2, 3.0),
    environment=st.floats(1.0, 3.0),
    base=st.floats(1e-6, 1e3),
)
def test_decomposition_is_exact(competition: float, environment: float, base: float) -> None:
    ds = powers_run(competition, environment, base)
    parts = power_contributions(ds)["knowledge creation"]
    assert_allclose(parts.sum("power"), ds["knowledge creation"], rtol=1e-9)
    # Each external part has the sign of its log multiplier.
    assert np.all(np.sign(parts.sel(power="competitive")) == np.sign(np.log(competition)))

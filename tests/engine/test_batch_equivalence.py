"""The batch engine reproduces PySD, member by member, variable by variable.

Every test runs several members at once with different parameters and
compares each member with a separate PySD run of the same model: every
variable PySD returns, at every saved time, within ``rtol=1e-9``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdcluster.engine.batch import BatchModel
from sdcluster.experiments.noise import white_noise
from sdcluster.testing import assert_matches_pysd
from tests import DATA
from tests.engine.engine_support import BUILTIN_MODEL, PysdRun, member_params

#: Models of one construct each, beyond those above: the engine must equal PySD on them,
#: and the Numba backend the NumPy one to the bit (no elementary functions in them).
CONSTRUCT_MODELS = ("engine_smooth_n.mdl", "engine_delay_n.mdl", "engine_trend.mdl",
                    "engine_delay_fixed.mdl", "engine_active_initial.mdl",
                    "engine_forecast.mdl", "engine_sample_if_true.mdl",
                    "engine_external.mdl")
TEST_MODELS = ("engine_growth.mdl", "engine_delays.mdl", "engine_logic.mdl", *CONSTRUCT_MODELS)

# Three members per model, each with its own values; chosen to cross the
# interesting boundaries (lookup ends, zero denominators, step and pulse
# edges, a single pulse and a train, short and long delays).
VARIED = {
    "engine_growth.mdl": {
        "birth rate": [0.05, 0.12, 0.3],
        "capacity": [100, 500, 60],
        "initial population": [10, 50, 200],
        "lifetime": [5, 20, 40],
    },
    "engine_delays.mdl": {
        "delay time": [0.5, 3, 7],
        "smooth time": [0.25, 2, 9],
        "step time": [0, 4.0625, 29],
        "train interval": [0, 3, 1.2],
        "pulse width": [0, 1.5, 0.1],
        "ramp end": [1, 14, 40],
        "initial guess": 3,
    },
    "engine_smooth_n.mdl": {
        "smooth time": [0.25, 2, 9],
        "initial smooth": [0, 7, -3],
        "base": [1, 10, 100],
        "step time": [0, 4.0625, 29],
    },
    "engine_delay_n.mdl": {
        "delay time": [1.25, 2, 9],
        "initial delay": [0, 7, -3],
        "base": [1, 10, 100],
        "step time": [0, 4.0625, 29],
    },
    "engine_trend.mdl": {
        "average time": [0.25, 2, 9],
        "initial trend": [0, 0.05, -0.3],
        "base": [1, 10, 100],
        "step time": [0, 4.0625, 29],
    },
    "engine_forecast.mdl": {
        "average time": [0.25, 2, 9],
        "horizon": [0, 3, -1.5],
        "base": [1, -40, 100],  # the forecasts' states cross zero
        "step time": [0, 4.0625, 29],
    },
    "engine_sample_if_true.mdl": {
        # The switch before the start, between two time steps, and after the end.
        "switch time": [0, 6.1, 25],
        "threshold": [14, 11, 100],
        "initial held": [0, 2, -3],
        "pulse interval": [3, 1.75, 6],
        "base": [1, 10, 100],
    },
    "engine_external.mdl": {
        # The constants read from the file are set per member, as PySD lets them be.
        "initial stock": [10, 50, 400],
        "demand scale": [1, 0.2, 3],
        "capacity": [120, 40, 1000],
        "growth rate": [0.4, 1.5, 0.05],
    },
    "engine_delay_fixed.mdl": {
        # Shorter than TIME STEP, not a multiple of it (PySD rounds), and longer.
        "delay time": [0.3, 2, 5.1],
        "initial delay": [0, 7, -3],
        "base": [1, 10, 100],
        "step time": [0, 4.0625, 29],
    },
    "engine_active_initial.mdl": {
        "initial level": [0, 3, -2],
        "growth": [0.01, 0.3, 1],
        "step time": [0, 4.0625, 29],
    },
    "engine_logic.mdl": {
        "switch": [0, 1, 1],
        "threshold time": [0, 6, 19.95],
        "rate": [0.01, 0.3, 1.5],
        "limit": [0, 40, 100],
        "initial level": [0, 5, 60],
        "a": [3, 1, -2],
    },
}

# Every construct the engine supports, as it is spelled in a Vensim file.
CONSTRUCTS = (
    "INTEG",
    "SMOOTH(",
    "SMOOTHI(",
    "SMOOTH3(",
    "SMOOTH3I(",
    "DELAY1(",
    "DELAY1I(",
    "DELAY3(",
    "DELAY3I(",
    "SMOOTH N(",
    "DELAY N(",
    "TREND(",
    "FORECAST(",
    "SAMPLE IF TRUE(",
    "GET DIRECT CONSTANTS(",
    "GET DIRECT LOOKUPS(",
    "GET DIRECT DATA(",
    "DELAY FIXED(",
    "ACTIVE INITIAL(",
    "INITIAL(",
    "WITH LOOKUP",
    "IF THEN ELSE(",
    "MIN(",
    "MAX(",
    "XIDZ(",
    "ZIDZ(",
    "STEP(",
    "PULSE(",
    "PULSE TRAIN(",
    "RAMP(",
    "ABS(",
    "SQRT(",
    "EXP(",
    "LN(",
    "LOG(",
    "POWER(",
    "^",
    "INTEGER(",
    "MODULO(",
    "QUANTUM(",
    "SIN(",
    ":AND:",
    ":OR:",
    ":NOT:",
    "<>",
    "TIME STEP *",
)


def test_the_test_models_cover_every_supported_construct() -> None:
    text = "\n".join((DATA / name).read_text() for name in TEST_MODELS)
    missing = [construct for construct in CONSTRUCTS if construct not in text]
    assert not missing
    # A separately defined lookup table, besides the WITH LOOKUPs.
    assert re.search(r"^crowding effect\(\s*\[", text, flags=re.MULTILINE)


@pytest.mark.parametrize("name", TEST_MODELS)
def test_defaults_match_pysd(name: str, pysd_run: PysdRun) -> None:
    model = BatchModel.from_file(DATA / name)
    batch = model.run_arrays({}, 1, return_variables=model.variables)
    reference = pysd_run(DATA / name, {})
    np.testing.assert_array_equal(reference.index.to_numpy(), model.schedule().labels)
    assert set(reference.columns) <= set(batch)
    assert_matches_pysd(batch, 0, reference)


@pytest.mark.parametrize("name", TEST_MODELS)
def test_members_with_different_parameters_each_match_their_own_pysd_run(
    name: str, pysd_run: PysdRun
) -> None:
    params = VARIED[name]
    model = BatchModel.from_file(DATA / name)
    batch = model.run_arrays(params, 3, return_variables=model.variables)
    for member in range(3):
        reference = pysd_run(DATA / name, member_params(params, member))
        assert_matches_pysd(batch, member, reference)
    # The members really differ, so a mix-up between them would show.
    stock = next(iter(batch.values()))
    assert not np.array_equal(stock[0], stock[1])


def test_a_delay_n_order_that_pysd_truncates_to_the_models_matches_pysd(
    pysd_run: PysdRun,
) -> None:
    # PySD's DelayN runs int(order) stages: 3.5 is the model's order 3.
    path = DATA / "engine_delay_n.mdl"
    model = BatchModel.from_file(path)
    batch = model.run_arrays({"delay order": [3.5, 3]}, 2, return_variables=model.variables)
    assert_matches_pysd(batch, 0, pysd_run(path, {"delay order": 3.5}))
    np.testing.assert_array_equal(batch["delay nk"][0], batch["delay nk"][1])


def test_a_white_noise_input_matches_pysd_fed_the_same_series(pysd_run: PysdRun) -> None:
    path = DATA / "engine_growth.mdl"
    model = BatchModel.from_file(path)
    times = model.schedule().times
    noise = white_noise(7, np.arange(3), len(times))
    sd = [0.1, 0.5, 1.0]
    batch = model.run_arrays(
        {"noise sd": sd},
        3,
        inputs={"white noise input": noise},
        return_variables=model.variables,
    )
    for member in range(3):
        series = pd.Series(noise[member], index=times)
        reference = pysd_run(path, {"noise sd": sd[member], "white noise input": series})
        assert_matches_pysd(batch, member, reference)
    assert np.ptp(batch["Pink Noise"]) > 0.1


def test_values_that_change_only_with_a_step_match_pysd(
    tmp_path: Path, pysd_run: PysdRun
) -> None:
    # "rate" and "doubled" change only when the STEP does: the engine computes
    # them in a block that runs when the STEP's value changed, and keeps
    # them between steps. The step height varies per member, -0.0 included.
    path = tmp_path / "clocked.mdl"
    path.write_text(
        "{UTF-8}\n"
        "level = INTEG(doubled * level / 100 + rate, 1) ~ unit ~ |\n"
        "rate = base + STEP(height, 3) ~ unit/Month ~ |\n"
        "doubled = 2 * rate ~ unit/Month ~ |\n"
        "base = 1 ~ unit/Month ~ |\n"
        "height = 2 ~ unit/Month ~ |\n"
        "FINAL TIME = 6 ~ Month ~ |\nINITIAL TIME = 0 ~ Month ~ |\n"
        "SAVEPER = 0.5 ~ Month ~ |\nTIME STEP = 0.25 ~ Month ~ |\n"
    )
    model = BatchModel.from_file(path)
    assert "_h_unchanged" in model.source()
    params = {"height": [2.0, -0.0, -1.5]}
    batch = model.run_arrays(params, 3, return_variables=model.variables)
    for member in range(3):
        assert_matches_pysd(batch, member, pysd_run(path, member_params(params, member)))
    assert not np.array_equal(batch["rate"][0], batch["rate"][2])


def test_final_time_override_matches_pysd(pysd_run: PysdRun) -> None:
    path = DATA / "engine_logic.mdl"
    model = BatchModel.from_file(path)
    batch = model.run_arrays({}, 1, return_variables=model.variables, final_time=7.3)
    reference = pysd_run(path, {}, final_time=7.3)
    np.testing.assert_array_equal(reference.index.to_numpy(), model.schedule(7.3).labels)
    assert_matches_pysd(batch, 0, reference)


OFFSET_MODEL = """{UTF-8}
Capital = INTEG(investment - depreciation, 100) ~ USD ~ |
investment = 0.2 * Capital * (1 + 0.5 * SIN(Time)) ~ USD/Year ~ |
depreciation = Capital / life ~ USD/Year ~ |
life = 7 ~ Year ~ |
FINAL TIME = 2010 ~ Year ~ |
INITIAL TIME = 2000 ~ Year ~ |
SAVEPER = 0.9 ~ Year ~ |
TIME STEP = 0.3 ~ Year ~ |
"""


def test_an_offset_start_and_an_inexact_time_step_match_pysd(
    tmp_path: Path, pysd_run: PysdRun
) -> None:
    # 0.3 has no exact binary form: times accumulate rounding as in PySD, and
    # the saving times are those PySD picks within its 1e-5 * TIME STEP.
    path = tmp_path / "offset.mdl"
    path.write_text(OFFSET_MODEL)
    model = BatchModel.from_file(path)
    batch = model.run_arrays({"life": [7, 3]}, 2, return_variables=model.variables)
    for member in range(2):
        reference = pysd_run(path, {"life": [7, 3][member]})
        np.testing.assert_array_equal(reference.index.to_numpy(), model.schedule().labels)
        assert_matches_pysd(batch, member, reference)


def test_an_xmile_model_matches_pysd_member_by_member(pysd_run: PysdRun) -> None:
    # Non-negative stock, SMTH1/SMTH3, DELAY1/DELAY3, SAFEDIV, XMILE's PULSE
    # and RAMP, an extrapolating graphical function and an inline one.
    path = DATA / "engine_stocks.xmile"
    params = {
        "base demand": [10, 4, 30],
        "adjustment time": [2, 0.5, 6],
        "initial inventory": [50, 5, 200],
    }
    model = BatchModel.from_file(path)
    batch = model.run_arrays(params, 3, return_variables=model.variables)
    assert batch["Inventory"].min() == 0.0  # the non-negative stock is clamped
    for member in range(3):
        reference = pysd_run(path, member_params(params, member))
        assert set(reference.columns) <= set(batch)
        assert_matches_pysd(batch, member, reference)


needs_builtin = pytest.mark.skipif(
    not BUILTIN_MODEL.is_file(), reason="models/innovation_cluster.mdl is not there yet"
)

CLUSTER_LEVERS = {
    "openness": [0.5, 0.9, 0.2],
    "government support": [0.3, 0.8, 0.0],
    "university cooperation": [0.3, 0.1, 1.0],
    "fair competition regulation": [0.5, 0.0, 1.0],
    "openness step": [0.0, -0.9, 0.5],
    "openness step time": [30.0, 20.0, 45.0],
    "noise sd": [0.15, 0.3, 1.0],
}


@needs_builtin
def test_the_cluster_model_at_its_defaults_matches_pysd(pysd_run: PysdRun) -> None:
    model = BatchModel.from_file(BUILTIN_MODEL)
    batch = model.run_arrays({}, 1, return_variables=model.variables)
    reference = pysd_run(BUILTIN_MODEL, {})
    np.testing.assert_array_equal(reference.index.to_numpy(), model.schedule().labels)
    assert set(reference.columns) <= set(batch)
    assert_matches_pysd(batch, 0, reference)


@needs_builtin
def test_the_cluster_model_with_levers_and_noise_matches_pysd(pysd_run: PysdRun) -> None:
    model = BatchModel.from_file(BUILTIN_MODEL)
    times = model.schedule().times
    members = np.array([11, 12, 13])
    inputs = ("white noise spinoffs", "white noise entry", "white noise knowledge")
    noise = {name: white_noise(2024, members, len(times), input_index=k)
             for k, name in enumerate(inputs)}
    batch = model.run_arrays(CLUSTER_LEVERS, 3, inputs=noise, return_variables=model.variables)
    for member in range(3):
        params = member_params(CLUSTER_LEVERS, member)
        for name in inputs:
            params[name] = pd.Series(noise[name][member], index=times)
        assert_matches_pysd(batch, member, pysd_run(BUILTIN_MODEL, params))
    for fluctuation in ("Spinoff Fluctuation", "Entry Fluctuation", "Knowledge Fluctuation"):
        assert np.ptp(batch[fluctuation]) > 0.1, fluctuation  # every input really acted

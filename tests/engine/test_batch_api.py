"""The batch engine's interface: refusals, names, shapes, chunking, datasets."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from sdcluster.engine.batch import BatchModel
from sdcluster.engine.batch_integrate import even_chunks
from sdcluster.engine.batch_support import can_vectorize
from sdcluster.errors import (
    ModelFileError,
    SdclusterError,
    SimulationError,
    SpecError,
    UnknownVariableError,
    UnsupportedConstructError,
)
from sdcluster.experiments.noise import white_noise
from tests import DATA

CONTROL = """
********************************************************
	.Control
********************************************************~
	|
FINAL TIME = 10 ~ Month ~ |
INITIAL TIME = 0 ~ Month ~ |
SAVEPER = 1 ~ Month ~ |
TIME STEP = 0.5 ~ Month ~ |
"""


def write_model(folder: Path, name: str, equations: str) -> Path:
    path = folder / name
    path.write_text("{UTF-8}\n" + equations + CONTROL)
    return path


@pytest.fixture(scope="module")
def growth() -> BatchModel:
    return BatchModel.from_file(DATA / "engine_growth.mdl")


# -- refusals ----------------------------------------------------------------

REFUSED = {
    "random": (
        "Stock = INTEG(noise, 0) ~ x ~ |\n"
        "noise = RANDOM NORMAL(-1, 1, 0, 0.1, 42) ~ x/Month ~ |\n",
        "RANDOM NORMAL in 'noise'",
    ),
    "subscripts": (
        "Region: north, south ~ ~ |\n"
        "Stock[Region] = INTEG(inflow[Region], 1) ~ x ~ |\n"
        "inflow[Region] = 0.1 * Stock[Region] ~ x/Month ~ |\n",
        "subscripts in 'Region'",
    ),
    # PySD reads a DELAY FIXED's input after updating its DELAY and DELAY FIXED objects.
    "delay_fixed_of_a_delay_fixed": (
        "Stock = INTEG(late, 0) ~ x ~ |\nearly = DELAY FIXED(1, 2, 0) ~ x/Month ~ |\n"
        "late = DELAY FIXED(early + Stock, 2, 0) ~ x/Month ~ |\n",
        "DELAY FIXED of the DELAY FIXED 'early' in 'late'",
    ),
    "delay_fixed_of_a_delay3": (
        "Stock = INTEG(late, 0) ~ x ~ |\nearly = DELAY3(1, 2) ~ x/Month ~ |\n"
        "late = DELAY FIXED(2 * early, 2, 0) ~ x/Month ~ |\n",
        "DELAY FIXED of the DELAY 'early' in 'late'",
    ),
    "macro": (
        ":MACRO: DOUBLE(input)\nDOUBLE = 2 * input ~ x ~ |\n:END OF MACRO:\n"
        "Stock = INTEG(DOUBLE(1), 0) ~ x ~ |\n",
        "macros in 'double'",
    ),
    "a_function_of": (
        "Stock = INTEG(rate, 0) ~ x ~ |\nrate = A FUNCTION OF(Stock) ~ x/Month ~ |\n",
        "A FUNCTION OF in 'rate'",
    ),
    "delay_n_moving_time": (
        "Stock = INTEG(late, 1) ~ x ~ |\nlate = DELAY N(1, 2 + Stock, 0, 2) ~ x/Month ~ |\n",
        "DELAY N with a delay time that changes during the run in 'late'",
    ),
    "active_initial_of_a_constant": (
        "Stock = INTEG(rate, 1) ~ x ~ |\nrate = ACTIVE INITIAL(5, 3) ~ x/Month ~ |\n",
        "ACTIVE INITIAL of a value that does not change during the run in 'rate'",
    ),
    # PySD reads a SAMPLE IF TRUE's input again after updating its stocks.
    "sample_if_true_of_a_stock": (
        "Stock = INTEG(1, 0) ~ x ~ |\n"
        "held = SAMPLE IF TRUE(Time > 3, 2 * Stock, 0) ~ x ~ |\n",
        "SAMPLE IF TRUE of the INTEG 'Stock' in 'held'",
    ),
    "sample_if_true_of_a_delay": (
        "Stock = INTEG(held, 0) ~ x ~ |\nlate = DELAY1(Time, 2) ~ x ~ |\n"
        "held = SAMPLE IF TRUE(late > 3, 1, 0) ~ x ~ |\n",
        "SAMPLE IF TRUE of the DELAY 'late' in 'held'",
    ),
    "smooth_n_order_of_a_variable": (
        "Stock = INTEG(smoothed, 1) ~ x ~ |\n"
        "smoothed = SMOOTH N(1, 2, 0, Stock) ~ x/Month ~ |\n",
        "SMOOTH N with an order that is not a number or a constant of at least 1 in 'smoothed'",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_unsupported_constructs_are_refused_with_a_clear_message(
    case: str, tmp_path: Path
) -> None:
    equations, construct = REFUSED[case]
    path = write_model(tmp_path, f"{case}.mdl", equations)
    expected = f"not supported by the vectorized engine: {construct}"
    with pytest.raises(UnsupportedConstructError, match=expected):
        BatchModel.from_file(path)
    ok, reason = can_vectorize(path)
    assert not ok
    assert expected in reason
    assert path.name in reason


def test_the_refusal_is_both_an_sdcluster_error_and_not_implemented() -> None:
    assert issubclass(UnsupportedConstructError, SdclusterError)
    assert issubclass(UnsupportedConstructError, NotImplementedError)


@pytest.mark.parametrize("name", ["engine_growth.mdl", "engine_delays.mdl", "engine_logic.mdl",
                                  "engine_smooth_n.mdl", "engine_delay_n.mdl",
                                  "engine_trend.mdl", "engine_delay_fixed.mdl",
                                  "engine_active_initial.mdl", "engine_forecast.mdl",
                                  "engine_sample_if_true.mdl", "engine_external.mdl"])
def test_supported_models_can_be_vectorized(name: str) -> None:
    assert can_vectorize(DATA / name) == (True, "")


def test_a_missing_file_or_an_unknown_format_is_a_model_file_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="not found"):
        BatchModel.from_file(tmp_path / "nothing.mdl")
    other = tmp_path / "model.txt"
    other.write_text("x")
    with pytest.raises(ModelFileError, match=r"unsupported model format '\.txt'"):
        can_vectorize(other)


def test_an_algebraic_loop_is_a_model_file_error(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        "loop.mdl",
        "Stock = INTEG(a, 0) ~ x ~ |\na = b + 1 ~ x ~ |\nb = a * 0.5 ~ x ~ |\n",
    )
    with pytest.raises(ModelFileError, match="loop without a stock"):
        BatchModel.from_file(path).run_arrays({}, 1)


# -- names and descriptions ---------------------------------------------------


def test_variables_parameters_and_attributes(growth: BatchModel) -> None:
    assert "Population" in growth.variables
    assert "crowding effect" not in growth.variables  # a lookup, not a variable
    assert {"birth rate", "capacity", "white noise input"} <= set(growth.parameters)
    assert "births" not in growth.parameters
    info = growth.info("birth rate")
    assert (info.python_name, info.units, info.limits) == ("birth_rate", "1/Year", (0.0, 1.0))
    assert info.documentation.startswith("Policy lever.")
    assert growth.info("Population").kind == "stock"
    assert growth.default("capacity") == 500.0


def test_a_range_with_an_increment_gives_its_two_limits(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        "increment.mdl",
        "share = 0.5 ~ Dmnl [0,1,0.05] ~ |\n"
        "level = INTEG(share, 0) ~ Dmnl ~ |\n",
    )
    assert BatchModel.from_file(path).info("share").limits == (0.0, 1.0)


def test_python_names_and_loose_spellings_resolve_to_the_same_variable(
    growth: BatchModel,
) -> None:
    assert growth.info("birth_rate") is growth.info("birth rate")
    assert growth.info("Birth  Rate") is growth.info("birth rate")
    by_vensim = growth.run_arrays({"birth rate": 0.2}, 2, return_variables=["Population"])
    by_python = growth.run_arrays({"birth_rate": 0.2}, 2, return_variables=["population"])
    np.testing.assert_array_equal(by_vensim["Population"], by_python["Population"])


def test_an_unknown_name_suggests_the_closest_ones(growth: BatchModel) -> None:
    with pytest.raises(UnknownVariableError, match="'birth rate'") as error:
        growth.run_arrays({"birth rat": 0.1}, 1)
    assert "engine_growth.mdl" in str(error.value)
    with pytest.raises(UnknownVariableError):
        growth.run_arrays({}, 1, return_variables=["Populaton"])


def test_only_constants_can_be_set_or_fed(growth: BatchModel) -> None:
    with pytest.raises(SpecError, match="'births' is a flow, not a constant"):
        growth.run_arrays({"births": 1.0}, 1)
    with pytest.raises(SpecError, match="control variable"):
        growth.run_arrays({"FINAL TIME": 5.0}, 1)
    with pytest.raises(SpecError, match="not a constant"):
        growth.run_arrays({}, 1, inputs={"Population": np.zeros(200)})


def test_shapes_are_checked(growth: BatchModel) -> None:
    n_times = len(growth.schedule().times)
    with pytest.raises(SpecError, match=r"shape \(3,\)"):
        growth.run_arrays({"capacity": [1.0, 2.0]}, 3)
    with pytest.raises(SpecError, match=f"T >= {n_times}"):
        growth.run_arrays({}, 2, inputs={"white noise input": np.zeros((2, n_times - 1))})
    with pytest.raises(SpecError, match="n_members must be at least 1, got 0"):
        growth.run_arrays({}, 0)
    with pytest.raises(SpecError, match="chunk_size must be at least 1, got 0"):
        growth.run_arrays({}, 2, chunk_size=0)
    with pytest.raises(SpecError, match=r"chunk_size must be an integer, got 2\.5"):
        growth.run_arrays({}, 2, chunk_size=2.5)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="both as a parameter and as an input"):
        growth.run_arrays(
            {"white noise input": 0.0}, 1, inputs={"white_noise_input": np.zeros(n_times)}
        )
    with pytest.raises(SpecError, match="member_ids"):
        growth.run({}, 2, member_ids=[1, 2, 3])


# -- running ------------------------------------------------------------------


def test_results_do_not_depend_on_the_chunk_size(growth: BatchModel) -> None:
    n = 11
    times = growth.schedule().times
    rng = np.random.default_rng(3)
    params = {"birth rate": rng.uniform(0.05, 0.3, n), "capacity": rng.uniform(50, 900, n)}
    noise = white_noise(5, np.arange(n), len(times))
    runs = [
        growth.run_arrays(
            params, n, inputs={"white noise input": noise}, chunk_size=chunk
        )
        for chunk in (n, 1, 4, 10)
    ]
    for other in runs[1:]:
        assert other.keys() == runs[0].keys()
        for name in runs[0]:
            np.testing.assert_array_equal(other[name], runs[0][name])


def test_members_are_split_into_the_fewest_chunks_of_nearly_equal_size() -> None:
    for n, most in ((10_000, 4096), (10_000, 10_000), (7, 3), (1, 5), (12, 1)):
        sizes = [chunk.stop - chunk.start for chunk in even_chunks(n, most)]
        assert sum(sizes) == n
        assert len(sizes) == -(-n // most)
        assert max(sizes) <= most
        assert max(sizes) - min(sizes) <= 1


def test_a_slice_of_members_run_alone_gives_the_same_rows(growth: BatchModel) -> None:
    n = 8
    times = growth.schedule().times
    capacity = np.linspace(80, 800, n)
    noise = white_noise(9, np.arange(n), len(times))
    whole = growth.run({"capacity": capacity}, n, inputs={"white noise input": noise})
    ids = np.arange(3, 6)
    part = growth.run(
        {"capacity": capacity[ids]},
        len(ids),
        inputs={"white noise input": white_noise(9, ids, len(times))},
        member_ids=ids,
    )
    assert part.identical(whole.sel(member=ids))


def test_a_shared_one_dimensional_input_equals_the_same_rows_per_member(
    growth: BatchModel,
) -> None:
    series = white_noise(1, [0], len(growth.schedule().times))[0]
    shared = growth.run_arrays({}, 3, inputs={"white noise input": series})
    per_member = growth.run_arrays({}, 3, inputs={"white noise input": np.tile(series, (3, 1))})
    for name in shared:
        np.testing.assert_array_equal(shared[name], per_member[name])


def test_the_dataset_has_members_times_units_and_documentation(growth: BatchModel) -> None:
    ds = growth.run({"birth rate": [0.1, 0.2]}, 2, return_variables=["Population", "capacity"])
    assert set(ds.data_vars) == {"Population", "capacity"}
    assert ds["Population"].dims == ("member", "time")
    np.testing.assert_array_equal(ds["time"], growth.schedule().labels)
    assert ds["time"].attrs["units"] == "Year"
    assert ds["Population"].attrs["units"] == "people"
    assert ds["Population"].attrs["kind"] == "stock"
    assert "crowding" in ds["Population"].attrs["documentation"]
    assert float(ds["Population"][0, 0]) == 50.0
    # A constant comes back as a (member, time) variable holding its value.
    assert float(ds["capacity"].min()) == float(ds["capacity"].max()) == 500.0
    assert not np.array_equal(ds["Population"][0], ds["Population"][1])


def test_by_default_every_time_varying_variable_is_returned(growth: BatchModel) -> None:
    result = growth.run_arrays({}, 1)
    assert {"Population", "births", "Resources", "counter"} <= set(result)
    assert not {"capacity", "FINAL TIME"} & set(result)
    fed = growth.run_arrays({}, 1, inputs={"white noise input": np.zeros(200)})
    assert "white noise input" in fed


def test_initial_values_are_frozen_per_member(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        "initial.mdl",
        "Stock = INTEG(growth, start) ~ x ~ |\ngrowth = 0.1 * Stock ~ x/Month ~ |\n"
        "start = 2 ~ x ~ |\nfirst = INITIAL(Stock) ~ x ~ |\n",
    )
    model = BatchModel.from_file(path)
    result = model.run_arrays({"start": [1.0, 3.0]}, 2, return_variables=["first", "Stock"])
    np.testing.assert_array_equal(result["first"][:, -1], [1.0, 3.0])
    assert np.all(result["Stock"][:, -1] > result["first"][:, -1])


def test_non_finite_results_are_a_simulation_error(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        "pole.mdl",
        "Stock = INTEG(1 / (Time - 4), 0) ~ x ~ |\n",
    )
    model = BatchModel.from_file(path)
    message = r"pole\.mdl: 'Stock' became (-?inf|nan) at time [\d.]+ in member 0 \(1 of 1 members\)"
    with pytest.raises(SimulationError, match=message) as raised:
        model.run({}, 1)
    assert (raised.value.variable, raised.value.member) == ("Stock", 0)
    assert raised.value.time is not None and raised.value.time > 4
    assert not np.isfinite(model.run({}, 1, check_finite=False)["Stock"][0, -1])


def test_a_delay_shorter_than_its_order_times_the_step_is_refused(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        "delay.mdl",
        "Stock = INTEG(late, 0) ~ x ~ |\n"
        "late = DELAY3(1, lag) ~ x/Month ~ |\nlag = 3 ~ Month ~ |\n",
    )
    model = BatchModel.from_file(path)
    assert model.run_arrays({"lag": [3.0, 2.0]}, 2)["Stock"].shape == (2, 11)
    with pytest.raises(SimulationError, match="PySD would lower the delay order"):
        model.run_arrays({"lag": [3.0, 1.0]}, 2)


def test_an_order_read_from_a_constant_runs_the_models_value_and_refuses_another() -> None:
    # The order fixes the number of stages (state rows): a member may give
    # the model's value again, another one is refused by name, not run.
    model = BatchModel.from_file(DATA / "engine_smooth_n.mdl")
    given = model.run_arrays({"smooth order": [3, 3.0]}, 2)["smooth nk"]
    np.testing.assert_array_equal(given, model.run_arrays({}, 2)["smooth nk"])
    for backend in ("numpy", "numba"):
        with pytest.raises(UnsupportedConstructError,
                           match=r"SMOOTH N in 'smooth nk' with the order 4\.0 in a member"):
            model.run_arrays({"smooth order": [3, 4]}, 2, backend=backend)


def test_a_delay_n_order_other_than_the_models_is_refused() -> None:
    model = BatchModel.from_file(DATA / "engine_delay_n.mdl")
    for backend in ("numpy", "numba"):
        with pytest.raises(UnsupportedConstructError,
                           match=r"DELAY N in 'delay nk' with the order 2\.0 in a member"):
            model.run_arrays({"delay order": [3, 2]}, 2, backend=backend)


def test_a_delay_n_time_fed_as_an_input_series_is_refused() -> None:
    # The engine runs DELAY N with a fixed delay time only (see check_fixed_times).
    model = BatchModel.from_file(DATA / "engine_delay_n.mdl")
    series = np.linspace(2, 4, len(model.schedule().times))
    for backend in ("numpy", "numba"):
        with pytest.raises(UnsupportedConstructError,
                           match="DELAY N with a delay time that changes during the run"):
            model.run_arrays({}, 1, inputs={"delay time": series}, backend=backend)
    # A constant the delay times do not read may follow a series.
    model.run_arrays({}, 1, inputs={"base": series})


def test_a_model_survives_pickling(growth: BatchModel) -> None:
    growth.run_arrays({}, 1)  # compiled functions exist now and must not be pickled
    copy = pickle.loads(pickle.dumps(growth))
    before = growth.run_arrays({"capacity": 300.0}, 2)
    after = copy.run_arrays({"capacity": 300.0}, 2)
    for name in before:
        np.testing.assert_array_equal(before[name], after[name])


def test_the_generated_source_can_be_inspected(growth: BatchModel) -> None:
    source = growth.source(inputs=["white noise input"], return_variables=["Population"])
    assert "def fast(time, k):" in source
    assert "_x_v_white_noise_input[k]" in source


def test_a_malformed_model_is_the_same_one_line_error_as_load_model(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mdl"
    bad.write_text("{UTF-8}\nx = INTEG(\n~~|\n", encoding="utf-8")
    for attempt in (lambda: BatchModel.from_file(bad), lambda: can_vectorize(bad)):
        with pytest.raises(ModelFileError, match=r"bad\.mdl: PySD cannot translate this vensim"):
            attempt()
    with pytest.raises(ModelFileError, match="model file not found"):
        can_vectorize(tmp_path / "missing.mdl")


def test_an_itmx_file_runs_like_its_xmile_twin(tmp_path: Path) -> None:
    twin = DATA.parent.parent / "models" / "innovation_cluster.xmile"
    itmx = tmp_path / "cluster.itmx"
    itmx.write_bytes(twin.read_bytes())
    ours = BatchModel.from_file(itmx).run({}, 1, final_time=10)["Innovative Firms"]
    theirs = BatchModel.from_file(twin).run({}, 1, final_time=10)["Innovative Firms"]
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))

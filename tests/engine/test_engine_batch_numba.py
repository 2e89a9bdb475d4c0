"""The Numba backend gives the NumPy backend's values, and PySD's.

Each test runs the same members with ``backend="numba"`` (which raises if Numba
cannot compile the model, so the compiled code really ran) and with
``backend="numpy"``, and compares both with PySD and with each other at
``rtol=1e-9``, as every engine test does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sdcluster.engine import batch_arguments
from sdcluster.engine import batch_runtime as runtime
from sdcluster.engine.batch import BatchModel
from sdcluster.engine.batch_numba import _import, numba_source
from sdcluster.errors import SpecError, UnsupportedConstructError
from sdcluster.experiments.noise import white_noise
from sdcluster.model.loaded import load_model
from sdcluster.testing import assert_matches_pysd
from tests import DATA
from tests.engine.engine_support import ATOL, BUILTIN_MODEL, RTOL, PysdRun, member_params
from tests.engine.test_batch_equivalence import (
    CLUSTER_LEVERS,
    CONSTRUCT_MODELS,
    OFFSET_MODEL,
    TEST_MODELS,
    VARIED,
)

pytest.importorskip("numba")


def assert_backends_agree(
    numba: dict[str, np.ndarray], numpy: dict[str, np.ndarray]
) -> None:
    assert numba.keys() == numpy.keys()
    for name in numpy:
        np.testing.assert_allclose(numba[name], numpy[name], rtol=RTOL, atol=ATOL,
                                   err_msg=f"variable {name!r}")


@pytest.mark.parametrize("name", TEST_MODELS)
def test_the_test_models_match_numpy_and_pysd_member_by_member(
    name: str, pysd_run: PysdRun
) -> None:
    params = VARIED[name]
    model = BatchModel.from_file(DATA / name)
    runs = {backend: model.run_arrays(params, 3, return_variables=model.variables,
                                      backend=backend)
            for backend in ("numba", "numpy")}
    assert_backends_agree(runs["numba"], runs["numpy"])
    for member in range(3):
        assert_matches_pysd(runs["numba"], member, pysd_run(DATA / name,
                                                            member_params(params, member)))


@pytest.mark.parametrize("name", CONSTRUCT_MODELS)
def test_the_construct_models_are_bit_identical_to_numpy(name: str) -> None:
    # Only + - * / and comparisons: nothing the two backends may round differently.
    model = BatchModel.from_file(DATA / name)
    runs = {backend: model.run_arrays(VARIED[name], 3, return_variables=model.variables,
                                      backend=backend)
            for backend in ("numba", "numpy")}
    assert runs["numba"].keys() == runs["numpy"].keys()
    for variable, values in runs["numpy"].items():
        np.testing.assert_array_equal(runs["numba"][variable], values, err_msg=variable)


def test_an_xmile_model_matches_numpy_and_pysd(pysd_run: PysdRun) -> None:
    # A non-negative stock, SMTH1/SMTH3, DELAY1/DELAY3, XMILE's PULSE and RAMP,
    # an extrapolating graphical function.
    path = DATA / "engine_stocks.xmile"
    params = {"base demand": [10, 4, 30], "adjustment time": [2, 0.5, 6],
              "initial inventory": [50, 5, 200]}
    model = BatchModel.from_file(path, backend="numba")
    batch = model.run_arrays(params, 3, return_variables=model.variables)
    assert batch["Inventory"].min() == 0.0  # the non-negative stock is clamped
    assert_backends_agree(batch, model.run_arrays(params, 3, return_variables=model.variables,
                                                  backend="numpy"))
    for member in range(3):
        assert_matches_pysd(batch, member, pysd_run(path, member_params(params, member)))


def test_an_offset_start_an_inexact_step_and_a_final_time_override(
    tmp_path: Path, pysd_run: PysdRun
) -> None:
    path = tmp_path / "offset.mdl"
    path.write_text(OFFSET_MODEL)
    model = BatchModel.from_file(path, backend="numba")
    batch = model.run_arrays({"life": [7, 3]}, 2, return_variables=model.variables,
                             final_time=2007.1)
    for member in range(2):
        reference = pysd_run(path, {"life": [7, 3][member]}, final_time=2007.1)
        np.testing.assert_array_equal(reference.index.to_numpy(), model.schedule(2007.1).labels)
        assert_matches_pysd(batch, member, reference)


def test_a_shared_white_noise_input_and_a_per_member_one(pysd_run: PysdRun) -> None:
    path = DATA / "engine_growth.mdl"
    model = BatchModel.from_file(path, backend="numba")
    times = model.schedule().times
    noise = white_noise(7, np.arange(3), len(times) + 5)  # extra columns are ignored
    sd = [0.1, 0.5, 1.0]
    batch = model.run_arrays({"noise sd": sd}, 3, inputs={"white noise input": noise},
                             return_variables=model.variables)
    for member in range(3):
        series = pd.Series(noise[member, : len(times)], index=times)
        reference = pysd_run(path, {"noise sd": sd[member], "white noise input": series})
        assert_matches_pysd(batch, member, reference)
    shared = model.run_arrays({"noise sd": sd}, 3, inputs={"white noise input": noise[1]},
                              return_variables=model.variables)
    tiled = model.run_arrays({"noise sd": sd}, 3,
                             inputs={"white noise input": np.tile(noise[1], (3, 1))},
                             return_variables=model.variables, backend="numpy")
    assert_backends_agree(shared, tiled)
    np.testing.assert_allclose(shared["Pink Noise"][1], batch["Pink Noise"][1], rtol=RTOL)


needs_builtin = pytest.mark.skipif(
    not BUILTIN_MODEL.is_file(), reason="models/innovation_cluster.mdl is not there yet"
)


@needs_builtin
def test_the_cluster_model_with_levers_and_three_noise_inputs(pysd_run: PysdRun) -> None:
    model = BatchModel.from_file(BUILTIN_MODEL)
    times = model.schedule().times
    members = np.array([11, 12, 13])
    inputs = ("white noise spinoffs", "white noise entry", "white noise knowledge")
    noise = {name: white_noise(2024, members, len(times), input_index=k)
             for k, name in enumerate(inputs)}
    runs = {backend: model.run_arrays(CLUSTER_LEVERS, 3, inputs=noise,
                                      return_variables=model.variables, backend=backend)
            for backend in ("numba", "numpy")}
    assert_backends_agree(runs["numba"], runs["numpy"])
    for member in range(3):
        params = member_params(CLUSTER_LEVERS, member)
        for name in inputs:
            params[name] = pd.Series(noise[name][member], index=times)
        assert_matches_pysd(runs["numba"], member, pysd_run(BUILTIN_MODEL, params))
    for fluctuation in ("Spinoff Fluctuation", "Entry Fluctuation", "Knowledge Fluctuation"):
        assert np.ptp(runs["numba"][fluctuation]) > 0.1, fluctuation


@needs_builtin
def test_the_calibration_shape_chunks_and_default_outputs_agree_with_numpy() -> None:
    # Many members, one output, a short window, chunks of uneven sizes.
    model = BatchModel.from_file(BUILTIN_MODEL)
    rng = np.random.default_rng(5)
    params = {name: rng.uniform(0, 1, 40) for name in
              ("openness", "internal cooperation", "government support",
               "university cooperation", "technology introduction")}
    one = {backend: model.run_arrays(params, 40, return_variables=["knowledge creation"],
                                     final_time=16, chunk_size=15, backend=backend)
           for backend in ("numba", "numpy")}
    assert_backends_agree(one["numba"], one["numpy"])
    every = {backend: model.run_arrays(params, 40, final_time=16, backend=backend)
             for backend in ("numba", "numpy")}
    assert_backends_agree(every["numba"], every["numpy"])
    constant = model.run_arrays(params, 40, return_variables=["openness"], backend="numba")
    np.testing.assert_array_equal(constant["openness"][:, 0], params["openness"])


def test_auto_uses_numba_and_numpy_uses_numpy() -> None:
    model = BatchModel.from_file(DATA / "engine_growth.mdl")
    assert model.backend == "auto"
    model.run_arrays({}, 2)
    assert any(run is not None for run in model._numba.values())
    numpy_only = BatchModel.from_file(DATA / "engine_growth.mdl", backend="numpy")
    numpy_only.run_arrays({}, 2)
    assert not numpy_only._numba


def test_an_unknown_backend_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="backend"):
        BatchModel.from_file(DATA / "engine_growth.mdl", backend="fortran")  # type: ignore[arg-type]
    model = BatchModel.from_file(DATA / "engine_growth.mdl")
    with pytest.raises(SpecError, match="backend"):
        model.run_arrays({}, 1, backend="gpu")  # type: ignore[arg-type]


def test_the_generated_code_is_scalar_and_numba_compiled() -> None:
    model = BatchModel.from_file(DATA / "engine_logic.mdl")
    source, static, inputs, outputs = numba_source(
        model.plan, frozenset(), model._output_nodes(None, frozenset())
    )
    assert "@njit(cache=True" in source
    assert "for m in range(Y.shape[1]):" in source
    assert "_h_" not in source  # every runtime helper written out for scalars
    assert outputs and not inputs and static


def test_where_numba_cannot_compile_auto_runs_numpy_and_numba_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object) -> None:
        raise UnsupportedConstructError("engine_growth.mdl: Numba cannot compile the model")

    monkeypatch.setattr(batch_arguments, "compile_numba", refuse)
    model = BatchModel.from_file(DATA / "engine_growth.mdl")
    automatic = model.run_arrays({}, 2, return_variables=model.variables)
    expected = model.run_arrays({}, 2, return_variables=model.variables, backend="numpy")
    assert_backends_agree(automatic, expected)
    with pytest.raises(UnsupportedConstructError, match="Numba cannot compile"):
        model.run_arrays({}, 2, backend="numba")


EDGES = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-7, -1e-7, 1e-6, -1e-6, 0.5, 2.0,
                  -3.0, 7.25, 1e300])


@pytest.fixture(scope="module")
def helpers() -> Any:
    """The compiled helpers of a generated module (the same text for every model)."""
    model = BatchModel.from_file(DATA / "engine_logic.mdl", backend="numba")
    model.run_arrays({}, 1)
    (run,) = (run for run in model._numba.values() if run is not None)
    return _import(run.path)


def test_the_compiled_helpers_have_numpys_element_wise_semantics(helpers: Any) -> None:
    a, b = (grid.ravel() for grid in np.meshgrid(EDGES, EDGES))
    with np.errstate(all="ignore"):
        cases = {
            "_nb_min": (np.minimum(a, b), (a, b)),
            "_nb_max": (np.maximum(a, b), (a, b)),
            "_nb_xidz": (runtime.xidz(a, b, 5.0), (a, b, 5.0)),
            "_nb_zidz": (runtime.zidz(a, b), (a, b)),
            "_nb_quantum": (runtime.quantum(a, b), (a, b)),
            "_nb_modulo": (runtime.modulo(a, b), (a, b)),
            "_nb_step": (runtime.step(2.0, 0.25, a, b), (2.0, 0.25, a, b)),
        }
        for name, (expected, arguments) in cases.items():
            function = getattr(helpers, name)
            columns = [np.broadcast_to(argument, a.shape) for argument in arguments]
            actual = np.array([function(*row) for row in zip(*columns, strict=True)],
                              dtype=np.float64)
            np.testing.assert_array_equal(actual, expected, err_msg=name)


@pytest.mark.parametrize("method", ["interpolate", "extrapolate", "hold_backward"])
def test_the_compiled_lookups_are_pysds(helpers: Any, method: str) -> None:
    x = np.array([-1.0, 0.0, 0.5, 2.0, 10.0])
    y = np.array([3.0, 1.0, 1.0, -2.0, 4.0])
    values = np.concatenate([EDGES, x, np.linspace(-3, 12, 61)])
    expected = runtime.make_lookup(x, y, method)(values)
    if method == "interpolate":
        actual = [helpers._nb_interp(value, x, y) for value in values]
    elif method == "hold_backward":
        actual = [helpers._nb_hold_backward(value, x, y) for value in values]
    else:
        low, high = (y[1] - y[0]) / (x[1] - x[0]), (y[-1] - y[-2]) / (x[-1] - x[-2])
        actual = [helpers._nb_extrapolate(value, x, y, low, high) for value in values]
    np.testing.assert_array_equal(np.array(actual), expected)


def test_the_compiled_pulse_and_ramp_are_the_numpy_backends(helpers: Any) -> None:
    dt = 0.25
    for time in np.arange(0.0, 12.0, dt):
        for start, repeat, width, magnitude, end in [
            (2.0, 0.0, 0.5 * dt, None, np.inf), (2.0, 3.0, 1.0, None, 9.0),
            (0.0, 1.5, 0.1, 2.0, np.inf), (4.0, 0.0, 1.0, 3.0, np.inf),
        ]:
            expected = runtime.pulse(time, dt, start, repeat_time=repeat, width=width,
                                     magnitude=magnitude, end=None if end == np.inf else end)
            height = 1 if magnitude is None else magnitude / dt
            actual = helpers._nb_pulse(time, start, repeat, width, height, end)
            assert actual == expected, (time, start, repeat, width, magnitude, end)
        for slope, start, finish in [(2.0, 3.0, 8.0), (-1.0, 0.0, 20.0), (0.5, 6.0, 6.0)]:
            expected = runtime.ramp(time, slope, start, finish)
            assert helpers._nb_ramp(time, slope, start, min(finish, time)) == expected


def test_the_code_goes_into_the_translation_cache_and_an_unusable_one_is_survived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = BatchModel.from_file(DATA / "engine_growth.mdl", backend="numba")
    expected = model.run_arrays({}, 2, return_variables=model.variables, backend="numpy")
    cache = tmp_path / "cache"
    monkeypatch.setenv("SDCLUSTER_CACHE", str(cache))
    model.run_arrays({}, 2, return_variables=model.variables)
    (run,) = (run for run in model._numba.values() if run is not None)
    assert run.path.parent.parent == cache
    assert not any(DATA.glob("batch_*.py"))  # never beside the model
    # A cache path that cannot be a folder (a file is there): a temporary folder serves.
    # (The model is loaded before: loading needs the translation cache.)
    loaded = load_model(DATA / "engine_growth.mdl")
    blocked = tmp_path / "blocked"
    blocked.write_text("")
    monkeypatch.setenv("SDCLUSTER_CACHE", str(blocked / "cache"))
    fresh = BatchModel.from_model(loaded, backend="numba")
    got = fresh.run_arrays({}, 2, return_variables=["Population"])  # new code to write
    (used,) = (run for run in fresh._numba.values() if run is not None)
    assert not used.path.is_relative_to(blocked)
    np.testing.assert_allclose(got["Population"], expected["Population"], rtol=RTOL)


def test_threads_split_the_members_without_changing_a_bit() -> None:
    # 300 members with their own levers and noise, and one shared series: the compiled
    # run integrates them in blocks on several threads; each member reads only its own
    # rows, so every value must be the one-thread value to the last bit.
    model = BatchModel.from_file(BUILTIN_MODEL)
    n, steps = 300, len(model.schedule(40.0).times)
    rng = np.random.default_rng(4)
    params = {"openness": rng.uniform(0.2, 0.8, n)}
    inputs = {"white noise spinoffs": rng.standard_normal((n, steps)),
              "white noise entry": rng.standard_normal(steps)}
    runs = [model.run_arrays(params, n, inputs=inputs, final_time=40.0, backend="numba",
                             threads=threads, chunk_size=chunk)
            for threads, chunk in ((1, 10_000), (2, 10_000), (3, 10_000), (2, 200))]
    for other in runs[1:]:
        for name, values in runs[0].items():
            assert np.array_equal(values, other[name], equal_nan=True), name


def test_threads_must_be_a_positive_count() -> None:
    model = BatchModel.from_file(DATA / "engine_growth.mdl")
    with pytest.raises(SpecError, match="threads"):
        model.run_arrays({}, 2, threads=0)

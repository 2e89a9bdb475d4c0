"""The Numba backend gives the NumPy backend's values, and PySD's.

Each test runs the same members with ``backend="numba"`` (which raises if Numba
cannot compile the model, so the compiled code really ran) and with
``backend="numpy"``, and compares both with PySD and with each other at
``rtol=1e-9``, as every engine test does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from engine_support import (
    ATOL,
    BUILTIN_MODEL,
    DATA,
    RTOL,
    PysdRun,
    assert_matches_pysd,
    member_params,
)
from test_batch_equivalence import CLUSTER_LEVERS, OFFSET_MODEL, TEST_MODELS, VARIED

from sdcluster.engine import batch as batch_module
from sdcluster.engine.batch import BatchModel
from sdcluster.engine.batch_numba import numba_source
from sdcluster.engine.noise import white_noise
from sdcluster.errors import SpecError, UnsupportedConstructError

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

    monkeypatch.setattr(batch_module, "compile_numba", refuse)
    model = BatchModel.from_file(DATA / "engine_growth.mdl")
    automatic = model.run_arrays({}, 2, return_variables=model.variables)
    expected = model.run_arrays({}, 2, return_variables=model.variables, backend="numpy")
    assert_backends_agree(automatic, expected)
    with pytest.raises(UnsupportedConstructError, match="Numba cannot compile"):
        model.run_arrays({}, 2, backend="numba")

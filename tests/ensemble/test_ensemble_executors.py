"""Executing ensembles: run folders, resuming after an interruption, Dask, atomic saves."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from sdcluster.engine.executors import DaskExecutor, Executor, LocalExecutor, execute_chunks
from sdcluster.engine.options import RunOptions
from sdcluster.errors import ResultsFileError, SpecError
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.results.chunks import Chunk, ChunkStore, plan_chunks, spec_key
from sdcluster.results.dataset import Results
from sdcluster.studies.ensemble import run_ensemble, save_ensemble
from sdcluster.studies.members import MemberRunner
from sdcluster.testing import assert_results_close

VARIABLES = ("Firms", "Noise Level")


def _run(model: Path, *, chunk_size: int = 3, run_dir: Path | None = None,
         executor: Executor | None = None, **fields: object) -> Results:
    """Run the test ensemble (10 members, seed 8, chunks of 3) with these changes."""
    values = {"n_members": 10, "seed": 8, "variables": VARIABLES, **fields}
    spec = EnsembleSpec(**values)  # type: ignore[arg-type]
    return run_ensemble(model, spec, RunOptions(chunk_size=chunk_size, run_dir=run_dir,
                                                executor=executor))


def _chunk_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("chunk-*.nc"))


def test_plan_chunks_covers_every_member_once() -> None:
    chunks = plan_chunks(10, 4)
    assert [(c.start, c.stop) for c in chunks] == [(0, 4), (4, 8), (8, 10)]
    assert [c.index for c in chunks] == [0, 1, 2] and sum(c.size for c in chunks) == 10
    assert plan_chunks(np.int64(10), np.int64(4)) == chunks  # NumPy integers too
    with pytest.raises(SpecError, match="chunk_size must be at least 1, got 0"):
        plan_chunks(10, 0)


def test_a_run_folder_gives_the_same_members_as_memory(noise_model: Path, tmp_path: Path) -> None:
    in_memory = _run(noise_model).dataset
    streamed = _run(noise_model, run_dir=tmp_path / "run")
    assert streamed.dataset["Firms"].chunks is not None  # opened lazily
    assert_results_close(streamed.dataset, in_memory, rtol=0, atol=0)
    key = streamed.metadata["ensemble"]["key"]
    assert _chunk_files(tmp_path / "run") == [f"chunk-{i:06d}-{key}.nc" for i in range(4)]
    manifest = json.loads((tmp_path / "run" / "ensemble.json").read_text())
    assert manifest["key"] == key and manifest["seed"] == 8
    streamed.dataset.close()


def test_an_interrupted_ensemble_resumes_from_its_finished_chunks(
    noise_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "run"
    real_call = MemberRunner.__call__
    calls: list[int] = []

    def interrupted(self: MemberRunner, start: int, stop: int) -> xr.Dataset:
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C during the third chunk
        calls.append(start)
        return real_call(self, start, stop)

    monkeypatch.setattr(MemberRunner, "__call__", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _run(noise_model, run_dir=folder)
    assert len(_chunk_files(folder)) == 2
    # A killed process can leave a temporary file behind: it must not count as a chunk.
    (folder / ".chunk-000002-x.nc.abc.tmp").write_bytes(b"half a chunk")
    (folder / ".ensemble.json.abc.tmp").write_text("{")

    resumed: list[int] = []

    def counting(self: MemberRunner, start: int, stop: int) -> xr.Dataset:
        resumed.append(start)
        return real_call(self, start, stop)

    monkeypatch.setattr(MemberRunner, "__call__", counting)
    results = _run(noise_model, run_dir=folder)
    assert sorted(resumed) == [6, 9]  # only the chunks not finished before
    assert results.metadata["ensemble"]["resumed_chunks"] == 2
    assert not list(folder.glob("*.tmp"))
    monkeypatch.setattr(MemberRunner, "__call__", real_call)
    assert_results_close(results.dataset, _run(noise_model).dataset,
                         rtol=0, atol=0)
    results.dataset.close()


def test_chunks_of_another_spec_are_never_reused(noise_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    first = _run(noise_model, run_dir=folder)
    first.dataset.close()
    second = _run(noise_model, seed=9, run_dir=folder)
    assert second.metadata["ensemble"]["key"] != first.metadata["ensemble"]["key"]
    assert second.metadata["ensemble"]["resumed_chunks"] == 0
    assert_results_close(second.dataset, _run(noise_model, seed=9).dataset,
                         rtol=0, atol=0)
    second.dataset.close()
    assert len(_chunk_files(folder)) == 8


def test_saving_merges_the_chunks_into_one_results_file(noise_model: Path,
                                                        tmp_path: Path) -> None:
    folder = tmp_path / "run"
    results = _run(noise_model, run_dir=folder)
    out = save_ensemble(results, tmp_path / "ensemble.nc")
    assert not folder.exists()  # chunks removed after the merge
    loaded = Results.load(out)
    assert_results_close(loaded.dataset, _run(noise_model).dataset,
                         rtol=0, atol=0)
    assert loaded.metadata["seeds"] == {"baseline": 8}
    assert loaded.metadata["ensemble"]["n_members"] == 10
    assert [p.name for p in tmp_path.iterdir()] == ["ensemble.nc"]


def test_a_failed_save_leaves_no_file(noise_model: Path, tmp_path: Path) -> None:
    results = _run(noise_model)
    with pytest.raises(ResultsFileError, match="cannot write results"):
        save_ensemble(results, tmp_path / "missing" / "ensemble.nc")
    assert list(tmp_path.iterdir()) == []


def test_a_local_dask_cluster_gives_the_local_result(noise_model: Path, tmp_path: Path) -> None:
    local = _run(noise_model).dataset
    with DaskExecutor(n_workers=2, processes=False) as executor:
        distributed = _run(noise_model, executor=executor).dataset
        streamed = _run(noise_model, executor=executor, run_dir=tmp_path / "r")
    assert_results_close(distributed, local, rtol=0, atol=0)
    assert_results_close(streamed.dataset, local, rtol=0, atol=0)
    streamed.dataset.close()


def test_a_local_dask_cluster_runs_the_pysd_fallback(fallback_model: Path) -> None:
    options = {"n_members": 4, "chunk_size": 2, "variables": ("Firms",)}
    local = _run(fallback_model, **options).dataset  # type: ignore[arg-type]
    with DaskExecutor(n_workers=2, processes=False) as executor:
        distributed = _run(fallback_model, executor=executor, **options).dataset  # type: ignore[arg-type]
    assert_results_close(distributed, local, rtol=0, atol=0)


def test_dask_executor_arguments_are_checked() -> None:
    with pytest.raises(SpecError, match="either a scheduler address or n_workers"):
        DaskExecutor()
    with pytest.raises(SpecError, match="either a scheduler address or n_workers"):
        DaskExecutor("tcp://127.0.0.1:1", n_workers=2)
    with pytest.raises(SpecError, match="DaskExecutor: n_workers must be at least 1, got 0"):
        DaskExecutor(n_workers=0)


def test_execute_chunks_with_a_plain_task_and_odd_variable_names(tmp_path: Path) -> None:
    def task(start: int, stop: int) -> xr.Dataset:
        members = np.arange(start, stop)
        values = members[:, None] * np.ones((1, 3))
        return xr.Dataset({"flow in/out": (("member", "time"), values),
                           "_hidden": (("member", "time"), -values)},
                          coords={"member": members, "time": [0.0, 1.0, 2.0]})

    chunks = plan_chunks(5, 2)
    in_memory = execute_chunks(task, chunks, executor=LocalExecutor())
    store = ChunkStore(tmp_path, spec_key({"task": "plain"}))
    assert execute_chunks(task, chunks, store=store) is None
    opened = store.open(chunks)
    assert in_memory is not None
    assert sorted(opened.data_vars) == ["_hidden", "flow in/out"]
    xr.testing.assert_identical(opened.load(), in_memory)
    opened.close()
    store.remove()
    # The folder existed before the store (the user's): emptied of chunks, never deleted.
    assert tmp_path.is_dir() and not any(tmp_path.iterdir())


def test_a_store_refuses_unfinished_chunks_and_bad_keys(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path, "0123456789abcdef")
    with pytest.raises(ResultsFileError, match="chunks not finished"):
        store.open([Chunk(0, 0, 2)])
    with pytest.raises(ValueError, match="16 hex digits"):
        ChunkStore(tmp_path, "not-a-key")

"""Cases 5, 9 and 10 of issue 10: damaged caches and run folders heal; interruptions resume."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import xarray as xr

from sdcluster.model.loaded import load_model
from tests import DATA
from tests.safety.safety_support import invoke, sdcluster

NOISE = DATA / "ensemble_noise.mdl"


def _entry(model: Path) -> Path:
    return load_model(model).translated_path.parent


def test_a_truncated_translated_module_is_translated_again(decay: Path, tmp_path: Path) -> None:
    # Case 9: was a failure of every later run.
    module = load_model(decay).translated_path
    intact = module.read_bytes()
    module.write_bytes(intact[: len(intact) // 2])
    code, _, stderr = invoke("run", decay, "--out", tmp_path / "r.nc")
    assert code == 0, stderr
    assert module.read_bytes() == intact


def test_a_damaged_structure_file_is_translated_again(decay: Path, tmp_path: Path) -> None:
    structure = _entry(decay) / "structure.json"
    structure.write_text("{")
    code, _, stderr = invoke("describe", decay)
    assert code == 0, stderr
    assert structure.read_text().startswith("{\n")


def _ensemble(model: Path, out: Path, folder: Path, *extra: str) -> xr.Dataset:
    code, _, stderr = invoke("ensemble", model, "--members", "30", "--chunk-size", "10",
                             "--seed", "3", "--out", out, "--run-dir", folder, "--keep-chunks",
                             *extra)
    assert code == 0, stderr
    with xr.open_dataset(out) as stored:
        dataset = stored.load()
    dataset.attrs = {}  # the metadata says when the run was made and what it resumed
    return dataset


def test_damaged_chunks_are_recomputed_on_resume(tmp_path: Path) -> None:
    # Case 5: a truncated chunk, and a chunk holding another chunk's members.
    folder = tmp_path / "run"
    expected = _ensemble(NOISE, tmp_path / "first.nc", folder)
    chunks = sorted(folder.glob("chunk-*.nc"))
    assert len(chunks) == 3
    chunks[1].write_bytes(chunks[1].read_bytes()[:500])
    chunks[2].write_bytes(chunks[0].read_bytes())  # members 0-9 twice, 20-29 missing
    again = _ensemble(NOISE, tmp_path / "again.nc", folder)
    xr.testing.assert_identical(again, expected)


def test_ctrl_c_with_a_local_cluster_exits_130_with_the_resume_line(tmp_path: Path) -> None:
    # Case 10: Ctrl-C reaches the whole foreground process group, Dask workers included.
    out = tmp_path / "e.nc"
    process = sdcluster("ensemble", NOISE, "--members", "400000", "--chunk-size", "2000",
                        "--engine", "pysd", "--local-cluster", "2", "--out", out,
                        start_new_session=True)
    folder = tmp_path / "e.nc.chunks"
    deadline = time.monotonic() + 120
    while not (folder / "ensemble.json").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # the workers are running chunks
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "run the same command again to resume" in stderr
    assert not out.exists()


def test_losing_the_only_dask_worker_is_one_line_saying_how_to_resume(tmp_path: Path) -> None:
    # Case 10: was a FutureCancelledError traceback.
    import psutil

    out = tmp_path / "e.nc"
    process = sdcluster("ensemble", NOISE, "--members", "400000", "--chunk-size", "2000",
                        "--engine", "pysd", "--local-cluster", "1", "--out", out)
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    while not workers and time.monotonic() < deadline:
        time.sleep(0.5)
        workers = [child for child in psutil.Process(process.pid).children(recursive=True)
                   if "spawn_main" in " ".join(child.cmdline())]
    time.sleep(3)  # the worker has the model loaded and is running a chunk
    for worker in workers:
        worker.kill()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith(
        ("chunks:", "\r", "warning: "))]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "was lost" in lines[0] and "run the same command again to resume" in lines[0]

"""The ``sdcluster ensemble`` command, tested in-process."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from sdcluster.cli.ensemble import EXIT_INTERRUPTED, register
from sdcluster.cli.main import app
from sdcluster.cli.sensitivity import register as register_sensitivity
from sdcluster.results.dataset import Results
from sdcluster.studies.members import MemberRunner

register(app)  # a no-op once cli.py registers the commands itself


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_help_shows_an_example() -> None:
    code, out, _ = _invoke("ensemble", "--help")
    assert code == 0 and "Example: sdcluster ensemble" in out


def test_registering_twice_adds_the_commands_once() -> None:
    register(app)
    register_sensitivity(app)
    names = [command.name for command in app.registered_commands]
    assert names.count("ensemble") == 1 and names.count("sensitivity") == 1


def test_an_ensemble_of_the_builtin_model(tmp_path: Path) -> None:
    out = tmp_path / "ens.nc"
    bands = tmp_path / "bands.csv"
    code, stdout, _ = _invoke("ensemble", "--members", "6", "--seed", "3", "--chunk-size", "4",
                              "--out", str(out), "--bands-out", str(bands))
    assert code == 0, stdout
    assert "6 members, seed 3, engine batch" in stdout
    assert "take-off (phase III by t = 150)" in stdout and "far from equilibrium" in stdout
    headers = [line.split()[:2] for line in stdout.splitlines()]
    assert ["phase", "reached"] in headers and ["variable", "p5"] in headers  # named columns
    results = Results.load(out)
    assert results.dataset.sizes["member"] == 6 and "Order Degree" in results.dataset
    table = pd.read_csv(bands)
    assert list(table.columns) == ["variable", "percentile", "time", "value"]
    assert set(table["variable"]) == {str(v) for v in results.dataset.data_vars}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bands.csv", "ens.nc"]


def test_a_model_without_phase_variables_still_gets_end_values(
    noise_model: Path, tmp_path: Path,
) -> None:
    out = tmp_path / "ens.nc"
    code, stdout, _ = _invoke("ensemble", str(noise_model), "--members", "3", "-v", "Firms",
                              "--out", str(out), "--keep-chunks")
    assert code == 0, stdout
    assert "take-off: not computed" in stdout and "Firms" in stdout
    assert (tmp_path / "ens.nc.chunks").is_dir()  # --keep-chunks


def test_ctrl_c_keeps_the_chunks_and_the_same_command_resumes(
    noise_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "ens.nc"
    args = ("ensemble", str(noise_model), "--members", "6", "--chunk-size", "2",
            "--out", str(out))
    real_call = MemberRunner.__call__
    calls: list[int] = []

    def interrupted(self: MemberRunner, start: int, stop: int) -> xr.Dataset:
        calls.append(start)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_call(self, start, stop)

    monkeypatch.setattr(MemberRunner, "__call__", interrupted)
    code, _, stderr = _invoke(*args)
    assert code == EXIT_INTERRUPTED
    assert "interrupted: finished chunks are kept in" in stderr and not out.exists()
    assert len(list((tmp_path / "ens.nc.chunks").glob("chunk-*.nc"))) == 1
    monkeypatch.setattr(MemberRunner, "__call__", real_call)
    code, stdout, _ = _invoke(*args)
    assert code == 0 and "1 chunks resumed" in stdout
    assert Results.load(out).dataset.sizes["member"] == 6


def test_an_unwritable_bands_file_is_refused_before_the_run(noise_model: Path,
                                                            tmp_path: Path) -> None:
    code, _, stderr = _invoke("ensemble", str(noise_model), "--members", "2",
                              "--out", str(tmp_path / "e.nc"),
                              "--bands-out", str(tmp_path / "missing" / "b.csv"))
    assert code == 2 and "folder" in stderr and "does not exist" in stderr
    assert list(tmp_path.iterdir()) == []  # no run folder: nothing ran


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--members", "0"), "--members"),
        (("-v", "Firmz"), "closest: 'Firms'"),
        (("--scenario", "x"), "not the built-in model: give --scenarios-dir"),
        (("--engine", "fast"), "engine must be one of"),
        (("--local-cluster", "2", "--scheduler", "tcp://x:1"), "not both"),
        (("--horizon", "99"), "--horizon 99 is outside the run [0, 20]"),
        (("--out", "/nonexistent/e.nc"), "does not exist"),
    ],
)
def test_bad_input_is_one_error_line(noise_model: Path, tmp_path: Path,
                                     args: tuple[str, ...], message: str) -> None:
    defaults = ("--members", "2", "--out", str(tmp_path / "e.nc"))
    code, _, stderr = _invoke("ensemble", str(noise_model), *defaults, *args)
    lines = [line for line in stderr.splitlines() if line.strip()
             and not line.startswith("chunks")]
    assert code == 2, stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_a_model_without_noise_input_is_refused_before_the_run(tmp_path: Path) -> None:
    quiet = str(Path(__file__).resolve().parents[1] / "data" / "loops_logistic.mdl")
    out = tmp_path / "e.nc"
    code, _, stderr = _invoke("ensemble", quiet, "--members", "4", "--out", str(out))
    assert code == 2 and "no white noise input" in stderr and "--no-noise" in stderr
    assert not out.exists() and not (tmp_path / "e.nc.chunks").exists()
    code, stdout, _ = _invoke("ensemble", quiet, "--members", "2", "--no-noise",
                              "--out", str(out))
    assert code == 0 and out.is_file(), stdout


def test_seed_and_noise_mean_the_same_in_every_command(tmp_path: Path) -> None:
    town = str(Path(__file__).resolve().parents[1] / "data" / "core_town.mdl")
    code, _, stderr = _invoke("ensemble", town, "--members", "2", "--no-noise", "--seed", "3",
                              "--out", str(tmp_path / "a.nc"))
    assert code == 2 and "leave out --seed or --no-noise" in stderr
    for args, noisy in ((("--seed", "3"), True), (("--noise",), True), ((), False)):
        out = tmp_path / f"run{len(args)}{noisy}.nc"
        code, _, stderr = _invoke("run", town, *args, "-o", str(out))
        assert code == 0, stderr
        seeds = Results.load(out).metadata["seeds"]
        assert (seeds["baseline"] is not None) == noisy, (args, seeds)

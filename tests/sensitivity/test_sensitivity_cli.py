"""The ``sdcluster sensitivity`` command, tested in-process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sdcluster.cli.main import app
from sdcluster.cli.sensitivity import register
from sdcluster.results.dataset import Results

register(app)  # a no-op once cli.py registers the commands itself


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_help_shows_an_example() -> None:
    code, out, _ = _invoke("sensitivity", "--help")
    assert code == 0 and "Example: sdcluster sensitivity" in out


def test_a_sobol_study_writes_runs_and_tidy_indices(linear_model: Path, tmp_path: Path) -> None:
    runs, indices = tmp_path / "runs.nc", tmp_path / "indices.csv"
    code, out, err = _invoke("sensitivity", str(linear_model), "-p", "x1", "-p", "x2=0:0.25",
                             "-p", "x3", "--outcome", "response@end", "--samples", "64",
                             "--seed", "2", "--no-noise", "--out", str(runs),
                             "--indices-out", str(indices))
    assert code == 0, err
    assert "512 runs" in out and "S1 ±" in out and "ST" in out
    table = pd.read_csv(indices)
    assert set(table["index"]) == {"S1", "ST", "S2"}
    s1 = table[table["index"] == "S1"].set_index("parameter")["estimate"]
    assert s1["x3"] > s1["x1"] > s1["x2"]  # widths 1, 0.25, 1 with coefficients 1, 2, 3
    results = Results.load(runs)
    assert results.dataset.sizes["member"] == 512
    assert list(results.dataset["parameter"].values) == ["x1", "x2", "x3"]
    x2 = results.dataset["design"].sel(parameter="x2").values
    assert x2.min() >= 0 and x2.max() <= 0.25
    assert results.metadata["sensitivity"]["method"] == "sobol"


def test_morris_on_the_builtin_model_with_the_default_outcome(tmp_path: Path) -> None:
    code, out, err = _invoke("sensitivity", "-p", "openness", "-p", "government support",
                             "--method", "morris", "--samples", "4", "--seed", "1",
                             "--out", str(tmp_path / "s.nc"),
                             "--indices-out", str(tmp_path / "i.csv"))
    assert code == 0, err
    assert "Order Degree@end" in out and "mu_star" in out
    table = pd.read_csv(tmp_path / "i.csv")
    assert np.isfinite(table[table["index"] == "mu_star"]["estimate"]).all()


def test_replicates_count_as_runs(linear_model: Path, tmp_path: Path) -> None:
    code, out, err = _invoke("sensitivity", str(linear_model), "-p", "x1", "-p", "x2",
                             "--method", "mc", "--samples", "8", "--replicates", "3",
                             "--out", str(tmp_path / "s.nc"),
                             "--indices-out", str(tmp_path / "i.csv"))
    assert code == 0, err
    assert "24 runs (8 samples)" in out


def test_a_non_power_of_two_is_a_warning_line(linear_model: Path, tmp_path: Path) -> None:
    code, _, err = _invoke("sensitivity", str(linear_model), "-p", "x1", "-p", "x2",
                           "--samples", "12", "--out", str(tmp_path / "s.nc"),
                           "--indices-out", str(tmp_path / "i.csv"))
    assert code == 0
    assert "warning: sensitivity: Sobol' N = 12 is not a power of 2" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give at least one --parameter"),
        (("-p", "x9"), "unknown variable 'x9'"),
        (("-p", "x1=0:2"), "outside the declared range [0, 1]"),
        (("-p", "x1=0..1"), "expected NAME=LOW:HIGH"),
        (("-p", "unbounded"), "no closed declared range"),
        (("-p", "x1", "--method", "fast"), "expected sobol, morris, lhs or mc"),
        (("-p", "x1", "--outcome", "response@later"), "after '@' expected"),
        (("-p", "x1", "--samples", "1"), "--samples"),
    ],
)
def test_bad_input_is_one_error_line(linear_model: Path, tmp_path: Path,
                                     args: tuple[str, ...], message: str) -> None:
    outputs = ("--out", str(tmp_path / "s.nc"), "--indices-out", str(tmp_path / "i.csv"))
    code, _, err = _invoke("sensitivity", str(linear_model), *args, *outputs)
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("chunks")]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]

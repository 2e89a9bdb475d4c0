"""The ``sdcluster bifurcation`` command, tested in-process."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sdcluster.cli.main import app
from sdcluster.studies.bifurcation import BifurcationResult
from tests.studies.studies_support import LAKE

SMALL = ["--values", "21", "--initial-states", "6", "--initial-range", "0.01:3",
         "--horizon", "150", "--takeoff-values", "6", "--members", "20"]


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_help_shows_an_example() -> None:
    code, out, _ = _invoke("bifurcation", "--help")
    assert code == 0
    assert "sdcluster bifurcation --lever openness" in out[out.index("Example"):]


def test_writes_figure_tables_and_netcdf(tmp_path: Path) -> None:
    out = tmp_path / "bif"
    code, stdout, stderr = _invoke("bifurcation", str(LAKE), "--state", "Cluster Size",
                                   *SMALL, "--seed", "2", "--format", "png", "--format",
                                   "svg", "--out-dir", str(out))
    assert code == 0, stderr
    assert "formation threshold" in stdout and "persistence threshold" in stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ["bifurcation.nc", "bifurcation.png", "bifurcation.svg",
                     "bifurcation_branches.csv", "bifurcation_takeoff.csv",
                     "bifurcation_thresholds.csv"]
    thresholds = pd.read_csv(out / "bifurcation_thresholds.csv").set_index("quantity")
    result = BifurcationResult.load(out / "bifurcation.nc")
    assert thresholds.loc["formation threshold", "value"] == pytest.approx(result.formation)
    assert result.dataset.attrs["seed"] == 2
    assert [str(q) for q in result.dataset["quantity"].values] == ["Cluster Size",
                                                                   "Order Degree"]


@pytest.mark.parametrize(("args", "expected"), [
    (["--lever", "opennes"], "closest constants: 'openness'"),
    (["--state", "Cluster Sise"], "closest stocks: 'Cluster Size'"),
    (["--output", "Order Degre"], "closest variables: 'Order Degree'"),
    (["--range", "1:0"], "--range '1:0': expected LOW:HIGH"),
    (["--noise-levels", "1x,0.1"], "not a mix"),
    (["--noise-levels", "lots"], "expected e.g. 0.5x,1x,2x"),
    (["--format", "gif"], "--format 'gif'"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str],
                                          expected: str) -> None:
    base = {"--state": "Cluster Size"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    options = [item for key, value in {**base, **given}.items() for item in (key, value)]
    code, _, stderr = _invoke("bifurcation", str(LAKE), *options, *SMALL,
                              "--out-dir", str(tmp_path / "out"))
    assert code == 2
    assert expected in _one_error_line(stderr)


def test_missing_parent_folder_is_refused(tmp_path: Path) -> None:
    code, _, stderr = _invoke("bifurcation", str(LAKE), "--state", "Cluster Size", *SMALL,
                              "--out-dir", str(tmp_path / "no" / "such"))
    assert code == 2
    assert "does not exist" in _one_error_line(stderr)


def test_builtin_model_runs_through_the_command(tmp_path: Path) -> None:
    # Smoke test of the command on the built-in model; its thresholds are tested in
    # tests/builtin_model/test_behaviour.py (spec item 2).
    code, stdout, stderr = _invoke("bifurcation", "--values", "4", "--initial-states", "3",
                                   "--horizon", "20", "--noise-levels", "none",
                                   "--out-dir", str(tmp_path / "builtin"))
    assert code == 0, stderr
    assert "Mature Firms against openness" in stdout
    assert (tmp_path / "builtin" / "bifurcation.png").is_file()

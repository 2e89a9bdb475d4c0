"""The ``loops`` command, run in-process on an app of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sdcluster.cli.loops import register
from sdcluster.cli.testing import command_app
from tests import DATA

LOGISTIC = str(DATA / "loops_logistic.mdl")


def _app() -> typer.Typer:
    return command_app(register)


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return _app()


def _invoke(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), prog_name="sdcluster")
    return result.exit_code, result.stdout, result.stderr


def test_registered_once_with_help_and_example(app: typer.Typer) -> None:
    assert [c.name for c in app.registered_commands] == ["loops"]
    code, out, _ = _invoke(app, "loops", "--help")
    assert code == 0
    assert "Example" in out and "sdcluster loops" in out and "--ensemble" in out


def test_timeline_table_and_plot(app: typer.Typer, tmp_path: Path) -> None:
    figure = tmp_path / "timeline.png"
    code, out, err = _invoke(app, "loops", LOGISTIC, "--out", str(figure))
    assert code == 0, err
    assert "2 of 2 named loops found" in out
    assert "R1 growth" in out and "B1 crowding" in out
    shifts = out[out.index("dominance shifts"):].splitlines()
    assert any("polarity" in line and line.rstrip().endswith("balancing") for line in shifts)
    assert any("named loop" in line and line.rstrip().endswith("B1 crowding") for line in shifts)
    assert figure.stat().st_size > 5000
    assert not list(tmp_path.glob(".timeline*"))  # no temporary file left


def test_ensemble_table_and_plot(app: typer.Typer, tmp_path: Path) -> None:
    figure = tmp_path / "shares.svg"
    code, out, err = _invoke(app, "loops", LOGISTIC, "--ensemble", "5", "-p", "growth rate",
                             "-p", "capacity=500:2000", "--out", str(figure))
    assert code == 0, err
    assert "ensemble of 5 members" in out
    assert "capacity [500, 2000]" in out and "growth rate [0, 2]" in out
    assert "whole run" in out and "Spearman" in out
    assert figure.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_threshold_search(app: typer.Typer) -> None:
    code, out, err = _invoke(app, "loops", LOGISTIC, "--threshold",
                             "growth rate:B1:whole run")
    assert code == 0, err
    assert "B1 crowding dominates whole run above growth rate =" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--threshold", "openness:R5"], "expected PARAMETER:LOOP:PHASE"),
    (["--threshold", "growth rate:R9:whole run"], "no named loop 'R9'"),
    (["--ensemble", "3", "-p", "growth rat"], "unknown variable 'growth rat'"),
    (["--ensemble", "3", "-p", "capacity=5"], "NAME=LOW:HIGH"),
    (["--out", "/no/such/folder/x.png"], "does not exist"),
    (["--out", "loops.docx"], "cannot write a figure as '.docx'; expected one of"),
    (["-s", "baseline"], "give --scenarios-dir"),
    (["--ensemble", "3", "--threshold", "growth rate:B1:whole run"], "not both"),
    (["-p", "capacity"], "give --ensemble N too"),
    (["--threshold", "growth rate:B1:whole run", "--seed", "1"], "leave out --seed and --noise"),
])
def test_user_errors_are_one_line_with_status_2(app: typer.Typer, args: list[str],
                                                message: str) -> None:
    code, _, err = _invoke(app, "loops", LOGISTIC, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert message in lines[0]

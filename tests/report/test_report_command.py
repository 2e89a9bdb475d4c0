"""The ``report`` command, in-process on a Typer app that registers it."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sdcluster.cli.report import register
from sdcluster.cli.testing import command_app
from sdcluster.report import ReportOutcome


def _app() -> typer.Typer:
    return command_app(register)


def test_report_from_results_writes_the_chosen_format(generic_report: ReportOutcome,
                                                      tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["report", "--from", str(generic_report.results_path),
                                         "--format", "html", "--out-dir", str(tmp_path),
                                         "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"html: {tmp_path / 'escape_town_draft.html'}" in result.output
    assert "report written in" in result.output
    assert "left out: sweep:" in result.output
    assert not (tmp_path / "escape_town_draft.pdf").exists()


@pytest.mark.parametrize(("arguments", "message"), [
    (["--format", "docx"], "unknown format 'docx'"),
    (["--from", "x.nc", "model.mdl"], "give no model, scenarios or checks"),
])
def test_bad_options_are_refused(arguments: list[str], message: str) -> None:
    result = CliRunner().invoke(_app(), ["report", *arguments], env={"COLUMNS": "200"})
    assert result.exit_code != 0
    assert message in " ".join(result.output.replace("│", " ").split())

"""The ``report`` command, registered on the main Typer app.

``sdcluster.cli.main`` adds it with::

    from sdcluster.cli.report import register as register_report
    register_report(app)

It follows ``cli.py``'s conventions: a user error is one ``error: ...`` line
on stderr with exit status 2 (the app's command group does this), and
``--help`` ends with an example. The command is one library call,
:func:`sdcluster.report.make_report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sdcluster.cli.options import (
    ChecksDirOption,
    DataFilesOption,
    ModelArgument,
    ScenariosDirOption,
)
from sdcluster.report.options import DEFAULT_SEED, FORMATS, ReportOptions

__all__ = ["register", "report_command"]


def report_command(
    model: ModelArgument = None,
    data_file: DataFilesOption = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option("--scenario", "-s", help="Scenario name (repeatable); every scenario of "
                     "the folder if omitted.", show_default=False, metavar="NAME"),
    ] = None,
    scenarios_dir: ScenariosDirOption = None,
    checks_dir: ChecksDirOption = None,
    out_dir: Annotated[Path, typer.Option(
        help="Folder for the report and its results files.", metavar="DIR")
                       ] = Path("reports"),
    fmt: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help="html or pdf (repeatable); both if omitted.",
                     show_default=False, metavar="FORMAT"),
    ] = None,
    quick: Annotated[bool, typer.Option("--quick", help="A fast draft: fewer runs per "
                                        "experiment, the same sections.")] = False,
    ensemble_size: Annotated[
        int | None,
        typer.Option(min=2, help="Members of each fluctuation ensemble (default 300, "
                     "24 with --quick).", show_default=False, metavar="N"),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the ensembles and designs.",
                                      metavar="N")] = DEFAULT_SEED,
    from_results: Annotated[
        Path | None,
        typer.Option("--from", help="Rebuild the report from a results file of an earlier "
                     "report run, without running the model.", show_default=False,
                     metavar="RESULTS.nc"),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Run the scenarios and experiments; write the HTML and PDF report.

    Saves the results first (netCDF, beside the report), so a report can be
    rebuilt from them with --from.
    """
    from sdcluster.report import make_report

    formats = tuple(dict.fromkeys(fmt or FORMATS))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise typer.BadParameter(f"unknown format {unknown[0]!r}; expected html or pdf",
                                 param_hint="--format")
    if from_results is not None and (model is not None or scenario or scenarios_dir
                                     or checks_dir or data_file):
        raise typer.BadParameter("--from rebuilds a saved report: give no model, scenarios or "
                                 "checks with it", param_hint="--from")
    options = ReportOptions(model=model, data_files=tuple(data_file or ()),
                            scenarios=tuple(scenario) if scenario else None,
                            scenarios_dir=scenarios_dir, checks_dir=checks_dir,
                            out_dir=out_dir, formats=formats,
                            quick=quick, ensemble_size=ensemble_size, seed=seed,
                            from_results=from_results)
    outcome = make_report(options, echo=lambda line: typer.echo(line, err=True),
                          progress=not quiet)
    for name, reason in outcome.unavailable.items():
        typer.echo(f"left out: {name}: {reason}")
    typer.echo(f"results: {outcome.results_path}")
    for fmt_name, path in outcome.paths.items():
        typer.echo(f"{fmt_name}: {path}")
    typer.echo(f"report written in {outcome.seconds:.1f} s")


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command(name="report", epilog="Example: sdcluster report --quick --out-dir reports")(
        report_command)

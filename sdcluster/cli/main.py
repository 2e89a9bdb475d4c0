"""The ``sdcluster`` command line: a thin skin over the library.

Commands here: ``describe``, ``run`` and ``check``; ``report``
(:mod:`sdcluster.cli.report`), ``ensemble`` and ``sensitivity``
(:mod:`sdcluster.cli.ensemble`, :mod:`sdcluster.cli.sensitivity`) and ``loops``
(:mod:`sdcluster.cli.loops`) are registered from their own modules. A user error (an
:class:`~sdcluster.errors.SdclusterError` or a bad parameter) prints one line
``error: ...`` on stderr and exits with status 2; ``--debug`` shows the
traceback instead. ``check`` exits with status 1 when a check fails.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
import xarray as xr
from typer.core import TyperGroup

from sdcluster.cli.bifurcation import register as register_bifurcation
from sdcluster.cli.calibrate import register as register_calibrate
from sdcluster.cli.ensemble import register as register_ensemble
from sdcluster.cli.explore import register as register_explore
from sdcluster.cli.loops import register as register_loops
from sdcluster.cli.options import (
    ChecksDirOption,
    DataFilesOption,
    ModelArgument,
    NoiseOption,
    ScenariosDirOption,
    SeedOption,
    data_files,
    noise_seed,
)
from sdcluster.cli.report import register as register_report
from sdcluster.cli.sensitivity import register as register_sensitivity
from sdcluster.cli.support import input_files, text_table
from sdcluster.errors import AnalysisError, SdclusterError, first_line
from sdcluster.experiments.scenarios import Scenario, load_scenarios
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.atomic import refuse_overwriting_inputs, require_writable_folder
from sdcluster.results.dataset import Results

EXIT_USER_ERROR = 2
EXIT_CHECK_FAILED = 1
EXIT_UNEXPECTED = 1
#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


class _OneLineErrors(TyperGroup):
    """A command group that reports user errors in one line (see the module docstring)."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        # No arguments: show the help (click would raise it as a usage error).
        debug, arguments = _debug_option(list(sys.argv[1:] if args is None else args))
        try:
            code = super().main(args=arguments or ["--help"], prog_name=prog_name or "sdcluster",
                                complete_var=complete_var, standalone_mode=False,
                                windows_expand_args=windows_expand_args, **extra)
        except typer.Abort:  # Ctrl-C outside a command that handles it itself
            typer.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as error:
            if debug:
                raise
            message, status = one_line_error(error)
            typer.echo(f"error: {' '.join(message.split())}", err=True)
            sys.exit(status)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


def _debug_option(arguments: list[str]) -> tuple[bool, list[str]]:
    """Accept ``--debug`` anywhere before ``--``; move it before the command name."""
    end = arguments.index("--") if "--" in arguments else len(arguments)
    head = [a for a in arguments[:end] if a != "--debug"]
    debug = len(head) < end
    return debug, (["--debug"] if debug else []) + head + arguments[end:]


def one_line_error(error: Exception) -> tuple[str, int]:
    """Return the one line a failed command prints, and its exit status.

    This is the command line's one error boundary: sdcluster's own errors and
    bad parameters are user errors (status 2); running out of memory says what
    to make smaller (status 2); anything else (a third-party library failing in
    a way sdcluster does not know) is one line too, with status 1 and a hint to
    rerun with ``--debug``.
    """
    if isinstance(error, SdclusterError):
        return str(error), EXIT_USER_ERROR
    if isinstance(error, typer.TyperException):  # usage errors and typer.BadParameter
        return error.format_message(), EXIT_USER_ERROR
    if isinstance(error, MemoryError):
        return ("out of memory: the run needs more memory than this machine has; ask for "
                "fewer members or samples, a shorter run (final_time) or a larger TIME STEP"
                ), EXIT_USER_ERROR
    return (f"unexpected {type(error).__name__}: {first_line(error)} (rerun with --debug "
            "for the traceback)"), EXIT_UNEXPECTED


app = typer.Typer(
    cls=_OneLineErrors,
    help="Innovation-cluster self-organization: describe, run and check the model, run "
         "ensembles, sensitivity and loop-dominance studies, and write the report.",
    epilog="Example: sdcluster report --out-dir reports   (COMMAND --help shows more)",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ScenarioOption = Annotated[
    list[str] | None,
    typer.Option("--scenario", "-s", help="Scenario name (repeatable).", show_default=False,
                 metavar="NAME"),
]


def _print_version(value: bool) -> None:
    if value:
        from sdcluster import __version__

        typer.echo(f"sdcluster {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", help="Print the version and exit.", callback=_print_version,
        is_eager=True)] = False,
) -> None:
    del debug, version  # --debug is read by _OneLineErrors.main before any command runs


def _short(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# ---------------------------------------------------------------- describe


@app.command(epilog="Example: sdcluster describe models/innovation_cluster.mdl --all")
def describe(
    model: ModelArgument = None,
    data_file: DataFilesOption = None,
    all_variables: Annotated[bool, typer.Option("--all", help="List every variable.")] = False,
) -> None:
    """Show a model's stocks, flows, policy levers, feedback loops and units."""
    loaded = load_model(model, data_files=data_files(data_file))
    clock = loaded.time
    typer.echo(f"model: {loaded.path} (sha256 {loaded.sha256[:12]})")
    typer.echo(f"time: {clock.initial_time:g} to {clock.final_time:g} {clock.units}, "
               f"TIME STEP {clock.time_step:g}, saved every {clock.saveper:g}")
    if loaded.data_files:
        typer.echo(f"data files: {', '.join(str(p) for p in loaded.data_files.paths)}")
    typer.echo(f"engines: {_engines_text(loaded)}")
    for title, frame in _describe_tables(loaded, all_variables):
        typer.echo(f"\n{title}")
        typer.echo(text_table(frame) if len(frame) else "(none)")
    typer.echo(f"\n{_loops_text(loaded)}")


def _engines_text(model: LoadedModel) -> str:
    """Say which engines run the model: PySD always; the batch engine, or why not."""
    from sdcluster.engine.batch_support import can_vectorize

    vectorized, reason = can_vectorize(model)
    if vectorized:
        return "PySD (of record) and the vectorized batch engine (ensembles, sensitivity)"
    return f"PySD only; the batch engine cannot run it ({reason}), so ensembles run member by " \
        "member through PySD"


def _describe_tables(model: LoadedModel, all_variables: bool) -> list[tuple[str, pd.DataFrame]]:
    def rows(names: Sequence[str], extra: str) -> pd.DataFrame:
        records = []
        for name in names:
            variable = model.variables[name]
            record = {"name": name, "units": variable.units}
            if extra == "flows":
                record["flows"] = ", ".join(model.stock_flows.get(name, ()))
            elif extra == "value":
                record["value"] = "" if variable.default is None else f"{variable.default:g}"
                record["range"] = variable.range_text()
            elif extra == "kind":
                record["kind"] = variable.kind
                record["range"] = variable.range_text()
            record["documentation"] = _short(variable.documentation)
            records.append(record)
        return pd.DataFrame(records)

    tables = [
        (f"stocks ({len(model.stocks)})", rows(model.stocks, "flows")),
        (f"flows ({len(model.flows)})", rows(model.flows, "")),
        (f"policy levers ({len(model.levers)})", rows(model.levers, "value")),
    ]
    if all_variables:
        tables.append((f"all variables ({len(model.variables)})",
                       rows(list(model.variables), "kind")))
    return tables


def _loops_text(model: LoadedModel) -> str:
    from sdcluster.model.named_loops import intended_polarity, named_loops

    loops = model.feedback_loops()
    if not loops:
        return "feedback loops: none found"
    counts = pd.Series([loop.polarity for loop in loops]).value_counts()
    summary = ", ".join(f"{count} {polarity}" for polarity, count in counts.items())
    named = named_loops(model.path)
    if named:
        # The loops the modeler named are the ones worth reading; the rest are combinations.
        lines = [f"feedback loops: {len(loops)} ({summary}); the {len(named)} the model "
                 "names:"]
        width = max(len(loop.name) for loop in named)
        lines += [f"  {loop.name:<{width}}  {intended_polarity(loop.name):<12} "
                  f"{' | '.join(' > '.join(chain) for chain in loop.chains)}" for loop in named]
        return "\n".join(lines)
    shortest = sorted(loops, key=lambda loop: len(loop.variables))[:10]
    lines = [f"feedback loops: {len(loops)} ({summary}); the shortest (the model names none):"]
    lines += [f"  {loop.id:>5} {loop.polarity:<12} {' -> '.join(loop.variables)}"
              for loop in shortest]
    return "\n".join(lines)


# --------------------------------------------------------------------- run


@app.command(epilog="Example: sdcluster run --all --seed 1 --out results.nc (a model with "
             "DATA variables: sdcluster run demand.mdl --data-files demand.tab)")
def run(
    model: ModelArgument = None,
    data_file: DataFilesOption = None,
    scenario: ScenarioOption = None,
    all_scenarios: Annotated[bool, typer.Option("--all", help="Run every scenario.")] = False,
    scenarios_dir: ScenariosDirOption = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Results file (netCDF).",
                                      metavar="FILE.nc")
                   ] = Path("results.nc"),
    seed: SeedOption = None,
    noise: NoiseOption = None,
) -> None:
    """Run scenarios; save the results and print phase onsets and end values.

    Without --scenario or --all the model runs as it is (named "baseline").
    Without noise unless --noise or --seed, so that scenarios differ by their
    policies alone.
    """
    loaded = load_model(model, data_files=data_files(data_file))
    chosen = _chosen_scenarios(loaded, scenario or [], all_scenarios, scenarios_dir)
    refuse_overwriting_inputs({"--out": out}, input_files(loaded, chosen))
    require_writable_folder(out)
    from sdcluster.engine.options import RunOptions
    from sdcluster.experiments.scenario_set import ScenarioSet
    from sdcluster.studies.run import run

    scenario_set = ScenarioSet.of(chosen, seed=noise_seed(noise, seed, default=False))
    results = run(loaded, scenario_set, RunOptions(progress=True))
    results.save(out)
    typer.echo(_summary_text(results, loaded))
    typer.echo(f"\nresults: {out}")


def _chosen_scenarios(model: LoadedModel, names: list[str], everything: bool,
                      directory: Path | None) -> tuple[Scenario, ...]:
    if names and everything:
        raise typer.BadParameter("give --scenario or --all, not both")
    if not names and not everything:
        return (Scenario(name="baseline", title="model as it is"),)
    if directory is None and not model.is_builtin:
        raise typer.BadParameter(
            f"{model.path.name} is not the built-in model: give --scenarios-dir for its scenarios"
        )
    return load_scenarios(model, names or None, directory=directory)


def _summary_text(results: Results, model: LoadedModel) -> str:
    from sdcluster.analysis.phase_summaries import summary_table

    try:
        table = summary_table(results.dataset)
    except AnalysisError:
        # Not the cluster model: show the stocks' end values instead.
        return _end_values_text(results, model.stocks)
    table.index.name = "scenario"
    return text_table(table.reset_index())


def _end_values_text(results: Results, stocks: Sequence[str]) -> str:
    dataset = results.dataset
    names = [name for name in stocks if name in dataset.data_vars]
    records = []
    for scenario in results.scenarios:
        run_values = dataset.sel(scenario=scenario).dropna("time", how="all").isel(time=-1)
        record: dict[str, object] = {"scenario": scenario}
        for name in names:
            record.update(_subscripted_values(str(name), run_values[name]))
        records.append(record)
    return "end values\n" + text_table(pd.DataFrame(records))


def _subscripted_values(name: str, values: xr.DataArray) -> dict[str, float]:
    """Return ``{name: value}``, or ``{'name[a,b]': value}`` per element of a subscripted one."""
    if values.ndim == 0:
        return {name: float(values)}
    flat = values.stack(element=list(values.dims))
    return {f"{name}[{','.join(str(k) for k in (key if isinstance(key, tuple) else (key,)))}]":
            float(value) for key, value in zip(flat["element"].values, flat.values, strict=True)}


# ------------------------------------------------------------------- check


@app.command(epilog="Example: sdcluster check")
def check(
    model: ModelArgument = None,
    data_file: DataFilesOption = None,
    checks_dir: ChecksDirOption = None,
) -> None:
    """Run the validation suite: reality checks, invariants, units; exit 1 on any failure."""
    from sdcluster.studies.validation import run_checks

    loaded = load_model(model, data_files=data_files(data_file))
    rows = run_checks(loaded, checks_dir, progress=True)
    frame = pd.DataFrame(
        [{"result": "pass" if r.passed else "FAIL", "group": r.group, "check": r.check,
          "condition": r.condition, "detail": _short(r.detail, 70)} for r in rows]
    )
    typer.echo(text_table(frame))
    failed = [r for r in rows if not r.passed]
    if failed:
        names = ", ".join(sorted({f"{r.check}: {r.condition}" for r in failed})[:5])
        typer.echo(f"\n{len(failed)} of {len(rows)} checks failed: {names}", err=True)
        raise typer.Exit(EXIT_CHECK_FAILED)
    typer.echo(f"\nall {len(rows)} checks passed")


# Commands that live in their own modules; registered last so --help lists them after these.
register_report(app)
register_ensemble(app)
register_sensitivity(app)
register_loops(app)
register_bifurcation(app)
register_explore(app)
register_calibrate(app)


def main() -> None:
    """Run the command line (the ``sdcluster`` entry point)."""
    app()


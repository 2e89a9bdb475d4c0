"""The ``calibrate`` command: fit a model to observed series with emcee, registered on an app.

``sdcluster.cli.main`` adds it with::

    from sdcluster.cli.calibrate import register as register_calibrate
    register_calibrate(app)

It follows the command line's conventions: a user error is one ``error: ...``
line with exit status 2 (the app's command group does this), ``--help``
ends with an example, every output goes into the folder ``-O/--out`` names
(created if missing, its parent must exist), and every file is written
atomically. Ctrl-C stops the sampler, saves what was sampled and exits with
status 130.

Outputs: ``posterior.nc`` (ArviZ-readable netCDF: posterior, sample stats,
observed data, and the tables below as groups), ``posterior_table.csv``,
``fit.csv`` (Theil statistics and R² of the posterior-median run),
``median_run.csv``, ``predictive.png`` (posterior-predictive band with the
data) and ``pairs.png`` (one- and two-dimensional marginals).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer

from sdcluster.cli.options import DataFilesOption, EngineOption, ModelArgument, data_files
from sdcluster.cli.support import text_table
from sdcluster.errors import CalibrationError
from sdcluster.experiments.calibration import LIKELIHOODS, MOVES
from sdcluster.experiments.calibration_inputs import SeriesMap
from sdcluster.experiments.parsing import number_text, parameter_option
from sdcluster.results.atomic import (
    refuse_overwriting_inputs,
    require_writable_folder,
    write_atomically,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from sdcluster.studies.calibration import CalibrationResult

__all__ = ["calibrate_command", "parse_map", "register"]

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130
#: Files the command writes into its folder.
OUTPUT_FILES = ("posterior.nc", "posterior_table.csv", "fit.csv", "median_run.csv",
                "predictive.png", "pairs.png")
#: Draws shown in each scatter panel of the pairs figure, at most.
PAIRS_POINTS = 2000

EXAMPLE = ("Example: sdcluster calibrate tests/data/calibration_logistic.mdl --data obs.csv "
           "--time-column year --map 'Population=population' --param 'growth rate' "
           "--param capacity=200:3000 --walkers 32 --steps 2000 --seed 1 -O calibration")


def register(app: typer.Typer) -> None:
    """Add the ``calibrate`` command to ``app`` (once)."""
    if "calibrate" not in {command.name for command in app.registered_commands}:
        app.command("calibrate", epilog=EXAMPLE)(calibrate_command)


# ------------------------------------------------------------------ parsing


def _range_or_number(text: str, where: str) -> tuple[float, float] | float:
    low, colon, high = text.partition(":")
    if colon:
        return number_text(low, where), number_text(high, where)
    return number_text(text, where)


def parse_map(text: str) -> SeriesMap:
    """Parse ``MODEL VAR=column[*SCALE|*LOW:HIGH][@OFFSET|@LOW:HIGH]`` (a ``--map`` option).

    ``*SCALE`` multiplies the model variable by a fixed factor; ``*LOW:HIGH``
    estimates the factor with a log-uniform prior. ``@OFFSET`` is the observed
    time of the model's time 0; ``@LOW:HIGH`` estimates it (uniform prior).

    Raises
    ------
    CalibrationError
        If a part is missing or a number is not a number.

    """
    where = f"--map {text!r}"
    variable, equals, rest = text.partition("=")
    if not equals or not variable.strip() or not rest.strip():
        raise CalibrationError(f"{where}: expected 'MODEL VARIABLE=column[*scale][@offset]', "
                               "e.g. 'knowledge creation=patents*0.01'")
    rest, at, offset_text = rest.partition("@")
    column, star, scale_text = rest.partition("*")
    if not column.strip() or (star and not scale_text.strip()) or (at and not offset_text):
        raise CalibrationError(f"{where}: expected 'MODEL VARIABLE=column[*scale][@offset]', "
                               "e.g. 'knowledge creation=patents*0.001:0.1@2000'")
    mapping = SeriesMap(variable=variable.strip(), column=column.strip())
    if star:
        scale = _range_or_number(scale_text.strip(), where)
        mapping = (SeriesMap(mapping.variable, mapping.column, scale_prior=scale)
                   if isinstance(scale, tuple)
                   else SeriesMap(mapping.variable, mapping.column, scale=scale))
    if at:
        offset = _range_or_number(offset_text.strip(), where)
        mapping = SeriesMap(mapping.variable, mapping.column, mapping.scale,
                            mapping.scale_prior,
                            time_offset=offset if isinstance(offset, float) else 0.0,
                            offset_prior=offset if isinstance(offset, tuple) else None)
    return mapping


def _parameters(texts: Sequence[str]) -> dict[str, tuple[float, float] | None]:
    return dict(parameter_option(text, "--param") for text in texts)


# ------------------------------------------------------------------ command


def calibrate_command(
    data: Annotated[Path, typer.Option(
        "--data", "-d", help="Observations: a CSV with a time column and one column per "
        "observed series (UTF-8 or Latin-1).", show_default=False, metavar="FILE.csv")],
    model: ModelArgument = None,
    data_file: DataFilesOption = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", "-m", help="MODEL VARIABLE=column[*SCALE|*LOW:HIGH][@OFFSET|@LOW:HIGH] "
        "(repeatable): compare column with SCALE * variable(t - OFFSET); a LOW:HIGH range "
        "estimates it.", show_default=False, metavar="VAR=COLUMN")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="Constant to estimate, NAME or NAME=LOW:HIGH (repeatable); "
        "uniform prior over its declared range by default.", show_default=False,
        metavar="NAME[=LOW:HIGH]")] = None,
    time_column: Annotated[str, typer.Option(help="Time column of the data.",
                                             metavar="NAME")] = "time",
    likelihood: Annotated[str, typer.Option(
        help="lognormal (positive data, estimated sigma) or negbinom (counts, estimated "
        "overdispersion).", metavar="NAME")] = "lognormal",
    walkers: Annotated[int, typer.Option(min=2, help="Ensemble walkers (even, at least "
                                         "twice the estimated quantities).",
                                         metavar="N")] = 32,
    steps: Annotated[int, typer.Option(min=1, help="Steps per walker.", metavar="N")] = 2000,
    burn: Annotated[int | None, typer.Option(
        min=0, help="Warm-up steps left out of the summaries; half the steps by default.",
        show_default=False, metavar="N")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the sampler.", metavar="N")] = 0,
    moves: Annotated[str, typer.Option(
        help="stretch (emcee's default) or de (differential evolution with mode hopping, "
        "for posteriors with several modes).", metavar="NAME")] = "stretch",
    temperatures: Annotated[int, typer.Option(
        min=1, help="Parallel-tempering ladder: ensembles of --walkers each at temperatures "
        "from 1 to --max-temperature, swapping walkers so they cross between separated "
        "modes (1: no tempering; each step costs this many times the runs).",
        metavar="K")] = 1,
    max_temperature: Annotated[float, typer.Option(
        help="Hottest temperature of the ladder (geometric from 1).", metavar="T")
    ] = 1000.0,
    engine: EngineOption = "auto",
    out: Annotated[Path, typer.Option(
        "--out", "-O", help="Folder for the outputs (created if missing).",
        metavar="DIR")] = Path("calibration"),
) -> None:
    """Calibrate model constants to observed series: posterior, diagnostics and fit.

    Samples the posterior with emcee's ensemble sampler; every step's walkers
    run as one batch-engine run. Prints the convergence diagnostics
    (acceptance, autocorrelation time, ESS, R-hat), the posterior table
    (median, 90 % interval, flagged when the data do not inform a quantity)
    and the Theil statistics of the posterior-median run.
    """
    from sdcluster.engine.options import RunOptions
    from sdcluster.experiments.calibration import CalibrationSpec
    from sdcluster.experiments.calibration_inputs import read_observations
    from sdcluster.model.loaded import load_model
    from sdcluster.studies.run import run

    if not mapping:
        raise typer.BadParameter("give at least one --map 'MODEL VARIABLE=column'",
                                 param_hint="--map")
    if likelihood not in LIKELIHOODS:
        raise typer.BadParameter(f"--likelihood {likelihood!r}: expected one of "
                                 f"{', '.join(LIKELIHOODS)}", param_hint="--likelihood")
    if moves not in MOVES:
        raise typer.BadParameter(f"--moves {moves!r}: expected one of {', '.join(MOVES)}",
                                 param_hint="--moves")
    if engine not in ("auto", "batch", "pysd"):
        raise typer.BadParameter(f"--engine {engine!r}: expected auto, batch or pysd",
                                 param_hint="--engine")
    loaded = load_model(model, data_files=data_files(data_file))
    targets = {f"--out {name}": out / name for name in OUTPUT_FILES}
    refuse_overwriting_inputs(targets, [loaded.path, data, *loaded.data_files.paths])
    _prepare_folder(out)
    spec = CalibrationSpec(
        observations=read_observations(data, time_column=time_column),
        mappings=tuple(parse_map(text) for text in mapping),
        parameters=_parameters(param or []), time_column=time_column,
        likelihood=likelihood,  # type: ignore[arg-type]
        walkers=walkers, steps=steps, burn=burn, seed=seed, source=str(data),
        moves=moves,  # type: ignore[arg-type]
        temperatures=temperatures, max_temperature=max_temperature,
    ).validated(loaded)
    typer.echo(spec.describe())
    result = run(loaded, spec, RunOptions(progress=True, engine=engine))  # type: ignore[arg-type]
    typer.echo("")
    typer.echo(result.summary())
    typer.echo("")
    typer.echo(_table_text(result))
    typer.echo("")
    typer.echo(_fit_text(result))
    for path in _write(result, out):
        typer.echo(f"wrote {path}")
    if result.interrupted:
        typer.echo(f"interrupted: the outputs hold the {result.steps_done} steps sampled",
                   err=True)
        raise typer.Exit(EXIT_INTERRUPTED)


def _prepare_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} is a file, not a folder", param_hint="--out")
    require_writable_folder(out)  # its parent must exist and be writable
    out.mkdir(exist_ok=True)
    for name in OUTPUT_FILES:
        require_writable_folder(out / name)


def _table_text(result: CalibrationResult) -> str:
    table = result.table[["name", "median", "q05", "q95", "prior_low", "prior_high",
                          "ess", "rhat"]].copy()
    table["identified"] = np.where(result.table["identified"], "yes", "NO (posterior ~ prior)")
    return text_table(table)


def _fit_text(result: CalibrationResult) -> str:
    columns = [c for c in ("series", "variable", "mse", "rmse_percent", "um", "us", "uc", "r2")
               if c in result.fit.columns]
    return "fit of the posterior-median run (Theil: UM bias, US variance, UC covariance)\n" + \
        text_table(result.fit[columns])


# ------------------------------------------------------------------ outputs


def _write(result: CalibrationResult, out: Path) -> list[Path]:
    written = [result.save(out / "posterior.nc")]
    for name, frame in (("posterior_table.csv", result.table), ("fit.csv", result.fit),
                        ("median_run.csv", result.median_run)):
        written.append(_write_csv(frame, out / name))
    written.append(_write_figure(predictive_figure(result), out / "predictive.png"))
    written.append(_write_figure(pairs_figure(result), out / "pairs.png"))
    return written


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return write_atomically(path, lambda temporary: frame.to_csv(temporary, index=False),
                            what="the table")


def _write_figure(figure: Figure, path: Path) -> Path:
    return write_atomically(path, lambda temporary: figure.savefig(temporary, format="png",
                                                                   dpi=120),
                            what="the figure")


def predictive_figure(result: CalibrationResult) -> Figure:
    """Return the posterior-predictive band of every mapped series, with the data."""
    from matplotlib.figure import Figure

    mappings = result.spec.mappings
    figure = Figure(figsize=(7.0, 3.2 * len(mappings)), layout="constrained")
    axes = figure.subplots(len(mappings), 1, squeeze=False)[:, 0]
    times = result.spec.times
    for ax, mapping in zip(axes, mappings, strict=True):
        band = result.band.sel(series=mapping.column)
        grid = band["time"].values
        ax.fill_between(grid, band["predictive_q05"], band["predictive_q95"], color="#9ecae1",
                        alpha=0.5, label="90 % predictive (with noise)")
        ax.fill_between(grid, band["model_q05"], band["model_q95"], color="#3182bd",
                        alpha=0.5, label="90 % of the model")
        ax.plot(grid, band["median_run"], color="#08306b", label="posterior-median run")
        ax.plot(times, result.spec.observed(mapping.column), "o", color="#e6550d",
                markersize=4, label="observed")
        ax.set_title(f"{mapping.column} against {mapping.variable!r}", fontsize=10)
        ax.set_xlabel(result.spec.time_column)
        ax.legend(fontsize=8, loc="best")
    return figure


def pairs_figure(result: CalibrationResult) -> Figure:
    """Return a pairs grid of the kept draws: histograms on the diagonal, scatter below."""
    from matplotlib.figure import Figure

    names = result.names
    n = len(names)
    draws = result.posterior().reshape(-1, n)
    if draws.shape[0] > PAIRS_POINTS:
        draws = draws[np.linspace(0, draws.shape[0] - 1, PAIRS_POINTS).round().astype(int)]
    size = max(4.0, 1.8 * n)
    figure = Figure(figsize=(size, size), layout="constrained")
    axes = figure.subplots(n, n, squeeze=False)
    for i in range(n):
        for j in range(n):
            _pairs_panel(axes[i, j], draws, i, j, names)
    return figure


def _pairs_panel(ax: object, draws: np.ndarray, i: int, j: int, names: Sequence[str]) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    n = len(names)
    if j > i:
        ax.set_axis_off()
        return
    if i == j:
        ax.hist(draws[:, i], bins=30, color="#3182bd")
        ax.set_yticks([])
    else:
        ax.plot(draws[:, j], draws[:, i], ".", markersize=1.5, alpha=0.3, color="#08306b")
    if i == n - 1:
        ax.set_xlabel(names[j], fontsize=8)
    else:
        ax.set_xticklabels([])
    if j == 0 and i != 0:
        ax.set_ylabel(names[i], fontsize=8)
    elif j != 0:
        ax.set_yticklabels([])
    ax.tick_params(labelsize=6)

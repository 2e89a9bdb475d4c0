"""The ``bifurcation`` command: equilibria, thresholds, hysteresis and take-off probability.

Add it to the main command line with :func:`register` (``sdcluster/cli/main.py``
calls ``register(app)``). A thin skin over
:func:`sdcluster.studies.bifurcation.run_bifurcation` and
:func:`sdcluster.plotting.bifurcation.plot_bifurcation`; every file is written
atomically; user errors become one line on stderr and exit status 2 through
the main app's error handling.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sdcluster.cli.options import DataFilesOption, ModelArgument, data_files
from sdcluster.cli.support import text_table
from sdcluster.results.atomic import require_writable_folder, write_atomically

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from sdcluster.engine.batch import BatchModel
    from sdcluster.studies.bifurcation_result import BifurcationResult

COMMAND = "bifurcation"
EXAMPLES = """Examples:

  sdcluster bifurcation --lever openness --out-dir bif

  sdcluster bifurcation my_model.mdl --lever openness --state 'Cluster Size'
  --range 0:1 --initial-range 0.01:3 --noise-levels 0.5x,1x,2x --members 200 --seed 1
  --out-dir bif
"""
#: Recorded besides the state when the model has it and no --output is given.
DEFAULT_OUTPUT = "Order Degree"
FIGURE_FORMATS = ("png", "svg", "pdf")


def register(app: typer.Typer) -> None:
    """Add the ``bifurcation`` command to ``app`` (once; a second call does nothing)."""
    if any(command.name == COMMAND for command in app.registered_commands):
        return
    app.command(name=COMMAND, epilog=EXAMPLES)(bifurcation)


def bifurcation(
    model: ModelArgument = None,
    data_file: DataFilesOption = None,
    lever: Annotated[str, typer.Option(help="The constant to sweep.", metavar="NAME")] = "openness",
    state: Annotated[str, typer.Option(help="The stock whose equilibria are sought (its initial "
                                       "value must be a constant).", metavar="NAME")]
        = "Mature Firms",
    lever_range: Annotated[str | None, typer.Option(
        "--range", help="LOW:HIGH of the lever; its declared range if omitted.",
        show_default=False, metavar="LOW:HIGH")] = None,
    values: Annotated[int, typer.Option(min=2, help="Lever values.", metavar="N")] = 200,
    initial_states: Annotated[int, typer.Option(
        min=2, help="Initial states per lever value.", metavar="N")]
        = 20,
    initial_range: Annotated[str | None, typer.Option(
        help="LOW:HIGH of the initial states; the declared range of the stock's initial-value "
        "constant if omitted.", show_default=False, metavar="LOW:HIGH")] = None,
    linear: Annotated[bool, typer.Option(
        "--linear", help="Space initial states linearly (log-spaced by default).")] = False,
    horizon: Annotated[float, typer.Option(help="FINAL TIME of every run.",
                                                 metavar="TIME")] = 300.0,
    output: Annotated[list[str] | None, typer.Option(
        "--output", help=f"Other variable to record (repeatable); {DEFAULT_OUTPUT!r} if "
        "the model has it.", show_default=False, metavar="NAME")] = None,
    noise: Annotated[str, typer.Option(
        "--noise-levels", help="Noise levels of the take-off probability: multiples of the "
        "model's noise amplitude (0.5x,1x,2x), absolute amplitudes (0.05,0.1), or 'none'.",
        metavar="LEVELS")] = "0.5x,1x,2x",
    noise_parameter: Annotated[list[str] | None, typer.Option(
        help="Noise-amplitude constant (repeatable); found by name (e.g. 'noise sd') if "
        "omitted.", show_default=False, metavar="NAME")] = None,
    takeoff_values: Annotated[int, typer.Option(
        min=2, help="Lever values of the take-off probability.", metavar="N")] = 50,
    members: Annotated[int, typer.Option(
        min=1, help="Noisy members per lever value and noise level.", metavar="N")] = 200,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the noise streams.",
                                      metavar="N")] = 0,
    figure_format: Annotated[list[str] | None, typer.Option(
        "--format", help="Figure format, png, svg or pdf (repeatable); png if omitted.",
        show_default=False, metavar="FORMAT")] = None,
    out_dir: Annotated[Path, typer.Option(
        help="Folder for bifurcation.png, the CSV tables and bifurcation.nc (created if "
        "missing).", metavar="DIR")] = Path("bifurcation"),
) -> None:
    """Find the equilibria of a state against a lever, its thresholds and take-off probability.

    Stable branches come from long runs out of many initial states, the
    unstable one from the initial state separating the basins; the formation
    and persistence thresholds give the hysteresis; noisy members from the
    default initial state give the take-off probability at several noise
    levels. Everything runs on the batch engine.
    """
    from sdcluster.engine.batch import BatchModel
    from sdcluster.experiments.bifurcation import BifurcationSpec
    from sdcluster.model.loaded import load_model
    from sdcluster.studies.run import run

    formats = _formats(figure_format or ["png"])
    levels, relative = _noise_levels(noise)
    _prepare_folder(out_dir)
    batch = BatchModel.from_model(load_model(model, data_files=data_files(data_file)))
    spec = BifurcationSpec(
        lever=lever, state=state, lever_range=_pair(lever_range, "--range"), values=values,
        initial_states=initial_states, initial_range=_pair(initial_range, "--initial-range"),
        initial_spacing="linear" if linear else "log", horizon=horizon,
        outputs=tuple(output if output is not None else _default_outputs(batch)),
        noise_levels=levels, noise_relative=relative,
        noise_parameter=tuple(noise_parameter) if noise_parameter else None,
        takeoff_values=takeoff_values, members=members, seed=seed)
    result = run(batch, spec)
    typer.echo(_summary(result))
    for path in _write(result, out_dir, formats):
        typer.echo(f"wrote {path}")


def _pair(text: str | None, option: str) -> tuple[float, float] | None:
    if text is None:
        return None
    low, colon, high = text.partition(":")
    try:
        pair = (float(low), float(high))
    except ValueError:
        pair = None
    if not colon or pair is None or not pair[0] < pair[1]:
        raise typer.BadParameter(f"{option} {text!r}: expected LOW:HIGH with LOW < HIGH, "
                                 "e.g. 0:1", param_hint=option)
    return pair


def _noise_levels(text: str) -> tuple[tuple[float, ...], bool]:
    """Parse ``0.5x,1x,2x`` (relative), ``0.05,0.1`` (absolute) or ``none``."""
    if text.strip().lower() in ("none", "0", ""):
        return (), True
    items = [item.strip().lower() for item in text.split(",") if item.strip()]
    marked = [item.endswith("x") for item in items]
    if any(marked) and not all(marked):
        raise typer.BadParameter(f"--noise-levels {text!r}: give all levels as multiples "
                                 "(1x,2x) or all as amplitudes (0.05,0.1), not a mix",
                                 param_hint="--noise-levels")
    try:
        levels = tuple(float(item.rstrip("x")) for item in items)
    except ValueError:
        raise typer.BadParameter(f"--noise-levels {text!r}: expected e.g. 0.5x,1x,2x or "
                                 "0.05,0.1 or none", param_hint="--noise-levels") from None
    if any(level < 0 for level in levels):
        raise typer.BadParameter(f"--noise-levels {text!r}: levels must be >= 0",
                                 param_hint="--noise-levels")
    return levels, all(marked)


def _formats(formats: list[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.lower().lstrip(".") for f in formats))
    unknown = [f for f in chosen if f not in FIGURE_FORMATS]
    if unknown:
        raise typer.BadParameter(f"--format {unknown[0]!r}: expected one of "
                                 f"{', '.join(FIGURE_FORMATS)}", param_hint="--format")
    return chosen


def _prepare_folder(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise typer.BadParameter(f"{out_dir} is a file, not a folder", param_hint="--out-dir")
    require_writable_folder(out_dir)  # its parent must exist and be writable
    out_dir.mkdir(exist_ok=True)
    require_writable_folder(out_dir / "bifurcation.nc")


def _default_outputs(batch: BatchModel) -> list[str]:
    return [DEFAULT_OUTPUT] if DEFAULT_OUTPUT in batch.variables else []


def _summary(result: BifurcationResult) -> str:
    ds = result.dataset
    lines = [f"bifurcation of {ds.attrs['state']} against {ds.attrs['lever']}: "
             f"{ds.sizes['lever']} lever values × {ds.sizes['initial']} initial states "
             f"(set through {ds.attrs['initial_constant']!r}), horizon "
             f"{float(ds.attrs['horizon']):g}, in {float(ds.attrs['seconds']):.1f} s",
             "", text_table(_rounded(result.thresholds_table()))]
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.round({"value": 4, "low": 4, "high": 4})


def _write(result: BifurcationResult, out_dir: Path, formats: tuple[str, ...]) -> list[Path]:
    from sdcluster.plotting.bifurcation import plot_bifurcation

    figure = plot_bifurcation(result)
    written = [_save_figure(figure, out_dir / f"bifurcation.{fmt}", fmt) for fmt in formats]
    tables = {"thresholds": result.thresholds_table(), "branches": result.branches_table(),
              "takeoff": result.takeoff_table()}
    written += [_save_table(table, out_dir / f"bifurcation_{name}.csv", name)
                for name, table in tables.items()]
    written.append(result.save(out_dir / "bifurcation.nc"))
    return written


def _save_figure(figure: Figure, target: Path, fmt: str) -> Path:
    def write(path: Path) -> None:
        figure.savefig(path, dpi=120, format=fmt)  # the temporary file has no suffix

    return write_atomically(target, write, what="the figure")


def _save_table(table: pd.DataFrame, target: Path, name: str) -> Path:
    def write(path: Path) -> None:
        table.to_csv(path, index=False)

    return write_atomically(target, write, what=f"the {name} table")

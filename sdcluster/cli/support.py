"""Helpers shared by the command modules: input files, base scenarios, warnings, tables, CSV."""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from sdcluster.experiments.scenarios import Scenario, load_scenarios
from sdcluster.results.atomic import require_writable_folder, write_atomically

if TYPE_CHECKING:  # pandas is only a type here; the commands import it when they run
    import pandas as pd

    from sdcluster.model.loaded import LoadedModel


def input_files(model: LoadedModel, scenarios: Iterable[Scenario] = ()) -> list[Path]:
    """Return the files a command reads: the model file, its data files and the scenarios' files.

    The outputs of a command are checked against these
    (:func:`sdcluster.results.atomic.refuse_overwriting_inputs`).
    """
    files = [model.path, *model.data_files.paths]
    files += [Path(s.source) for s in scenarios if not s.source.startswith("<")]
    return files


def cell(value: Any) -> str:
    """Format one table cell: floats to 4 significant digits, NaN as ``-``."""
    if isinstance(value, float):
        return "-" if value != value else f"{value:.4g}"  # NaN != NaN
    return str(value)


def text_table(frame: pd.DataFrame) -> str:
    """Format a frame as left-aligned plain-text columns (numbers to 4 digits)."""
    header = [str(c) for c in frame.columns]
    body = [[cell(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *body]
    ]
    return "\n".join(lines)


def base_scenario(model: LoadedModel, name: str | None, directory: Path | None) -> Scenario:
    """Return the scenario ``--scenario NAME`` names; the model as it is without one."""
    if name is None:
        return Scenario(name="baseline", title="model as it is")
    if directory is None and not model.is_builtin:
        raise typer.BadParameter(
            f"{model.path.name} is not the built-in model: give --scenarios-dir for its scenarios"
        )
    (scenario,) = load_scenarios(model, [name], directory=directory)
    return scenario


@contextlib.contextmanager
def reported_warnings() -> Iterator[None]:
    """Show sdcluster's warnings and log messages as ``warning: ...`` lines on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    handler.setLevel(logging.WARNING)
    package_logger = logging.getLogger("sdcluster")
    package_logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        package_logger.removeHandler(handler)
    for message in caught:
        if issubclass(message.category, UserWarning):
            typer.echo(f"warning: {' '.join(str(message.message).split())}", err=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a CSV file atomically."""
    require_writable_folder(path)
    write_atomically(path, lambda temporary: frame.to_csv(temporary, index=False),
                     what="the table")

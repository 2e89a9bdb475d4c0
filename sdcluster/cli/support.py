"""Plain-text tables for the command line, shared by every command module."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is only a type here; the commands import it when they run
    import pandas as pd

    from sdcluster.experiments.scenarios import Scenario
    from sdcluster.model.loaded import LoadedModel


def input_files(model: LoadedModel, scenarios: Iterable[Scenario] = ()) -> list[Path]:
    """Return the files a command reads: the model file and the scenarios' files.

    The outputs of a command are checked against these
    (:func:`sdcluster.results.atomic.refuse_overwriting_inputs`).
    """
    files = [model.path]
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

"""Arguments and options that several commands share, defined once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ModelArgument = Annotated[
    Path | None,
    typer.Argument(help="Vensim (.mdl) or XMILE model file; the built-in model if omitted.",
                   show_default=False, metavar="MODEL"),
]
ScenariosDirOption = Annotated[
    Path | None,
    typer.Option(help="Folder of scenario TOML files (built-in ones for the built-in model).",
                 show_default=False),
]

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
ChecksDirOption = Annotated[
    Path | None,
    typer.Option(help="Folder of reality-check TOML files (built-in ones for the built-in "
                 "model).", show_default=False),
]
SeedOption = Annotated[
    int | None,
    typer.Option(min=0, help="Root seed of the noise streams (0 if omitted); giving it turns "
                 "the noise on unless --no-noise says otherwise.", show_default=False,
                 metavar="N"),
]
NoiseOption = Annotated[
    bool | None,
    typer.Option("--noise/--no-noise", help="Feed the model's white-noise inputs (seeded) or "
                 "run without fluctuations; the command's default is in its description.",
                 show_default=False),
]

def noise_seed(noise: bool | None, seed: int | None, *, default: bool) -> int | None:
    """Return the root seed of the noise, or None to run without noise.

    The same rule for every command: ``--noise``/``--no-noise`` say it; without
    either, giving ``--seed`` turns the noise on, and otherwise the command's
    default applies. The seed is 0 unless given.

    Raises
    ------
    typer.BadParameter
        For ``--no-noise`` with ``--seed`` (a seed of no noise is a mistake).

    """
    if noise is False and seed is not None:
        raise typer.BadParameter("--seed sets the noise streams; leave out --seed or "
                                 "--no-noise", param_hint="--seed")
    on = noise if noise is not None else (seed is not None or default)
    return (0 if seed is None else seed) if on else None

"""The ``explore`` command: write the live policy explorer of a model as one HTML file.

Add it to the main command line with :func:`register` (``sdcluster/cli/main.py``
calls ``register(app)``). Like every command it is a thin skin over the
library (:func:`sdcluster.report.explorer.write_explorer`); user errors, a
construct the explorer cannot compute in the browser among them, become one
line on stderr and exit status 2 through the main app's error handling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sdcluster.cli.options import (
    DataFilesOption,
    ModelArgument,
    ScenariosDirOption,
    data_files,
)
from sdcluster.experiments.scenarios import Scenario, load_scenarios
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.atomic import require_writable_folder

__all__ = ["COMMAND", "explore", "register"]

COMMAND = "explore"
EXAMPLES = """Examples:

  sdcluster explore --out explorer.html

  sdcluster explore my_model.mdl --out my_model.html --scenarios-dir my_scenarios

  sdcluster explore -s baseline -s closed_cluster --out two_presets.html
"""


def register(app: typer.Typer) -> None:
    """Add the ``explore`` command to ``app`` (once; a second call does nothing)."""
    if any(command.name == COMMAND for command in app.registered_commands):
        return
    app.command(name=COMMAND, epilog=EXAMPLES)(explore)


def explore(
    model: ModelArgument = None,
    data_file: DataFilesOption = None,
    out: Annotated[Path, typer.Option(help="HTML page to write.",
                                                  metavar="FILE.html")] = Path("explorer.html"),
    scenario: Annotated[list[str] | None, typer.Option(
        "--scenario", "-s", help="Scenario offered as a preset (repeatable); every scenario "
        "of the folder if omitted.", show_default=False, metavar="NAME")] = None,
    scenarios_dir: ScenariosDirOption = None,
    presets: Annotated[bool, typer.Option(
        "--presets/--no-presets", help="Offer the scenarios as preset buttons.")] = True,
) -> None:
    """Write a self-contained page with a slider per lever and four live charts.

    The model runs in the browser, as JavaScript generated from the model file
    by the batch engine's translation (no server, no network; it matches the
    Python engine to rounding), without fluctuations. The levers are the
    model's policy levers, or its constants with a declared range; the charts
    show firms, knowledge, Order Degree and dS for the built-in model, the
    first four stocks for any other.
    """
    from sdcluster.report.explorer import write_explorer

    require_writable_folder(out)
    loaded = load_model(model, data_files=data_files(data_file))
    chosen = _presets(loaded, scenario or [], scenarios_dir) if presets else ()
    path = write_explorer(loaded, out, chosen)
    typer.echo(f"explorer: {path}")


def _presets(model: LoadedModel, names: list[str],
             directory: Path | None) -> tuple[Scenario, ...]:
    """Return the scenarios to offer: the folder's (all or the named ones), if there is one."""
    if directory is None and not model.is_builtin:
        if names:
            raise typer.BadParameter(f"{model.path.name} is not the built-in model: give "
                                     "--scenarios-dir for its scenarios", param_hint="--scenario")
        return ()
    return load_scenarios(model, names or None, directory=directory)

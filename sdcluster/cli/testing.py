"""Test a command in-process on an app of its own, with the main app's error handling.

``command_app(register)`` returns a fresh :class:`typer.Typer` that reports user
errors in one line with exit status 2 (as ``sdcluster`` does), accepts
``--debug``, and holds only the commands ``register`` adds (registered twice:
a command module must add its command once). Use it with
:class:`typer.testing.CliRunner`; ``sdcluster.cli.main.app`` is left untouched.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from sdcluster.cli.main import _OneLineErrors


def command_app(*registers: Callable[[typer.Typer], None]) -> typer.Typer:
    """Return an app with the main app's error handling and the given commands."""
    app = typer.Typer(cls=_OneLineErrors, add_completion=False,
                      pretty_exceptions_enable=False, rich_markup_mode=None)

    @app.callback()
    def _options(debug: bool = typer.Option(False, "--debug")) -> None:
        """Group the commands (a lone command would become the root)."""
        del debug

    for register in registers:
        register(app)
        register(app)  # registering twice adds the command once
    return app

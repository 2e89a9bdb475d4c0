"""The ``sdcluster`` command: one module per group of commands, the outermost layer.

:mod:`~sdcluster.cli.main` holds the Typer app and the entry point; nothing in
the library imports this package (an import-linter contract).
"""

"""Open a model file in pysimlin, in memory only.

``simlin.Project.open`` keeps the project tied to its file: it autosaves edits back
into the user's model and starts a thread that re-reads the file twice a second.
sdcluster only reads models, so every use goes through :func:`load_project`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_project(path: str | Path) -> Any:
    """Return the pysimlin project of a model file, loaded in memory (never written back).

    Parameters
    ----------
    path : str or Path
        A Vensim ``.mdl`` or XMILE file.

    Returns
    -------
    simlin.Project
        The project holding the file's main model.

    """
    import simlin

    project = simlin.load(Path(path)).project
    if project is None:  # simlin.load always attaches its project; guard the type
        raise RuntimeError(f"{path}: pysimlin returned a model without a project")
    return project

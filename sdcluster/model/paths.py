"""Where the built-in model and its data live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def models_dir() -> Path:
    """Return the folder holding the built-in model, scenarios and checks.

    A wheel carries ``models/`` inside the package as ``_builtin_models``; an
    editable install (a checkout) uses the repository's ``models/`` folder.
    """
    packaged = _PACKAGE_DIR / "_builtin_models"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / "models"


def builtin_model_path() -> Path:
    """Return the path of the built-in innovation-cluster model (Vensim)."""
    return models_dir() / "innovation_cluster.mdl"


def builtin_scenarios_dir() -> Path:
    """Return the folder of the built-in scenario files."""
    return models_dir() / "scenarios"


def builtin_checks_dir() -> Path:
    """Return the folder of the built-in reality-check files."""
    return models_dir() / "checks"

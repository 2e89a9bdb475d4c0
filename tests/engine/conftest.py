"""Fixtures for the batch-engine tests: test models and PySD reference runs."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pysd
import pytest

from tests.engine.engine_support import PysdRun


@pytest.fixture(scope="session")
def pysd_run(tmp_path_factory: pytest.TempPathFactory) -> PysdRun:
    """Return ``run(model_path, params, final_time=None)`` → PySD's DataFrame.

    The model is translated once, on a copy in a temporary folder (PySD writes
    its .py beside the model), and every run loads a fresh PySD model, so no
    parameter leaks from one run into the next.
    """
    translated: dict[Path, str] = {}

    def run(
        model_path: Path, params: Mapping[str, Any], final_time: float | None = None
    ) -> pd.DataFrame:
        with warnings.catch_warnings():
            # PySD warns about extrapolated lookups and replaced constants.
            warnings.simplefilter("ignore")
            if model_path not in translated:
                folder = tmp_path_factory.mktemp("pysd")
                copy = folder / model_path.name
                shutil.copy(model_path, copy)
                for data in model_path.parent.glob(f"{model_path.stem}.*"):
                    if data.suffix in (".csv", ".xlsx", ".tab"):  # GET DIRECT/XLS files
                        shutil.copy(data, folder / data.name)
                read = pysd.read_xmile if model_path.suffix == ".xmile" else pysd.read_vensim
                translated[model_path] = str(read(str(copy)).py_model_file)
            model = pysd.load(translated[model_path])
            return model.run(params=dict(params), final_time=final_time)

    return run

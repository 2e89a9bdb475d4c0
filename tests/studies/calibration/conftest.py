"""Fixtures of the calibration tests: the logistic test model, loaded and as a batch engine."""

from __future__ import annotations

import pytest

from sdcluster.engine.batch import BatchModel
from sdcluster.model.loaded import LoadedModel, load_model
from tests.studies.calibration.cases import LOGISTIC


@pytest.fixture(scope="module")
def batch() -> BatchModel:
    return BatchModel.from_file(LOGISTIC)


@pytest.fixture(scope="module")
def model() -> LoadedModel:
    return load_model(LOGISTIC)

"""Fixtures of the studies tests: the bistable test model and its bifurcation study."""

from __future__ import annotations

import pytest

from sdcluster.engine.batch import BatchModel
from sdcluster.studies.bifurcation import BifurcationResult, BifurcationSpec, run_bifurcation
from tests.studies.studies_support import LAKE


@pytest.fixture(scope="session")
def lake() -> BatchModel:
    return BatchModel.from_file(LAKE)


@pytest.fixture(scope="session")
def lake_result(lake: BatchModel) -> BifurcationResult:
    spec = BifurcationSpec(lever="openness", state="Cluster Size", outputs=("Order Degree",),
                           initial_range=(0.01, 3.0), noise_levels=(0.5, 2.0),
                           takeoff_values=26, members=100, seed=3)
    return run_bifurcation(lake, spec)

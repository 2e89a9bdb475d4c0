"""Fixtures for the model tests: the built-in model loaded once, and isolated runs."""

from __future__ import annotations

import re

import numpy as np
import pytest
import xarray as xr

from sdcluster.engine.batch import BatchModel
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.experiments.scenarios import Scenario, Step
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.model.paths import builtin_model_path
from tests.builtin_model.model_support import RunFn


@pytest.fixture(scope="session")
def cluster_model() -> LoadedModel:
    return load_model()


@pytest.fixture(scope="session")
def run(cluster_model: LoadedModel) -> RunFn:
    """Run the built-in model with overrides; every run is checked against the spec's invariants."""

    def _run(
        final_time: float | None = None,
        *,
        steps: dict[str, Step] | None = None,
        noise_seed: int | None = None,
        **overrides: float,
    ) -> xr.Dataset:
        scenario = Scenario(
            name="test",
            overrides={k.replace("_", " "): v for k, v in overrides.items()},
            steps=steps or {},
            final_time=final_time,
        ).validated(cluster_model)
        ds = run_scenario(cluster_model, scenario, noise_seed=noise_seed)
        assert_invariants(ds)
        return ds

    return _run


def assert_invariants(ds: xr.Dataset) -> None:
    """The spec's invariants for every run and every step."""
    for name in ds.data_vars:
        assert np.all(np.isfinite(ds[name].values)), f"{name} is not finite"
    for j in "RKU":
        assert float(ds[f"diS {j}"].min()) >= 0.0, f"diS {j} < 0"
        assert float(ds[f"Entropy {j}"].min()) >= 0.0, f"Entropy {j} < 0"
        assert float(ds[f"Entropy {j}"].max()) <= 1.0, f"Entropy {j} > 1"
    excess = ds["Knowledge Sharing Firms"] - ds["Innovative Firms"]
    assert float(excess.max()) <= 1e-9, "Knowledge Sharing Firms exceed Innovative Firms"


@pytest.fixture(scope="session")
def batch() -> BatchModel:
    """The built-in model on the batch engine (equal to PySD to 1e-9, tests/engine)."""
    return BatchModel.from_file(builtin_model_path())


@pytest.fixture(scope="session")
def half_step(tmp_path_factory: pytest.TempPathFactory) -> BatchModel:
    """The built-in model with TIME STEP halved (a copy; the file itself is untouched)."""
    text = builtin_model_path().read_text(encoding="utf-8")
    pattern = re.compile(r"(TIME STEP\s*=\s*)([0-9.eE+-]+)")
    match = pattern.search(text)
    assert match is not None
    halved = pattern.sub(lambda m: f"{m.group(1)}{float(m.group(2)) / 2!r}", text, count=1)
    path = tmp_path_factory.mktemp("half_step") / "innovation_cluster.mdl"
    path.write_text(halved, encoding="utf-8")
    return BatchModel.from_file(path)

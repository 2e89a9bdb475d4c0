"""A subscripted model runs through sdcluster's PySD path with its dimensions kept.

Subscripted variables once crashed the PySD runner (KeyError on the variable's
Python name, since PySD flattens them into 'name[a]' columns), so every command on
a subscripted model failed. The expected values are PySD's own flattened output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysd
import pytest
from typer.testing import CliRunner

from sdcluster.cli.main import app
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import load_model
from sdcluster.results.dataset import Results
from sdcluster.studies.ensemble import run_ensemble
from tests import DATA

MODEL = DATA / "core_subscripts.mdl"


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    frame = pysd.read_vensim(str(MODEL)).run()
    return {column: frame[column].to_numpy() for column in frame.columns}


def test_a_scenario_keeps_the_subscript_dimension(reference: dict[str, np.ndarray]) -> None:
    run = run_scenario(load_model(MODEL), Scenario(name="base"))
    assert run["Population"].dims == ("time", "Region")
    assert list(run["Region"].values) == ["north", "south"]
    for region in ("north", "south"):
        np.testing.assert_allclose(run["Population"].sel(Region=region).values,
                                   reference[f"Population[{region}]"], rtol=1e-12)
    np.testing.assert_allclose(run["total"].values, reference["total"], rtol=1e-12)


def test_run_writes_and_reads_back_a_subscripted_results_file(tmp_path: Path) -> None:
    out = tmp_path / "run.nc"
    result = CliRunner().invoke(app, ["run", str(MODEL), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "Population[north]" in result.stdout
    stored = Results.load(out).dataset
    assert stored["Population"].dims == ("scenario", "time", "Region")


def test_an_ensemble_of_a_subscripted_model(reference: dict[str, np.ndarray]) -> None:
    spec = EnsembleSpec(n_members=2, seed=1, noise=False)
    dataset = run_ensemble(MODEL, spec).dataset
    assert dataset["Population"].dims == ("member", "time", "Region")
    np.testing.assert_allclose(dataset["Population"].sel(member=1, Region="south").values,
                               reference["Population[south]"], rtol=1e-12)

"""Models with several white-noise inputs: each input its own stream, in every engine."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from sdcluster.analysis.settings import DEFAULT_SETTINGS
from sdcluster.cli.main import app
from sdcluster.engine.options import RunOptions
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.errors import ReportError
from sdcluster.experiments.designs import ParameterDesign
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.experiments.noise import noise_inputs, white_noise
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import load_model
from sdcluster.results.dataset import Results
from sdcluster.studies.companion.context import RunContext
from sdcluster.studies.companion.sizes import QUICK_SIZES
from sdcluster.studies.ensemble import run_ensemble
from sdcluster.studies.loops import analyze_loops
from sdcluster.studies.progress import Progress
from sdcluster.testing import assert_results_close

INPUTS = ("white noise alpha", "White Noise Beta")
RECORDED = ("Firms", "Level A", "Level B", *INPUTS)
SAVED_EVERY = 4  # SAVEPER 1, TIME STEP 0.25


def _run(model: Path, **fields: object) -> xr.Dataset:
    options = RunOptions(**{k: fields.pop(k) for k in ("engine", "chunk_size") if k in fields})  # type: ignore[arg-type]
    spec = EnsembleSpec(**{"variables": RECORDED, **fields})  # type: ignore[arg-type]
    return run_ensemble(model, spec, options).dataset


def test_the_inputs_are_the_white_noise_constants_sorted_by_name(
    noise2_model: Path, noise_model: Path, linear_model: Path,
) -> None:
    assert noise_inputs(load_model(noise2_model)) == INPUTS  # Beta comes first in the file
    assert noise_inputs(load_model(noise_model)) == ("white noise input",)
    assert noise_inputs(load_model(linear_model)) == ()


def test_input_k_of_member_m_reads_stream_k_of_member_m(noise2_model: Path) -> None:
    dataset = _run(noise2_model, n_members=4, seed=7, chunk_size=3)
    steps = len(load_model(noise2_model).time.step_times())
    for k, name in enumerate(INPUTS):
        expected = white_noise(7, np.arange(4), steps, input_index=k)[:, ::SAVED_EVERY]
        np.testing.assert_array_equal(dataset[name].values, expected)


def test_the_two_inputs_are_independent(noise2_model: Path) -> None:
    model = load_model(noise2_model)
    long_run = Scenario(name="long", final_time=2000.0).validated(model)
    run = run_scenario(model, long_run, noise_seed=3, variables=INPUTS)
    alpha, beta = (run[name].values for name in INPUTS)
    assert alpha.size == 2001
    assert abs(np.corrcoef(alpha, beta)[0, 1]) < 0.11  # 5 standard errors of 0.022
    assert not np.array_equal(alpha, beta)


def test_members_do_not_depend_on_the_chunk_size(noise2_model: Path) -> None:
    whole = _run(noise2_model, n_members=7, seed=4, chunk_size=7)
    for chunk_size in (1, 3):
        assert_results_close(_run(noise2_model, n_members=7, seed=4, chunk_size=chunk_size),
                             whole, rtol=0, atol=0)
    assert_results_close(_run(noise2_model, n_members=3, seed=4),
                         whole.isel(member=slice(0, 3)), rtol=0, atol=0)


def test_batch_and_pysd_give_the_same_members(noise2_model: Path) -> None:
    batch = _run(noise2_model, n_members=4, seed=2, chunk_size=3, engine="batch")
    pysd = _run(noise2_model, n_members=4, seed=2, chunk_size=3, engine="pysd")
    assert_results_close(batch, pysd, rtol=1e-9)
    assert float(batch["Level B"].std()) > 0.01  # both inputs really acted
    assert float(batch["Level A"].std()) > 0.01


def test_replicates_share_both_inputs_across_samples(noise2_model: Path) -> None:
    design = ParameterDesign.from_columns({"growth rate": [0.1, 0.2]})
    options = {"replicates": 2, "seed": 5, "variables": RECORDED}
    for engine in ("batch", "pysd"):
        dataset = run_ensemble(noise2_model, EnsembleSpec.for_design(design, **options),  # type: ignore[arg-type]
                               RunOptions(engine=engine)).dataset  # type: ignore[arg-type]
        for name in INPUTS:  # member m is replicate m % 2 of sample m // 2
            values = dataset[name].values
            np.testing.assert_array_equal(values[0], values[2])
            np.testing.assert_array_equal(values[1], values[3])
            assert not np.array_equal(values[0], values[1])


def test_the_metadata_records_the_inputs_and_how_their_streams_are_drawn(
    noise2_model: Path,
) -> None:
    info = run_ensemble(noise2_model, EnsembleSpec(n_members=1)).metadata["ensemble"]
    assert info["noise_inputs"] == list(INPUTS)
    assert "spawn_key=(s, k)" in info["noise_streams"]
    quiet = run_ensemble(noise2_model, EnsembleSpec(n_members=1, noise=False))
    assert quiet.metadata["ensemble"]["noise_inputs"] == []


def test_without_noise_both_inputs_stay_zero(noise2_model: Path) -> None:
    dataset = _run(noise2_model, n_members=2, seed=1, noise=False)
    for name in INPUTS:
        assert float(np.abs(dataset[name]).max()) == 0.0


def test_sdcluster_run_with_a_seed_is_member_0_of_the_ensemble(noise2_model: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "run.nc"
    result = CliRunner().invoke(app, ["run", str(noise2_model), "--seed", "6", "--out", str(out)])
    assert result.exit_code == 0, result.stdout
    run = Results.load(out).dataset.sel(scenario="baseline")
    member = _run(noise2_model, n_members=2, seed=6).isel(member=0)
    for name in RECORDED:
        np.testing.assert_allclose(member[name].values, run[name].values, rtol=1e-9)


def test_loop_analysis_feeds_every_input_as_pysd_does(noise2_model: Path) -> None:
    model = load_model(noise2_model)
    loops = analyze_loops(model, noise_seed=9)
    reference = run_scenario(model, Scenario(name="baseline"), noise_seed=9, variables=RECORDED)
    for name in RECORDED:
        np.testing.assert_allclose(loops.results[name].values, reference[name].values,
                                   rtol=1e-9, atol=1e-12)


def test_a_model_without_noise_inputs_says_what_is_expected(
    linear_model: Path, noise2_model: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="sdcluster"):
        run_ensemble(linear_model, EnsembleSpec(n_members=1))
    assert any("a constant whose name starts with 'white noise'" in r.getMessage()
               for r in caplog.records)
    expected = "needs a white noise input (a constant whose name starts with 'white noise')"
    with pytest.raises(ReportError, match=re.escape(expected)):
        _report_context(linear_model).require_noise_inputs("the fluctuation ensemble")
    assert _report_context(noise2_model).require_noise_inputs("the ensemble") == INPUTS


def _report_context(path: Path) -> RunContext:
    base = Scenario(name="baseline")
    return RunContext(model=load_model(path), sizes=QUICK_SIZES, seed=0, scenarios=(base,),
                      base=base, settings=DEFAULT_SETTINGS, progress=Progress(enabled=False))

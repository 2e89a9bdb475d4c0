"""Ensemble members: seeded, independent of chunking, the same under both engines."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from sdcluster.engine.options import RunOptions
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.errors import (
    SpecError,
    UnknownVariableError,
    UnsupportedConstructError,
)
from sdcluster.experiments.designs import DESIGN, NOISE_STREAM, ParameterDesign
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.experiments.noise import white_noise
from sdcluster.experiments.scenarios import Scenario, Step
from sdcluster.model.loaded import load_model
from sdcluster.model.paths import builtin_model_path
from sdcluster.studies.ensemble import ensemble_key, run_ensemble
from sdcluster.testing import assert_results_close

RECORDED = ("Firms", "Noise Level", "white noise input", "growth rate")
STEPPED = Scenario(name="stepped", overrides={"openness": 0.3},
                   steps={"growth rate": Step(at=5.0, to=0.6)})


def _options(fields: dict[str, object]) -> RunOptions:
    """Take the run options (engine, chunk_size) out of ``fields``; the rest is the spec."""
    return RunOptions(**{k: fields.pop(k) for k in ("engine", "chunk_size") if k in fields})  # type: ignore[arg-type]


def _run(model: Path, **fields: object) -> xr.Dataset:
    options = _options(fields)
    spec = EnsembleSpec(**{"variables": RECORDED, **fields})  # type: ignore[arg-type]
    return run_ensemble(model, spec, options).dataset


def test_members_do_not_depend_on_the_chunk_size(noise_model: Path) -> None:
    whole = _run(noise_model, n_members=9, seed=4, chunk_size=9)
    for chunk_size in (1, 2, 4):
        assert_results_close(_run(noise_model, n_members=9, seed=4, chunk_size=chunk_size),
                             whole, rtol=0, atol=0)


def test_a_member_depends_only_on_its_id_and_the_seed(noise_model: Path) -> None:
    small = _run(noise_model, n_members=3, seed=4)
    large = _run(noise_model, n_members=8, seed=4)
    assert_results_close(small, large.isel(member=slice(0, 3)), rtol=0, atol=0)
    other_seed = _run(noise_model, n_members=3, seed=5)
    assert not np.allclose(other_seed["Firms"], small["Firms"])
    members = large["Firms"].values
    assert len({tuple(row) for row in members.round(9)}) == 8  # every member differs


def test_each_member_reads_its_own_white_noise_stream(noise_model: Path) -> None:
    dataset = _run(noise_model, n_members=4, seed=7)
    model = load_model(noise_model)
    steps = len(model.time.step_times())
    expected = white_noise(7, np.arange(4), steps)[:, ::4]  # saved every 4th step
    np.testing.assert_array_equal(dataset["white noise input"].values, expected)
    np.testing.assert_array_equal(dataset[NOISE_STREAM].values, np.arange(4))


@pytest.mark.parametrize("scenario", [Scenario(name="plain"), STEPPED])
def test_batch_and_pysd_give_the_same_members(noise_model: Path, scenario: Scenario) -> None:
    options = {"n_members": 4, "seed": 11, "scenario": scenario, "chunk_size": 3}
    batch = _run(noise_model, engine="batch", **options)
    pysd = _run(noise_model, engine="pysd", **options)
    assert_results_close(batch, pysd, rtol=1e-9)
    assert not np.allclose(batch["Firms"].values[0], batch["Firms"].values[1])


def test_batch_and_pysd_agree_on_a_design_with_a_stepped_parameter(noise_model: Path) -> None:
    design = ParameterDesign.from_columns({"growth rate": [0.1, 0.4], "capacity": [150, 300]})
    options = {"seed": 2, "scenario": STEPPED, "variables": ("Firms", "growth rate")}
    spec = EnsembleSpec.for_design(design, replicates=2, **options)
    batch = run_ensemble(noise_model, spec, RunOptions(engine="batch")).dataset
    pysd = run_ensemble(noise_model, spec, RunOptions(engine="pysd")).dataset
    assert_results_close(batch, pysd, rtol=1e-9)
    rate = batch["growth rate"].to_series()
    # The design value holds before the step, the step's value after it.
    assert rate[(0, 4.0)] == 0.1 and rate[(2, 4.0)] == 0.4 and rate[(2, 5.0)] == 0.6


def test_batch_and_pysd_agree_on_the_builtin_model() -> None:
    spec = EnsembleSpec(n_members=2, seed=5,
                        variables=("Innovative Firms", "Order Degree", "dS total",
                                   "Spinoff Fluctuation", "Entry Fluctuation",
                                   "Knowledge Fluctuation"))
    model = load_model(builtin_model_path())
    batch = run_ensemble(model, spec, RunOptions(engine="batch")).dataset
    pysd = run_ensemble(model, spec, RunOptions(engine="pysd")).dataset
    assert_results_close(batch, pysd, rtol=1e-9)


def test_a_scenario_run_with_seed_s_is_member_0_of_the_ensemble_with_seed_s(
    noise_model: Path,
) -> None:
    model = load_model(noise_model)
    run = run_scenario(model, Scenario(name="baseline"), noise_seed=6, variables=RECORDED)
    member = _run(noise_model, n_members=2, seed=6).isel(member=0)
    for name in RECORDED:
        np.testing.assert_allclose(member[name].values, run[name].values, rtol=1e-9)


def test_a_model_the_batch_engine_cannot_run_falls_back_to_pysd(
    fallback_model: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="sdcluster"):
        results = run_ensemble(fallback_model, EnsembleSpec(n_members=3, seed=1,
                                                            variables=("Firms",)))
    assert results.metadata["ensemble"]["engine"] == "pysd"
    assert any("SAMPLE IF TRUE" in r.getMessage() and "PySD" in r.getMessage()
               for r in caplog.records)
    forced = run_ensemble(fallback_model,
                          EnsembleSpec(n_members=3, seed=1, variables=("Firms",)),
                          RunOptions(engine="pysd", chunk_size=2))
    assert_results_close(results.dataset, forced.dataset, rtol=0, atol=0)
    with pytest.raises(UnsupportedConstructError, match="SAMPLE IF TRUE of the INTEG"):
        run_ensemble(fallback_model, EnsembleSpec(n_members=1), RunOptions(engine="batch"))


def test_without_noise_every_member_is_the_deterministic_run(noise_model: Path) -> None:
    dataset = _run(noise_model, n_members=3, seed=1, noise=False)
    firms = dataset["Firms"].values
    np.testing.assert_array_equal(firms[0], firms[2])
    assert NOISE_STREAM not in dataset.coords
    assert float(np.abs(dataset["white noise input"]).max()) == 0.0


def test_replicates_share_noise_streams_across_samples(noise_model: Path) -> None:
    # Samples 0 and 2 are the same parameters: common random numbers make them identical.
    design = ParameterDesign.from_columns({"openness": [0.2, 0.9, 0.2]})
    dataset = run_ensemble(noise_model, EnsembleSpec.for_design(design, replicates=2, seed=3,
                                                                variables=("Firms",))).dataset
    assert dataset.sizes["member"] == 6
    np.testing.assert_array_equal(dataset[NOISE_STREAM].values, [0, 1, 0, 1, 0, 1])
    np.testing.assert_array_equal(dataset["sample"].values, [0, 0, 1, 1, 2, 2])
    firms = dataset["Firms"].values
    np.testing.assert_array_equal(firms[0], firms[4])
    np.testing.assert_array_equal(firms[1], firms[5])
    assert not np.allclose(firms[0], firms[1])
    openness = dataset[DESIGN].sel(parameter="openness").values
    np.testing.assert_array_equal(openness, [0.2, 0.2, 0.9, 0.9, 0.2, 0.2])


def test_the_default_records_the_stocks_of_a_model_without_phase_variables(
    noise_model: Path,
) -> None:
    dataset = run_ensemble(noise_model, EnsembleSpec(n_members=1)).dataset
    assert sorted(dataset.data_vars) == ["Firms", "Noise Level"]
    assert dataset["Firms"].attrs["units"] == "firm"


def test_a_model_without_a_noise_input_is_refused_unless_a_design_varies_it(
    tmp_path: Path, noise_model: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    text = noise_model.read_text().replace("white noise input", "external signal")
    quiet = tmp_path / "quiet.mdl"
    quiet.write_text(text)
    # Identical members: refused before anything runs.
    with pytest.raises(SpecError, match=r"no white noise input.*would all be the same run"):
        run_ensemble(quiet, EnsembleSpec(n_members=2, variables=("Firms",)))
    assert not run_ensemble(quiet, EnsembleSpec(n_members=2, noise=False, variables=("Firms",))
                            ).dataset["Firms"].isnull().any()
    # With a design the members differ by their parameters: a warning only.
    design = ParameterDesign.from_columns({"external signal": [0.0, 0.5]})
    with caplog.at_level(logging.WARNING, logger="sdcluster"):
        run_ensemble(quiet, EnsembleSpec.for_design(design, variables=("Firms",)))
    assert any("white noise input" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"n_members": 0}, SpecError, "n_members must be at least 1"),
        ({"n_members": 2, "seed": -1}, SpecError, "seed must be"),
        ({"n_members": 2, "engine": "fast"}, SpecError, "engine must be one of"),
        ({"n_members": 2, "replicates": 2}, SpecError, "replicates apply to a parameter"),
        ({"n_members": 2, "variables": ("Firmz",)}, UnknownVariableError, "closest: 'Firms'"),
        ({"n_members": 2, "variables": ("attractiveness",)}, SpecError, "lookup table"),
    ],
)
def test_bad_specs_are_refused(noise_model: Path, options: dict[str, object],
                               error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        fields = dict(options)
        run_options = _options(fields)
        run_ensemble(noise_model, EnsembleSpec(**fields), run_options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("columns", "error", "message"),
    [
        ({"opennes": [0.5]}, UnknownVariableError, "closest: 'openness'"),
        ({"openness": [0.5, 1.5]}, SpecError, r"'openness' = 1\.5 \(sample 1.*\[0, 1\]"),
        ({"crowding": [0.5]}, SpecError, "'crowding' is an auxiliary; only constants"),
    ],
)
def test_bad_designs_are_refused(noise_model: Path, columns: dict[str, list[float]],
                                 error: type[Exception], message: str) -> None:
    design = ParameterDesign.from_columns(columns)
    with pytest.raises(error, match=message):
        run_ensemble(noise_model, EnsembleSpec.for_design(design))


def test_numpy_integer_counts_are_plain_ints(noise_model: Path) -> None:
    spec = EnsembleSpec(n_members=np.int64(3), seed=np.int64(2),  # type: ignore[arg-type]
                        variables=("Firms",))
    options = RunOptions(chunk_size=np.int64(2))  # type: ignore[arg-type]
    plain = EnsembleSpec(n_members=3, seed=2, variables=("Firms",))
    plain_options = RunOptions(chunk_size=2)
    assert type(spec.n_members) is int and type(options.chunk_size) is int
    assert (ensemble_key(spec, options, "sha", "batch")
            == ensemble_key(plain, plain_options, "sha", "batch"))
    assert_results_close(run_ensemble(noise_model, spec, options).dataset,
                         run_ensemble(noise_model, plain, plain_options).dataset,
                         rtol=0, atol=0)


def test_design_shapes_are_checked() -> None:
    with pytest.raises(SpecError, match="shape"):
        ParameterDesign(names=("a", "b"), values=np.zeros((3, 1)))
    with pytest.raises(SpecError, match="not finite"):
        ParameterDesign(names=("a",), values=np.array([[np.nan]]))
    with pytest.raises(SpecError, match="equally long"):
        ParameterDesign.from_columns({"a": [1, 2], "b": [1]})
    design = ParameterDesign.from_columns({"a": [1, 2]})
    with pytest.raises(SpecError, match="does not match the design"):
        EnsembleSpec(n_members=3, design=design)
    with pytest.raises(ValueError, match="read-only"):
        design.values[0, 0] = 5.0

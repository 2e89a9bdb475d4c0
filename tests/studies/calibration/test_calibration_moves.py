"""Calibration of a two-mode posterior: differential evolution, stretch moves, tempering."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sdcluster.engine.batch import BatchModel
from sdcluster.experiments.calibration import (
    CalibrationError,
    CalibrationSpec,
    SeriesMap,
)
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.studies.calibration import CalibrationResult, run_calibration
from tests import DATA
from tests.studies.calibration.cases import TRUTH, YEARS, simulate, spec_for

TWO_MODES = DATA / "calibration_two_modes.mdl"


def _mode_switches(moves: str, temperatures: int = 1) -> tuple[float, float, CalibrationResult]:
    """Calibrate 'mix' (true 0.8; 0.2 fits as well): walkers visiting both modes, mass above 1/2."""
    batch, model = BatchModel.from_file(TWO_MODES), load_model(TWO_MODES)
    times = np.arange(11.0)
    run = batch.run_arrays({}, 1, return_variables=["Level"], final_time=10.0)
    clean = np.interp(times, batch.schedule(10.0).labels, run["Level"][0])
    noise = np.exp(0.02 * np.random.default_rng(3).standard_normal(times.size))
    observations = pd.DataFrame({"year": times, "level": clean * noise})
    spec = CalibrationSpec(observations=observations, mappings=(SeriesMap("Level", "level"),),
                           parameters={"mix": None}, time_column="year", walkers=16,
                           steps=1500, seed=2, moves=moves,  # type: ignore[arg-type]
                           temperatures=temperatures)
    result = run_calibration(model, spec)
    mix = result.posterior()[:, :, result.names.index("mix")]  # (kept steps, walkers)
    high = mix > 0.5
    both = float(np.mean(high.any(axis=0) & (~high).any(axis=0)))
    return both, float(high.mean()), result


def test_differential_evolution_moves_cross_between_modes() -> None:
    # The stretch move keeps each walker in the mode it started in; differential evolution
    # with mode hopping (ter Braak 2006) moves walkers between them, so both modes carry
    # their share of the posterior (one half each: the likelihood is symmetric).
    both, mass, _ = _mode_switches("de")
    assert both >= 0.5, both
    assert 0.3 <= mass <= 0.7, mass


def test_unknown_moves_are_refused(model: LoadedModel) -> None:
    observations = pd.DataFrame({"year": YEARS, "population": np.ones(YEARS.size)})
    with pytest.raises(CalibrationError, match="moves 'gibbs'; expected one of stretch, de"):
        spec_for(observations, moves="gibbs").validated(model)


def test_stretch_moves_alone_leave_each_walker_in_its_mode() -> None:
    # The contrast the two tests around it need: without help no walker crosses.
    both, _, result = _mode_switches("stretch")
    assert both < 0.1, both
    assert result.rhat.max() > 1.1


def test_parallel_tempering_carries_stretch_walkers_between_modes() -> None:
    # Hot ensembles sample likelihood ** (1 / T), under which the barrier at mix = 1/2
    # is low; swaps carry their positions down to T = 1 (Earl & Deem 2005).
    both, mass, result = _mode_switches("stretch", temperatures=4)
    assert both >= 0.5, both
    assert 0.3 <= mass <= 0.7, mass
    assert result.rhat.max() <= 1.1, result.rhat
    assert result.metadata["temperatures"] == 4
    rates = [float(r) for r in result.metadata["swap_acceptance"].split()]
    assert len(rates) == 3 and all(0 < r < 1 for r in rates), rates
    assert "parallel tempering: 4 temperatures up to 1000" in result.summary()


def test_tempered_runs_are_bit_identical_for_one_seed(batch: BatchModel,
                                                       model: LoadedModel) -> None:
    observations = simulate(batch, TRUTH, sigma=0.1, seed=3)
    spec = spec_for(observations, steps=60, seed=5, temperatures=3)
    first, second = run_calibration(model, spec), run_calibration(model, spec)
    assert np.array_equal(first.chain, second.chain)
    assert first.metadata["swap_acceptance"] == second.metadata["swap_acceptance"]
    untempered = run_calibration(model, spec_for(observations, steps=60, seed=5))
    assert not np.array_equal(first.chain, untempered.chain)


@pytest.mark.parametrize(("changes", "message"), [
    ({"temperatures": 0}, r"temperatures must be at least 1, got 0 \(1: no tempering\)"),
    ({"temperatures": 2.5}, r"temperatures must be an integer, got 2.5"),
    ({"temperatures": True}, r"temperatures must be an integer, got True"),
    ({"temperatures": 3, "max_temperature": 1.0}, r"max_temperature = 1.0; expected a finite"),
    ({"temperatures": 3, "max_temperature": math.inf}, r"max_temperature = inf; expected"),
])
def test_bad_tempering_settings_are_refused(model: LoadedModel, changes: dict[str, object],
                                            message: str) -> None:
    observations = pd.DataFrame({"year": YEARS, "population": np.ones(YEARS.size)})
    with pytest.raises(CalibrationError, match=message):
        spec_for(observations, **changes).validated(model)


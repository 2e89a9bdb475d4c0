"""One step rule for every engine (sdcluster.experiments.inputs), run by each engine.

The rule alone is tested in tests/experiments/test_inputs.py.

On a grid of TIME STEP 0.3, the grid time 3 x 0.3 is 0.8999999999999999 in binary;
a step at 0.9 must take effect there in PySD, in the batch engine and in the
pysimlin run of the loop analysis alike (it once did not in the last one).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sdcluster.engine.options import RunOptions
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.experiments.scenarios import Scenario, Step
from sdcluster.model.loaded import load_model
from sdcluster.studies.ensemble import run_ensemble
from sdcluster.studies.loops import analyze_loops

MODEL = Path(__file__).resolve().parents[1] / "data" / "step_grid.mdl"
STEPPED = Scenario(name="stepped", steps={"growth rate": Step(at=0.9, to=1.0)})


def _by_hand() -> np.ndarray:
    """Euler by hand: growth 0.1 at the grid times 0, 0.3, 0.6; 1.0 from the fourth on."""
    level, levels = 10.0, [10.0]
    for k in range(10):
        rate = 0.1 if k < 3 else 1.0
        level += 0.3 * level * rate
        levels.append(level)
    return np.array(levels)


def test_pysd_batch_and_loop_analysis_run_the_same_step() -> None:
    model = load_model(MODEL)
    expected = _by_hand()
    pysd = run_scenario(model, STEPPED)["Stock"].values
    # PySD interpolates its input series; 0.8999999999999999 lies 1e-16 before the jump's
    # end, so it reads 1 - 4e-10 there instead of 1: relative 1e-10 on the stock.
    np.testing.assert_allclose(pysd, expected, rtol=1e-9)
    spec = EnsembleSpec(n_members=1, seed=0, scenario=STEPPED, noise=False)
    batch = run_ensemble(model, spec, RunOptions(engine="batch")).dataset["Stock"].values.ravel()
    np.testing.assert_allclose(batch, expected, rtol=1e-12)
    loops = analyze_loops(model, STEPPED).results["Stock"].values
    np.testing.assert_allclose(loops, expected, rtol=1e-9)

"""Benchmark: the speed target of issue 14, a calibration of the built-in model.

Five policy levers are estimated (uniform priors over their declared ranges,
plus the log-normal sigma, six free quantities) from 17 yearly values of
``knowledge creation`` over a 16-year window (model times 0..16), simulated
from known lever values with 5 % log-normal noise. emcee runs 64 walkers x
2,000 steps (128,000 member-runs, each step's half-ensembles one batch-engine
run of 32 members). Prints the median sampling time over ``--repeats`` runs,
and whether the issue's target (<= 60 s on this 2-core machine) is met.

Usage::

    .venv/bin/python bench/bench_calibration.py [--walkers 64] [--steps 2000] [--repeats 1]

Measured on the 2-core machine (2026-12-03, shared with other jobs),
``--repeats 3``: median 7.1 s (sampling 6.0 s, 1.5 ms per batch call of 32
members), target met. The
batch engine's default backend compiles the run with Numba; with the NumPy
backend (``BatchModel(..., backend="numpy")``) the same calibration took 217 s:
a NumPy call costs about 50 ms whatever the members (1: 67 ms, 32: 51 ms, 128:
54 ms, 512: 74 ms over the 512 Euler steps), the overhead of a few hundred
NumPy calls per step, and emcee's stretch move makes two calls per step.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from sdcluster.engine.batch import BatchModel
from sdcluster.experiments.calibration import CalibrationSpec, SeriesMap
from sdcluster.model.loaded import load_model
from sdcluster.model.paths import builtin_model_path
from sdcluster.studies.calibration import run_calibration

TARGET_SECONDS = 60.0
WINDOW = 16.0
VARIABLE = "knowledge creation"
#: The levers estimated and the values the data are simulated from.
TRUTH = {
    "openness": 0.6,
    "internal cooperation": 0.4,
    "government support": 0.5,
    "university cooperation": 0.35,
    "technology introduction": 0.45,
}
SIGMA = 0.05
SEED = 20261203


def observations(batch: BatchModel) -> pd.DataFrame:
    run = batch.run_arrays({k: np.array([v]) for k, v in TRUTH.items()}, 1,
                           return_variables=[VARIABLE], final_time=WINDOW)
    labels = batch.schedule(WINDOW).labels
    years = np.arange(0.0, WINDOW + 1)
    clean = np.interp(years, labels, run[VARIABLE][0])
    noise = np.exp(SIGMA * np.random.default_rng(SEED).standard_normal(years.size))
    return pd.DataFrame({"year": years, "knowledge": clean * noise})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walkers", type=int, default=64)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    path = builtin_model_path()
    model = load_model(path)
    batch = BatchModel.from_model(model)
    data = observations(batch)
    spec = CalibrationSpec(observations=data, time_column="year",
                           mappings=(SeriesMap(VARIABLE, "knowledge"),),
                           parameters=dict.fromkeys(TRUTH), walkers=args.walkers,
                           steps=args.steps, seed=1, source="<simulated>")
    schedule = batch.schedule(WINDOW)
    runs = args.walkers * args.steps
    print(f"model: {path.name}; window 0-{WINDOW:g} ({len(schedule.times) - 1} Euler steps of "
          f"{schedule.time_step:g}); {len(TRUTH)} levers + sigma; {args.walkers} walkers x "
          f"{args.steps} steps = {runs:,} member-runs")
    seconds = []
    result = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = run_calibration(model, spec)
        seconds.append(time.perf_counter() - start)
    assert result is not None
    median = statistics.median(seconds)
    calls = 1 + 2 * args.steps + 1  # candidates, two half-ensembles per step, the regroup
    print(f"calibration: median {median:.1f} s over {args.repeats} run(s) "
          f"(sampling {result.seconds:.1f} s; {1e3 * result.seconds / calls:.1f} ms per "
          f"batch call of {args.walkers // 2} members; {1e6 * median / runs:.0f} us per "
          "member-run)")
    print(result.summary())
    table = result.table.set_index("name")
    for name, truth in TRUTH.items():
        row = table.loc[name]
        print(f"  {name}: truth {truth:g}, median {row['median']:.3g} "
              f"[{row['q05']:.3g}, {row['q95']:.3g}]")
    verdict = "met" if median <= TARGET_SECONDS else "NOT met"
    print(f"target <= {TARGET_SECONDS:g} s for {args.walkers} x {args.steps}: {verdict} "
          f"(measured {median:.1f} s)")


if __name__ == "__main__":
    main()

"""Benchmark: the bifurcation study on the batch engine (200 lever values x 20 initial states).

Measures, in one invocation, the median wall time of

(a) the deterministic sweep alone: 4,000 members to the horizon in one batch call;
(b) the study without noise: the sweep plus the unstable branch (k-section rounds);
(c) the whole study with the take-off probability (three noise levels,
    ``--takeoff-values`` lever values x ``--members`` members each), ``--full-repeats`` times.

The model is translated and compiled once before timing. Uses
models/innovation_cluster.mdl (lever ``openness``, state ``Mature Firms``),
or the bistable test model when the built-in one is not there or ``--test-model``
is given.

Usage::

    .venv/bin/python bench/bench_bifurcation.py [--repeats 3] [--full-repeats 1] [--test-model]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sdcluster.engine.batch import BatchModel
from sdcluster.model.loaded import load_model
from sdcluster.studies import bifurcation as study

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = ROOT / "models" / "innovation_cluster.mdl"
TEST_MODEL = ROOT / "tests" / "data" / "bifurcation_lake.mdl"


def median_time(action: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--full-repeats", type=int, default=1)
    parser.add_argument("--takeoff-values", type=int, default=50)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--test-model", action="store_true")
    args = parser.parse_args()
    builtin = BUILTIN.is_file() and not args.test_model
    path = BUILTIN if builtin else TEST_MODEL
    state = "Mature Firms" if builtin else "Cluster Size"
    model = BatchModel.from_model(load_model(path))
    outputs = ("Order Degree",) if "Order Degree" in model.variables else ()
    full = study.BifurcationSpec(lever="openness", state=state, outputs=outputs, seed=1,
                                 takeoff_values=args.takeoff_values, members=args.members)
    quiet = dataclasses.replace(full, noise_levels=())
    setup = study._setup(model, quiet)
    study._sweep(setup)  # compile the step code before timing
    schedule = model.schedule(full.horizon)
    print(f"model {path.name}: {state} against openness, {full.values} x "
          f"{full.initial_states} initial states, horizon {full.horizon:g} "
          f"({len(schedule.times) - 1} steps of {schedule.time_step:g})")
    sweep, _ = median_time(lambda: study._sweep(setup), args.repeats)
    n_sweep = full.values * setup.initials.size
    print(f"(a) sweep, {n_sweep:,} members in one batch call: median {sweep:.2f} s "
          f"over {args.repeats}")
    no_noise, result = median_time(lambda: study.run_bifurcation(model, quiet), args.repeats)
    print(f"(b) sweep + unstable branch ({quiet.bisection_rounds} rounds of "
          f"{quiet.bisection_points} points): median {no_noise:.2f} s over {args.repeats}")
    members = len(full.noise_levels) * args.takeoff_values * args.members
    whole, result = median_time(lambda: study.run_bifurcation(model, full), args.full_repeats)
    print(f"(c) whole study incl. take-off ({members:,} noisy members): median {whole:.2f} s "
          f"over {args.full_repeats}")
    print(f"formation {result.formation:.4g}, persistence {result.persistence:.4g}, "
          f"hysteresis {result.hysteresis:.4g}")


if __name__ == "__main__":
    main()

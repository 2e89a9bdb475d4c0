"""Profile one batch-engine call of the calibration's shape: where its time goes.

Runs ``BatchModel.run_arrays`` for ``--members`` members (default 32, a
half-ensemble of the calibration's 64 walkers) over a ``--window``-year run
(default 16) returning one variable, as ``bench/bench_calibration.py`` does,
and prints the median wall time of a call, then the time of its parts (setup
per call, the step functions, the Euler bookkeeping, saving) and cProfile's
top entries.

Usage::

    .venv/bin/python bench/profile_batch_call.py [--members 32] [--window 16] [--calls 200]
        [--backend numpy]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from typing import Any

import numpy as np

from sdcluster.engine.batch import BatchModel
from sdcluster.model.loaded import load_model
from sdcluster.model.paths import builtin_model_path

LEVERS = ("openness", "internal cooperation", "government support",
          "university cooperation", "technology introduction")
VARIABLE = "knowledge creation"


def call(batch: BatchModel, members: int, window: float, backend: str) -> Any:
    rng = np.random.default_rng(1)
    params = {name: rng.uniform(0.2, 0.8, members) for name in LEVERS}
    kwargs: dict[str, Any] = {} if backend == "default" else {"backend": backend}
    return batch.run_arrays(params, members, return_variables=[VARIABLE],
                            final_time=window, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=32)
    parser.add_argument("--window", type=float, default=16.0)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--backend", default="default")
    args = parser.parse_args()
    batch = BatchModel.from_model(load_model(builtin_model_path()))
    start = time.perf_counter()
    call(batch, args.members, args.window, args.backend)  # compiles
    print(f"first call (compiles): {time.perf_counter() - start:.3f} s")
    seconds = []
    for _ in range(args.calls):
        start = time.perf_counter()
        call(batch, args.members, args.window, args.backend)
        seconds.append(time.perf_counter() - start)
    steps = len(batch.schedule(args.window).times) - 1
    median = statistics.median(seconds)
    print(f"{args.members} members x {steps} steps, backend {args.backend}: median "
          f"{1e3 * median:.2f} ms per call over {args.calls} calls "
          f"({1e6 * median / steps:.1f} us per step)")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(20):
        call(batch, args.members, args.window, args.backend)
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()

"""Benchmark: one deterministic baseline run of the built-in model through PySD's run().

Target (issue 2): median of 5 runs, after loading, at most 0.3 s on a 2-core machine.
Run with ``make bench`` or ``.venv/bin/python bench/bench_model.py``.
"""

from __future__ import annotations

import statistics
import time

from sdcluster.model.loaded import load_model

TARGET_SECONDS = 0.3
REPEATS = 5


def main() -> int:
    model = load_model()
    pysd_model = model.pysd_model
    clock = model.time
    pysd_model.run(progress=False)  # warm-up: first-call costs are not what we measure
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        pysd_model.run(
            final_time=clock.final_time,
            time_step=clock.time_step,
            saveper=clock.saveper,
            initial_condition="original",
            progress=False,
        )
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    steps = round((clock.final_time - clock.initial_time) / clock.time_step)
    verdict = "met" if median <= TARGET_SECONDS else "NOT met"
    print(
        f"PySD run() of the baseline ({len(model.variables)} variables, {steps} steps): "
        f"median {median:.3f} s of {REPEATS} (min {min(seconds):.3f}, max {max(seconds):.3f}); "
        f"target <= {TARGET_SECONDS} s {verdict}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: the batch engine's NumPy and Numba backends side by side.

Two shapes of run of the built-in model, for each ``--members`` count:

calibration
    five policy levers per member, one variable returned (``knowledge
    creation``), a 16-year window (512 Euler steps): the shape of
    ``bench/bench_calibration.py``'s calls;
monte carlo
    every policy lever per member, the three white-noise inputs per member,
    the model's full horizon, the stocks returned.

The backends are timed in turns (numpy, numba, numpy, ...) so that a change
in the shared machine's load weighs on both alike; Numba's compilation (or
its loading from the cache) happens before the timings and is printed
separately. Prints the median wall time of a ``run_arrays`` call.

Usage::

    .venv/bin/python bench/bench_backends.py [--members 1 32 1000 10000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from sdcluster.engine.batch import BatchModel
from sdcluster.experiments.noise import is_noise_input_name, white_noise_inputs
from sdcluster.model.loaded import load_model
from sdcluster.model.paths import builtin_model_path
from sdcluster.names import normalize_name

CALIBRATION_LEVERS = ("openness", "internal cooperation", "government support",
                      "university cooperation", "technology introduction")
SEED = 20261203


def calibration_call(model: BatchModel, n: int) -> Callable[[str], Any]:
    rng = np.random.default_rng(SEED)
    params = {name: rng.uniform(0.2, 0.8, n) for name in CALIBRATION_LEVERS}

    def run(backend: str) -> Any:
        return model.run_arrays(params, n, return_variables=["knowledge creation"],
                                final_time=16.0, backend=backend)  # type: ignore[arg-type]

    return run


def monte_carlo_call(model: BatchModel, n: int) -> Callable[[str], Any]:
    rng = np.random.default_rng(SEED)
    levers = [name for name in model.parameters
              if model.info(name).documentation.startswith("Policy lever.")]
    params = {name: rng.uniform(0.0, 1.0, n) for name in levers}
    noise = sorted((name for name in model.parameters if is_noise_input_name(name)),
                   key=normalize_name)
    inputs = white_noise_inputs(SEED, np.arange(n), len(model.schedule().times), noise)
    stocks = [name for name in model.variables if model.info(name).kind == "stock"]

    def run(backend: str) -> Any:
        return model.run_arrays(params, n, inputs=inputs, return_variables=stocks,
                                backend=backend)  # type: ignore[arg-type]

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[1, 32, 1000, 10000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    model = BatchModel.from_model(load_model(builtin_model_path()))
    steps = {"calibration": len(model.schedule(16.0).times) - 1,
             "monte carlo": len(model.schedule().times) - 1}
    print(f"model: {model.path.name}; calibration: 16 years = {steps['calibration']} steps, "
          f"1 output; monte carlo: {steps['monte carlo']} steps, stocks, 3 noise inputs")
    for shape, make in (("calibration", calibration_call), ("monte carlo", monte_carlo_call)):
        for n in args.members:
            call = make(model, n)
            start = time.perf_counter()
            call("numba")
            first = time.perf_counter() - start
            call("numpy")
            seconds: dict[str, list[float]] = {"numpy": [], "numba": []}
            for _ in range(args.repeats):
                for backend in seconds:
                    start = time.perf_counter()
                    call(backend)
                    seconds[backend].append(time.perf_counter() - start)
            numpy_s, numba_s = (statistics.median(seconds[b]) for b in ("numpy", "numba"))
            print(f"{shape:>11}, {n:>6} members: numpy {1e3 * numpy_s:9.1f} ms, numba "
                  f"{1e3 * numba_s:9.1f} ms ({numpy_s / numba_s:5.1f}x; first numba call "
                  f"{first:.2f} s) median of {args.repeats}")


if __name__ == "__main__":
    main()

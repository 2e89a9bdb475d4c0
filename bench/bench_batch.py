"""Benchmark: the vectorized batch engine against PySD, per ensemble member.

Runs, in one invocation,

(a) a Monte Carlo of ``--members`` members (default 10,000) over the model's
    full horizon with the batch engine: every policy lever drawn uniformly in
    [0, 1] per member, and a seeded white-noise series per member;
(b) PySD's ``run()`` for single members with the same kind of inputs;

and prints the median wall times and the ratio of per-member costs. Uses
models/innovation_cluster.mdl, or a test model when it is not there.

Usage::

    .venv/bin/python bench/bench_batch.py [--members 10000] [--repeats 3] [--pysd-runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pysd

from sdcluster.engine.batch import BatchModel
from sdcluster.engine.noise import white_noise

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = ROOT / "models" / "innovation_cluster.mdl"
FALLBACK = ROOT / "tests" / "data" / "engine_growth.mdl"
NOISE_INPUT = "white noise input"
SEED = 20240601


def median_time(action: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def levers(model: BatchModel) -> list[str]:
    found = [
        name
        for name in model.parameters
        if model.info(name).documentation.startswith("Policy lever.")
    ]
    return found or list(model.parameters[:2])


def ensemble_inputs(
    model: BatchModel, n: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    rng = np.random.default_rng(SEED)
    params = {name: rng.uniform(0.0, 1.0, n) for name in levers(model)}
    inputs = {}
    if NOISE_INPUT in model.parameters:
        inputs[NOISE_INPUT] = white_noise(SEED, np.arange(n), len(model.schedule().times))
    return params, inputs


def pysd_per_member(path: Path, model: BatchModel, runs: int) -> float:
    params, inputs = ensemble_inputs(model, runs)
    times = model.schedule().times
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copy = Path(folder) / path.name
        shutil.copy(path, copy)
        pysd_model = pysd.read_vensim(str(copy))
        durations = []
        for member in range(runs):
            member_params: dict[str, Any] = {
                name: float(values[member]) for name, values in params.items()
            }
            for name, series in inputs.items():
                member_params[name] = pd.Series(series[member], index=times)
            start = time.perf_counter()
            pysd_model.run(params=member_params)
            durations.append(time.perf_counter() - start)
            pysd_model.reload()  # PySD keeps parameters between runs
    return statistics.median(durations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pysd-runs", type=int, default=5)
    parser.add_argument("--model", type=Path, default=BUILTIN if BUILTIN.is_file() else FALLBACK)
    args = parser.parse_args()

    path: Path = args.model
    n: int = args.members
    load_start = time.perf_counter()
    model = BatchModel.from_file(path)
    load = time.perf_counter() - load_start
    schedule = model.schedule()
    stocks = [info.vensim_name for info in map(model.info, model.variables) if info.kind == "stock"]
    noise_time = median_time(lambda: ensemble_inputs(model, n), 1)
    params, inputs = ensemble_inputs(model, n)
    first = ({k: v[:1] for k, v in params.items()}, {k: v[:1] for k, v in inputs.items()})

    print(f"model: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(
        f"  {len(model.variables)} variables, {len(schedule.times) - 1} Euler steps, "
        f"{int(schedule.saved.sum())} saved times; levers varied: {', '.join(levers(model))}"
    )
    print(f"  translate + plan: {load:.2f} s; seeded noise for {n} members: {noise_time:.2f} s")

    results = {}
    for label, outputs in (("stocks", stocks), ("all time-varying variables", None)):
        # One small run first: compiles the code outside the timings, counts the outputs.
        count = len(model.run(first[0], 1, inputs=first[1], return_variables=outputs).data_vars)
        results[label] = median_time(
            lambda outputs=outputs: model.run(
                params, n, inputs=inputs, return_variables=outputs
            ),
            args.repeats,
        )
        print(
            f"(a) batch engine, {n} members, {count} {label} saved: "
            f"median {results[label]:.3f} s over {args.repeats} runs"
        )

    per_member = pysd_per_member(path, model, args.pysd_runs)
    print(f"(b) PySD run(), one member: median {per_member:.3f} s over {args.pysd_runs} runs")
    for label, seconds in results.items():
        print(
            f"    ratio of per-member costs ({label}): "
            f"{per_member / (seconds / n):,.0f}x  ({seconds / n * 1e6:.1f} us per member)"
        )


if __name__ == "__main__":
    main()

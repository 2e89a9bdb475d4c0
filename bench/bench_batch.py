"""Benchmark: the vectorized batch engine against PySD, per ensemble member.

Runs, in one invocation,

(a) a Monte Carlo of ``--members`` members (default 10,000) over the model's
    full horizon with the batch engine: every policy lever drawn uniformly in
    [0, 1] per member, and a seeded white-noise series per member;
(b) PySD's ``run()`` for single members with the same kind of inputs;

the stocks are saved twice, with the compiled run's threads (``--threads``,
default the cores this process may use) and with one thread, in turns, so
the gain of the second core is a ratio measured side by side. It prints the
median wall times and the ratio of per-member costs. The
two are measured in turns (a batch run, then PySD runs, and again), so a
change in the shared machine's load weighs on both alike. Uses
models/innovation_cluster.mdl, or a test model when it is not there.

Usage::

    .venv/bin/python bench/bench_batch.py [--members 10000] [--repeats 3] [--pysd-runs 6]
        [--backend auto|numpy|numba] [--threads N]
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
from sdcluster.engine.batch_integrate import default_threads
from sdcluster.experiments.noise import is_noise_input_name, white_noise_inputs
from sdcluster.model.loaded import load_model
from sdcluster.names import normalize_name

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = ROOT / "models" / "innovation_cluster.mdl"
FALLBACK = ROOT / "tests" / "data" / "engine_growth.mdl"
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
    noise = sorted((name for name in model.parameters if is_noise_input_name(name)),
                   key=normalize_name)
    inputs = white_noise_inputs(SEED, np.arange(n), len(model.schedule().times), noise)
    return params, inputs


class PysdMembers:
    """PySD's model of the file, run one member at a time with the bench's inputs."""

    def __init__(self, path: Path, model: BatchModel, runs: int, folder: Path) -> None:
        self.params, self.inputs = ensemble_inputs(model, runs)
        self.times = model.schedule().times
        copy = folder / path.name
        shutil.copy(path, copy)
        self.model = pysd.read_vensim(str(copy))
        self.runs = runs
        self.durations: list[float] = []

    def run(self, member: int) -> None:
        """Run member ``member`` (modulo the number of runs) and record its wall time."""
        member %= self.runs
        member_params: dict[str, Any] = {
            name: float(values[member]) for name, values in self.params.items()
        }
        for name, series in self.inputs.items():
            member_params[name] = pd.Series(series[member], index=self.times)
        start = time.perf_counter()
        self.model.run(params=member_params)
        self.durations.append(time.perf_counter() - start)
        self.model.reload()  # PySD keeps parameters between runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pysd-runs", type=int, default=6)
    parser.add_argument("--model", type=Path, default=BUILTIN if BUILTIN.is_file() else FALLBACK)
    parser.add_argument("--backend", choices=["auto", "numpy", "numba"], default="auto",
                        help="the batch engine's backend (default: auto, Numba where it compiles)")
    parser.add_argument("--threads", type=int, default=default_threads(),
                        help="threads of the compiled run (default: the usable cores)")
    args = parser.parse_args()

    path: Path = args.model
    n: int = args.members
    load_start = time.perf_counter()
    model = BatchModel.from_model(load_model(path), backend=args.backend)
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

    cases: dict[str, tuple[list[str] | None, int]] = {
        f"stocks ({args.threads} threads)": (stocks, args.threads),
        "stocks (1 thread)": (stocks, 1),
        f"all time-varying variables ({args.threads} threads)": (None, args.threads),
    }
    counts = {}
    for label, (outputs, _) in cases.items():
        # One small run first: compiles the code outside the timings, counts the outputs.
        counts[label] = len(
            model.run(first[0], 1, inputs=first[1], return_variables=outputs).data_vars
        )
    results: dict[str, list[float]] = {label: [] for label in cases}
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = PysdMembers(path, model, args.pysd_runs, Path(folder))
        pysd_turn = -(-args.pysd_runs // args.repeats)  # PySD runs after each batch repeat
        for repeat in range(args.repeats):
            # The stocks run last: the 1.2 GB of all variables is freed before PySD runs.
            for label, (outputs, threads) in reversed(cases.items()):
                start = time.perf_counter()
                model.run(params, n, inputs=inputs, return_variables=outputs, threads=threads)
                results[label].append(time.perf_counter() - start)
            for member in range(repeat * pysd_turn, (repeat + 1) * pysd_turn):
                reference.run(member)
    seconds = {label: statistics.median(times) for label, times in results.items()}
    for label in cases:
        print(
            f"(a) batch engine, {n} members, {counts[label]} {label} saved: "
            f"median {seconds[label]:.3f} s over {args.repeats} runs"
        )
    one, many = (statistics.median(results[label]) for label in list(cases)[1::-1])
    print(f"    threads: {args.threads} threads {one / many:.2f}x as fast as one (stocks)")
    per_member = statistics.median(reference.durations)
    print(
        f"(b) PySD run(), one member: median {per_member:.3f} s over "
        f"{len(reference.durations)} runs, taken between the batch runs"
    )
    for label in cases:
        batch_member = seconds[label] / n
        print(
            f"    ratio of per-member costs ({label}): "
            f"{per_member / batch_member:,.0f}x  ({batch_member * 1e6:.1f} us per member)"
        )


if __name__ == "__main__":
    main()

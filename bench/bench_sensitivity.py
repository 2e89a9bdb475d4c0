"""Benchmarks for issue 4: a Sobol' study's wall time and large ensembles' peak memory.

(b) Sobol' indices of "Order Degree" at the horizon over 12 parameters of the built-in
    model at N = 1024 with second-order indices: Saltelli's design has N (2D + 2) =
    26,624 runs. Measured: sampling + runs (batch engine, noise on, common random
    numbers) + indices, i.e. one ``run_sensitivity`` call with PySD's translation
    cache warm. The call still translates the model for the batch engine (nothing
    caches that between calls); that share is timed and printed apart. Target <= 15 s.
(c) Peak resident memory (VmHWM, read by a fresh child process about itself: ru_maxrss
    would include the parent's peak, which Linux carries into a child) of
      - a 10,000-member Monte Carlo over the six policy levers, in memory, recording
        the five phase variables, plus its take-off probability;
      - a 100,000-member fluctuation ensemble recording three variables, streamed to
        a run folder chunk by chunk, merged into one results file, plus its take-off
        probability computed block by block.
    Target <= 2 GiB each.

Run with ``.venv/bin/python bench/bench_sensitivity.py`` (or ``make bench``). Each
figure is printed with the target and whether it is met; the exit status is 0 either
way (benchmarks inform, they do not gate).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOBOL_TARGET_SECONDS = 15.0
MEMORY_TARGET_BYTES = 2 * 1024**3
SOBOL_N = 1024
SOBOL_PARAMETERS = (
    "openness", "internal cooperation", "technology introduction", "government support",
    "fair competition regulation", "university cooperation", "spinoff rate", "critical mass",
    "regional capacity", "knowledge depreciation rate", "entropy production rate", "noise sd",
)
LEVERS = SOBOL_PARAMETERS[:6]
STREAMED_VARIABLES = ("Innovative Firms", "Order Degree", "dS total")


def sobol_study() -> None:
    from sdcluster.engine.batch import BatchModel
    from sdcluster.experiments.designs import make_design
    from sdcluster.experiments.ranges import problem_from_model
    from sdcluster.experiments.sensitivity import SensitivitySpec
    from sdcluster.model.loaded import load_model
    from sdcluster.studies.sensitivity import run_sensitivity

    model = load_model()
    problem = problem_from_model(model, SOBOL_PARAMETERS)
    spec = SensitivitySpec(problem=problem, method="sobol", n=SOBOL_N,
                           seed=1, outcomes=("Order Degree@end",), second_order=True)
    run_sensitivity(model, SensitivitySpec(problem=problem, n=8, seed=1,
                                           outcomes=("Order Degree@end",)))  # warm caches
    start = time.perf_counter()
    result = run_sensitivity(model, spec)
    seconds = time.perf_counter() - start
    sampling_start = time.perf_counter()
    make_design(problem, "sobol", SOBOL_N, seed=1)
    sampling = time.perf_counter() - sampling_start
    translation_start = time.perf_counter()
    BatchModel.from_model(model)
    translation = time.perf_counter() - translation_start
    runs = result.design.n_samples
    verdict = "met" if seconds <= SOBOL_TARGET_SECONDS else "NOT met"
    print(f"(b) Sobol' study, {len(SOBOL_PARAMETERS)} parameters, N = {SOBOL_N}: {runs:,} runs; "
          f"sampling + runs + indices {seconds:.1f} s (sampling alone {sampling:.2f} s, "
          f"batch-engine translation about {translation:.1f} s); "
          f"target <= {SOBOL_TARGET_SECONDS:g} s {verdict}")
    top = result.indices[result.indices["index"] == "ST"].nlargest(3, "estimate")
    print("    largest total-order indices: " + ", ".join(
        f"{row.parameter} {row.estimate:.2f} ± {row.confidence:.2f}" for row in top.itertuples()))


# ------------------------------------------------------- memory, in children


def child_monte_carlo() -> dict[str, float]:
    from sdcluster.analysis.ensembles import takeoff_probability
    from sdcluster.experiments.designs import monte_carlo
    from sdcluster.experiments.ensemble import EnsembleSpec
    from sdcluster.experiments.ranges import problem_from_model
    from sdcluster.model.loaded import load_model
    from sdcluster.studies.ensemble import run_ensemble

    model = load_model()
    design = monte_carlo(problem_from_model(model, LEVERS), 10_000, seed=1)
    start = time.perf_counter()
    results = run_ensemble(model, EnsembleSpec.for_design(design, seed=1))
    estimate = takeoff_probability(results.dataset)
    return {"seconds": time.perf_counter() - start, "members": results.dataset.sizes["member"],
            "takeoff": estimate.probability}


def child_streamed() -> dict[str, float]:
    from sdcluster.analysis.ensembles import takeoff_probability
    from sdcluster.engine.options import RunOptions
    from sdcluster.experiments.ensemble import EnsembleSpec
    from sdcluster.model.paths import builtin_model_path
    from sdcluster.studies.ensemble import run_ensemble, save_ensemble

    spec = EnsembleSpec(n_members=100_000, seed=1, variables=STREAMED_VARIABLES)
    with tempfile.TemporaryDirectory(prefix="sdcluster-bench-") as folder:
        start = time.perf_counter()
        results = run_ensemble(builtin_model_path(), spec,
                               RunOptions(run_dir=Path(folder) / "chunks"))
        estimate = takeoff_probability(results.dataset)
        out = save_ensemble(results, Path(folder) / "ensemble.nc")
        size = out.stat().st_size
    return {"seconds": time.perf_counter() - start, "members": spec.n_members,
            "takeoff": estimate.probability, "file_bytes": size}


CHILDREN = {"monte-carlo": child_monte_carlo, "streamed": child_streamed}


def peak_rss_bytes() -> int:
    """Return this process's own peak resident memory (VmHWM).

    Not ``ru_maxrss``: Linux carries the parent's peak across fork and exec into it,
    so a child of a large process would report the parent's memory.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(name: str) -> tuple[int, dict[str, float]]:
    """Run one measurement in a fresh child process; return its peak RSS (bytes) and figures."""
    process = subprocess.Popen([sys.executable, __file__, "--child", name],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    if process.wait() != 0:
        raise SystemExit(f"child {name!r} failed with status {process.returncode}")
    figures = json.loads(output.strip().splitlines()[-1])
    return int(figures.pop("peak_bytes")), figures


def memory_figures() -> None:
    labels = {
        "monte-carlo": "(c) 10,000-member Monte Carlo (6 levers, 5 variables, in memory)",
        "streamed": "(c) 100,000-member ensemble, 3 variables, streamed to disk and merged",
    }
    for name, label in labels.items():
        peak, figures = measure(name)
        verdict = "met" if peak <= MEMORY_TARGET_BYTES else "NOT met"
        extra = (f", file {figures['file_bytes'] / 1024**2:.0f} MiB"
                 if "file_bytes" in figures else "")
        print(f"{label}: peak RSS {peak / 1024**2:.0f} MiB in {figures['seconds']:.1f} s "
              f"(take-off probability {figures['takeoff']:.3f}{extra}); "
              f"target <= 2048 MiB {verdict}")


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        figures = CHILDREN[sys.argv[2]]()
        print(json.dumps({**figures, "peak_bytes": peak_rss_bytes()}))
        return 0
    sobol_study()
    memory_figures()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The ``ensemble`` and ``sensitivity`` commands, registered on the main Typer app.

``sdcluster.cli.main`` adds them with::

    from sdcluster.cli.experiments import register as register_experiments
    register_experiments(app)

They follow ``cli.py``'s conventions: a user error is one ``error: ...`` line
on stderr with exit status 2 (the app's command group does this; ``--debug``
shows the traceback), every ``--help`` ends with an example, and results
are saved in the format ``run`` uses (:class:`~sdcluster.results.dataset.Results`
netCDF), written atomically. Heavy modules are imported when a command runs,
so ``sdcluster --help`` stays quick.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer

from sdcluster.cli.options import (
    ModelArgument,
    NoiseOption,
    ScenariosDirOption,
    SeedOption,
    noise_seed,
)
from sdcluster.cli.support import input_files, text_table
from sdcluster.errors import AnalysisError, WorkerLostError
from sdcluster.experiments.parsing import parameter_option
from sdcluster.experiments.scenarios import Scenario, load_scenarios
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.names import normalize_name
from sdcluster.results.atomic import (
    refuse_overwriting_inputs,
    require_writable_folder,
    write_atomically,
)

if TYPE_CHECKING:
    from sdcluster.engine.executors import Executor
    from sdcluster.engine.options import RunOptions
    from sdcluster.experiments.ensemble import EnsembleSpec
    from sdcluster.experiments.sensitivity import SensitivitySpec
    from sdcluster.results.dataset import Results
    from sdcluster.studies.sensitivity import SensitivityResult

__all__ = ["ensemble_command", "register", "sensitivity_command"]

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130

_METHOD_ALIASES = {
    "sobol": "sobol", "morris": "morris", "lhs": "latin hypercube",
    "latin": "latin hypercube", "latin hypercube": "latin hypercube",
    "mc": "monte carlo", "monte carlo": "monte carlo", "montecarlo": "monte carlo",
}

ScenarioNameOption = Annotated[
    str | None,
    typer.Option("--scenario", "-s", help="Base scenario (by name); the model as it is if "
                 "omitted.", show_default=False, metavar="NAME"),
]
ChunkOption = Annotated[
    int | None,
    typer.Option(min=1, help="Members per chunk (memory bound; never changes the numbers).",
                 show_default=False, metavar="N"),
]
EngineOption = Annotated[
    str, typer.Option(help="auto (batch engine, PySD if it cannot), batch or pysd.")
]
LocalClusterOption = Annotated[
    int | None,
    typer.Option("--local-cluster", min=1, help="Run on a local Dask cluster of N workers.",
                 show_default=False, metavar="N"),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(help="Run on the Dask scheduler at ADDRESS (e.g. tcp://host:8786).",
                 show_default=False, metavar="ADDRESS"),
]


def register(app: typer.Typer) -> None:
    """Add the ``ensemble`` and ``sensitivity`` commands to ``app`` (once)."""
    present = {command.name for command in app.registered_commands}
    if "ensemble" not in present:
        app.command("ensemble", epilog="Example: sdcluster ensemble --members 1000 --seed 1 "
                    "--out ensemble.nc")(ensemble_command)
    if "sensitivity" not in present:
        app.command("sensitivity", epilog="Example: sdcluster sensitivity -p openness "
                    "-p 'government support=0.1:0.6' --outcome 'Order Degree@end' "
                    "--samples 256 --seed 1")(sensitivity_command)


# ------------------------------------------------------------------ helpers


def _base_scenario(model: LoadedModel, name: str | None, directory: Path | None) -> Scenario:
    if name is None:
        return Scenario(name="baseline", title="model as it is")
    if directory is None and not model.is_builtin:
        raise typer.BadParameter(
            f"{model.path.name} is not the built-in model: give --scenarios-dir for its scenarios"
        )
    (scenario,) = load_scenarios(model, [name], directory=directory)
    return scenario


def _executor(local_cluster: int | None,
              scheduler: str | None) -> contextlib.AbstractContextManager[Executor]:
    """Return a context manager yielding the executor the options ask for."""
    from sdcluster.engine.executors import DaskExecutor, LocalExecutor

    if local_cluster is not None and scheduler is not None:
        raise typer.BadParameter("give --local-cluster or --scheduler, not both")
    if local_cluster is not None:
        return DaskExecutor(n_workers=local_cluster)
    if scheduler is not None:
        return DaskExecutor(scheduler)
    return contextlib.nullcontext(LocalExecutor())


@contextlib.contextmanager
def _reported_warnings() -> Iterator[None]:
    """Show sdcluster's warnings and log messages as ``warning: ...`` lines on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    handler.setLevel(logging.WARNING)
    package_logger = logging.getLogger("sdcluster")
    package_logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        package_logger.removeHandler(handler)
    for message in caught:
        if issubclass(message.category, UserWarning):
            typer.echo(f"warning: {' '.join(str(message.message).split())}", err=True)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a CSV file atomically."""
    require_writable_folder(path)
    write_atomically(path, lambda temporary: frame.to_csv(temporary, index=False),
                     what="the table")


# ----------------------------------------------------------------- ensemble


def ensemble_command(
    model: ModelArgument = None,
    members: Annotated[int, typer.Option(min=1, help="Number of members.")] = 1000,
    seed: SeedOption = None,
    scenario: ScenarioNameOption = None,
    scenarios_dir: ScenariosDirOption = None,
    noise: NoiseOption = None,
    variable: Annotated[
        list[str] | None,
        typer.Option("--variable", "-v", help="Variable to record (repeatable); the phase "
                     "variables, or the stocks, by default.", show_default=False, metavar="NAME"),
    ] = None,
    chunk_size: ChunkOption = None,
    engine: EngineOption = "auto",
    out: Annotated[Path, typer.Option("--out", "-o", help="Results file (netCDF).")
                   ] = Path("ensemble.nc"),
    run_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for the chunk files (default: OUT.chunks beside OUT); an "
                     "interrupted run resumes from it.", show_default=False),
    ] = None,
    keep_chunks: Annotated[
        bool, typer.Option("--keep-chunks", help="Keep the chunk files after saving OUT.")
    ] = False,
    horizon: Annotated[
        float | None,
        typer.Option(help="Take-off deadline (model time); the final time by default.",
                     show_default=False),
    ] = None,
    bands_out: Annotated[
        Path | None,
        typer.Option(help="Also write percentile bands over time as tidy CSV.",
                     show_default=False),
    ] = None,
    local_cluster: LocalClusterOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Run a seeded fluctuation ensemble; save it and print take-off and phase onsets.

    The noise is on unless --no-noise (root seed 0 unless --seed).

    Member m gets noise stream m of the seed, so the same seed gives the same
    members whatever the chunking or the workers. Chunks are written to the run
    folder as they finish; after Ctrl-C, run the same command to resume.
    """
    from sdcluster.experiments.ensemble import EnsembleSpec

    loaded = load_model(model)
    base = _base_scenario(loaded, scenario, scenarios_dir)
    _check_horizon(loaded, base, horizon)
    root = noise_seed(noise, seed, default=True)
    spec = EnsembleSpec(
        n_members=members, seed=root or 0, scenario=base, noise=root is not None,
        variables=tuple(variable) if variable else None,
    )
    folder = run_dir if run_dir is not None else out.with_name(out.name + ".chunks")
    refuse_overwriting_inputs({"--out": out, "--bands-out": bands_out, "--run-dir": folder},
                              input_files(loaded, [base]))
    for path in (out, bands_out):
        if path is not None:
            require_writable_folder(path)  # before the run, not after it
    with _reported_warnings():
        results = _run_resumable(loaded, spec, _options(engine, chunk_size, run_dir=folder),
                                 local_cluster, scheduler)
        typer.echo(_ensemble_summary(results, horizon))
        if bands_out is not None:
            _write_bands(results, bands_out)
        _save(results, out, keep_chunks)
    typer.echo(f"\nresults: {out}" + (f"\nbands: {bands_out}" if bands_out else ""))


def _options(engine: str, chunk_size: int | None, *, run_dir: Path | None = None) -> RunOptions:
    """Return the run options of the shared ``--engine`` and ``--chunk-size`` options."""
    from sdcluster.engine.options import DEFAULT_CHUNK_SIZE, RunOptions

    return RunOptions(engine=engine, chunk_size=chunk_size or DEFAULT_CHUNK_SIZE,  # type: ignore[arg-type]
                      progress=True, run_dir=run_dir)


def _run_resumable(model: LoadedModel, spec: EnsembleSpec, options: RunOptions,
                   local_cluster: int | None, scheduler: str | None) -> Results:
    from dataclasses import replace

    from sdcluster.studies.run import run

    folder = options.run_dir
    try:
        with _executor(local_cluster, scheduler) as executor:
            return run(model, spec, replace(options, executor=executor))
    except KeyboardInterrupt:
        typer.echo(f"\ninterrupted: finished chunks are kept in {folder}; run the same "
                   "command again to resume", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except WorkerLostError as error:
        raise WorkerLostError(f"{error}; finished chunks are kept in {folder}: run the same "
                              "command again to resume") from None


def _save(results: Results, out: Path, keep_chunks: bool) -> None:
    from sdcluster.studies.ensemble import save_ensemble

    save_ensemble(results, out, remove_chunks=not keep_chunks)


def _ensemble_summary(results: Results, horizon: float | None) -> str:
    from sdcluster.analysis.ensembles import (
        onset_distribution,
        onset_times,
        percentile_bands,
        takeoff_probability,
    )

    info = results.metadata["ensemble"]
    dataset = results.dataset
    lines = [f"{info['n_members']} members, seed {info['seed']}, engine {info['engine']}"
             + (f", {info['resumed_chunks']} chunks resumed" if info.get("resumed_chunks") else "")]
    try:
        onsets = onset_times(dataset)
    except AnalysisError as error:
        lines.append(f"take-off: not computed ({error})")
    else:
        final_time = float(dataset["time"].values[-1])
        estimate = takeoff_probability(onsets, horizon=final_time if horizon is None else horizon)
        lines.append(
            f"take-off (phase III by t = {estimate.horizon:g}): {estimate.probability:.3f} "
            f"({estimate.reached} of {estimate.members}; {estimate.confidence:.0%} CI "
            f"{estimate.ci_low:.3f} to {estimate.ci_high:.3f})"
        )
        table = onset_distribution(onsets).reset_index()
        lines += ["", "phase onsets (model time)", text_table(table)]
    ends = percentile_bands(dataset.isel(time=[-1]))
    frame = ends.isel(time=0, drop=True).to_dataframe().T
    frame.columns = [f"p{p:g}" for p in frame.columns]
    frame.index.name = "variable"
    lines += ["", f"end values (t = {float(dataset['time'].values[-1]):g})",
              text_table(frame.reset_index())]
    return "\n".join(lines)


def _check_horizon(model: LoadedModel, scenario: Scenario, horizon: float | None) -> None:
    start = model.time.initial_time
    final = model.time.final_time if scenario.final_time is None else scenario.final_time
    if horizon is not None and not start <= horizon <= final:
        raise typer.BadParameter(f"--horizon {horizon:g} is outside the run [{start:g}, {final:g}]")


def _write_bands(results: Results, path: Path) -> None:
    from sdcluster.analysis.ensembles import percentile_bands

    bands = percentile_bands(results.dataset)
    tidy = bands.to_dataarray("variable").to_dataframe("value").reset_index()
    _write_csv(tidy[["variable", "percentile", "time", "value"]], path)


# -------------------------------------------------------------- sensitivity


def sensitivity_command(
    model: ModelArgument = None,
    parameter: Annotated[
        list[str] | None,
        typer.Option("--parameter", "-p", help="Constant to vary, NAME or NAME=LOW:HIGH "
                     "(repeatable); its declared range by default.", show_default=False,
                     metavar="NAME[=LOW:HIGH]"),
    ] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option("--outcome", help="Outcome to analyse (repeatable): VARIABLE@end, "
                     "VARIABLE@<time>, VARIABLE@max|min|mean, 'final firms', 'final order', "
                     "'takeoff time', 'takeoff'. Default: 'Order Degree@end' (else the first "
                     "stock at the end).", show_default=False, metavar="OUTCOME"),
    ] = None,
    method: Annotated[
        str, typer.Option(help="sobol, morris, lhs (Latin hypercube) or mc (Monte Carlo).")
    ] = "sobol",
    samples: Annotated[
        int, typer.Option(min=2, help="Sobol N (a power of 2), Morris trajectories, or "
                          "LHS/MC samples.")
    ] = 256,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the design and of the noise "
                                      "streams.", metavar="N")] = 0,
    replicates: Annotated[
        int, typer.Option(min=1, help="Noise streams per sample (common random numbers).")
    ] = 1,
    noise: NoiseOption = None,
    second_order: Annotated[
        bool, typer.Option("--second-order/--no-second-order", help="Sobol: second-order "
                           "indices too (N(2D+2) runs instead of N(D+2)).")
    ] = True,
    scenario: ScenarioNameOption = None,
    scenarios_dir: ScenariosDirOption = None,
    chunk_size: ChunkOption = None,
    engine: EngineOption = "auto",
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Runs (netCDF, design values as member "
                           "coordinates).")
    ] = Path("sensitivity.nc"),
    indices_out: Annotated[
        Path, typer.Option(help="Indices as tidy CSV.")
    ] = Path("sensitivity_indices.csv"),
    local_cluster: LocalClusterOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Sample parameters, run the model on every sample, and print sensitivity indices.

    Sobol gives first-order (S1), total (ST) and second-order (S2) indices, Morris
    mu, mu_star and sigma, LHS and MC Spearman rank correlations, each with a
    confidence interval. Every sample runs with the same noise streams (on unless
    --no-noise).
    """
    from sdcluster.experiments.ranges import problem_from_model
    from sdcluster.experiments.sensitivity import SensitivitySpec

    loaded = load_model(model)
    problem = problem_from_model(loaded, _parameter_ranges(parameter or []))
    spec = SensitivitySpec(
        problem=problem,
        outcomes=tuple(outcome) if outcome else (_default_outcome(loaded),),
        method=_method(method), n=samples, seed=seed,  # type: ignore[arg-type]
        scenario=_base_scenario(loaded, scenario, scenarios_dir), noise=noise is not False,
        replicates=replicates, second_order=second_order,
    )
    refuse_overwriting_inputs({"--out": out, "--indices-out": indices_out},
                              input_files(loaded, [spec.scenario]))
    for path in (out, indices_out):
        require_writable_folder(path)
    with _reported_warnings():
        result = _run_sensitivity(loaded, spec, _options(engine, chunk_size), local_cluster,
                                  scheduler)
    result.results.save(out)
    _write_csv(result.indices, indices_out)
    runs = result.results.dataset.sizes["member"]  # samples x replicates
    typer.echo(_indices_summary(result.indices, runs, result.design.n_samples))
    typer.echo(f"\nruns: {out}\nindices: {indices_out}")


def _run_sensitivity(model: LoadedModel, spec: SensitivitySpec, options: RunOptions,
                     local_cluster: int | None, scheduler: str | None) -> SensitivityResult:
    from dataclasses import replace

    from sdcluster.studies.run import run

    with _executor(local_cluster, scheduler) as executor:
        return run(model, spec, replace(options, executor=executor))


def _parameter_ranges(texts: list[str]) -> dict[str, tuple[float, float] | None]:
    if not texts:
        raise typer.BadParameter("give at least one --parameter NAME[=LOW:HIGH]")
    return dict(parameter_option(text) for text in texts)


def _method(text: str) -> str:
    key = normalize_name(text.replace("-", " "))
    if key not in _METHOD_ALIASES:
        raise typer.BadParameter(f"--method {text!r}: expected sobol, morris, lhs or mc")
    return _METHOD_ALIASES[key]


def _default_outcome(model: LoadedModel) -> str:
    if "Order Degree" in model:
        return "Order Degree@end"
    return f"{model.stocks[0]}@end"


def _indices_summary(indices: pd.DataFrame, runs: int, samples: int) -> str:
    main = indices[indices["index"].isin(["S1", "ST", "mu_star", "spearman"])]
    wide = main.pivot_table(index=["outcome", "parameter"], columns="index",
                            values=["estimate", "confidence"], sort=False)
    wide.columns = [f"{pair[1]}" if pair[0] == "estimate" else f"{pair[1]} ±"
                    for pair in wide.columns]
    ordered = sorted(wide.columns, key=lambda c: (c.rstrip(" ±"), c.endswith("±")))
    counts = f"{runs} runs" if runs == samples else f"{runs} runs ({samples} samples)"
    return f"{counts}\n\n{text_table(wide[ordered].reset_index())}"

"""The ``ensemble`` command, registered on the main Typer app.

``sdcluster.cli.main`` adds it with ``register(app)``. A user error is one
``error: ...`` line on stderr with exit status 2 (the app's command group does
this; ``--debug`` shows the traceback), ``--help`` ends with an example, and
results are saved in the format ``run`` uses
(:class:`~sdcluster.results.dataset.Results` netCDF), written atomically. Heavy
modules are imported when the command runs, so ``sdcluster --help`` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sdcluster.cli.options import (
    ChunkOption,
    DataFilesOption,
    EngineOption,
    LocalClusterOption,
    ModelArgument,
    NoiseOption,
    ScenarioNameOption,
    ScenariosDirOption,
    SchedulerOption,
    SeedOption,
    data_files,
    noise_seed,
    run_options,
)
from sdcluster.cli.support import (
    base_scenario,
    input_files,
    reported_warnings,
    text_table,
    write_csv,
)
from sdcluster.errors import AnalysisError, WorkerLostError
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.atomic import (
    refuse_overwriting_inputs,
    require_writable_folder,
)

if TYPE_CHECKING:
    from sdcluster.experiments.ensemble import EnsembleSpec
    from sdcluster.results.dataset import Results

__all__ = ["EXIT_INTERRUPTED", "ensemble_command", "register"]

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def register(app: typer.Typer) -> None:
    """Add the ``ensemble`` command to ``app`` (once)."""
    if "ensemble" not in {command.name for command in app.registered_commands}:
        app.command("ensemble", epilog="Example: sdcluster ensemble --members 1000 --seed 1 "
                    "--out ensemble.nc")(ensemble_command)


def ensemble_command(
    model: ModelArgument = None,
    data_file: DataFilesOption = None,
    members: Annotated[int, typer.Option(min=1, help="Number of members.", metavar="N")] = 1000,
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
    out: Annotated[Path, typer.Option("--out", "-o", help="Results file (netCDF).",
                                      metavar="FILE.nc")
                   ] = Path("ensemble.nc"),
    run_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for the chunk files (default: OUT.chunks beside OUT); an "
                     "interrupted run resumes from it.", show_default=False, metavar="DIR"),
    ] = None,
    keep_chunks: Annotated[
        bool, typer.Option("--keep-chunks", help="Keep the chunk files after saving OUT.")
    ] = False,
    horizon: Annotated[
        float | None,
        typer.Option(help="Take-off deadline (model time); the final time by default.",
                     show_default=False, metavar="TIME"),
    ] = None,
    bands_out: Annotated[
        Path | None,
        typer.Option(help="Also write percentile bands over time as tidy CSV.",
                     show_default=False, metavar="FILE.csv"),
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

    loaded = load_model(model, data_files=data_files(data_file))
    base = base_scenario(loaded, scenario, scenarios_dir)
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
    with reported_warnings():
        results = _run_resumable(loaded, spec, engine, chunk_size, folder, local_cluster,
                                 scheduler)
        typer.echo(_ensemble_summary(results, horizon))
        if bands_out is not None:
            _write_bands(results, bands_out)
        _save(results, out, keep_chunks)
    typer.echo(f"\nresults: {out}" + (f"\nbands: {bands_out}" if bands_out else ""))


def _run_resumable(model: LoadedModel, spec: EnsembleSpec, engine: str, chunk_size: int | None,
                   folder: Path, local_cluster: int | None, scheduler: str | None) -> Results:
    from sdcluster.studies.run import run

    try:
        with run_options(engine, chunk_size, local_cluster=local_cluster, scheduler=scheduler,
                         run_dir=folder) as options:
            return run(model, spec, options)
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
    write_csv(tidy[["variable", "percentile", "time", "value"]], path)

"""Arguments and options that several commands share, defined once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sdcluster.engine.executors import Executor
    from sdcluster.engine.options import RunOptions

ModelArgument = Annotated[
    Path | None,
    typer.Argument(help="Vensim (.mdl) or XMILE model file; the built-in model if omitted.",
                   show_default=False, metavar="MODEL"),
]
DataFilesOption = Annotated[
    list[Path] | None,
    typer.Option("--data-files", "--data-file",
                 help="Data file of the model's DATA variables (repeatable): a .tab or .csv "
                 "table with a Time column and one column per variable, or netCDF, as PySD's "
                 "data_files reads them; each variable is read from the first file holding "
                 "it; e.g. --data-files demand.tab --data-files prices.csv",
                 show_default=False, metavar="FILE"),
]
ScenariosDirOption = Annotated[
    Path | None,
    typer.Option(help="Folder of scenario TOML files (built-in ones for the built-in model).",
                 show_default=False, metavar="DIR"),
]
ChecksDirOption = Annotated[
    Path | None,
    typer.Option(help="Folder of reality-check TOML files (built-in ones for the built-in "
                 "model).", show_default=False, metavar="DIR"),
]
SeedOption = Annotated[
    int | None,
    typer.Option(min=0, help="Root seed of the noise streams (0 if omitted); giving it turns "
                 "the noise on unless --no-noise says otherwise.", show_default=False,
                 metavar="N"),
]
NoiseOption = Annotated[
    bool | None,
    typer.Option("--noise/--no-noise", help="Feed the model's white-noise inputs (seeded) or "
                 "run without fluctuations; the command's default is in its description.",
                 show_default=False),
]

def data_files(files: list[Path] | None) -> list[Path] | None:
    """Return the files of ``--data-files`` as ``load_model(data_files=...)`` takes them."""
    return list(files) if files else None


def noise_seed(noise: bool | None, seed: int | None, *, default: bool) -> int | None:
    """Return the root seed of the noise, or None to run without noise.

    The same rule for every command: ``--noise``/``--no-noise`` say it; without
    either, giving ``--seed`` turns the noise on, and otherwise the command's
    default applies. The seed is 0 unless given.

    Raises
    ------
    typer.BadParameter
        For ``--no-noise`` with ``--seed`` (a seed of no noise is a mistake).

    """
    if noise is False and seed is not None:
        raise typer.BadParameter("--seed sets the noise streams; leave out --seed or "
                                 "--no-noise", param_hint="--seed")
    on = noise if noise is not None else (seed is not None or default)
    return (0 if seed is None else seed) if on else None


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
    str, typer.Option(help="auto (batch engine, PySD if it cannot), batch or pysd.",
                      metavar="NAME")
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


@contextlib.contextmanager
def run_options(engine: str, chunk_size: int | None, *, local_cluster: int | None = None,
                scheduler: str | None = None,
                run_dir: Path | None = None) -> Iterator[RunOptions]:
    """Yield the RunOptions of --engine, --chunk-size, --local-cluster and --scheduler.

    With a progress bar; a Dask cluster the options ask for is open inside
    the block and closed after it.

    Raises
    ------
    typer.BadParameter
        For both ``--local-cluster`` and ``--scheduler``.

    """
    from sdcluster.engine.options import DEFAULT_CHUNK_SIZE, RunOptions

    with _executor(local_cluster, scheduler) as chosen:
        yield RunOptions(engine=engine, chunk_size=chunk_size or DEFAULT_CHUNK_SIZE,  # type: ignore[arg-type]
                         executor=chosen, progress=True, run_dir=run_dir)


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

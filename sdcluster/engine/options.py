"""How a study runs, apart from what it runs: engine, chunking, executor, progress, run folder.

A spec in :mod:`sdcluster.experiments` says *what* an experiment is (members,
seeds, noise, horizon, parameters); :class:`RunOptions` says *how* it runs.
Nothing here changes a number: the same spec gives the same results with any
options (members draw their noise from their own streams, whatever the
chunking or the workers).

Examples
--------
>>> from sdcluster.engine.options import RunOptions
>>> RunOptions(chunk_size=500, progress=True).engine
'auto'

"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sdcluster.errors import SpecError, did_you_mean
from sdcluster.experiments.counts import check_count
from sdcluster.results.chunks import DEFAULT_CHUNK_SIZE

if TYPE_CHECKING:
    from sdcluster.engine.executors import Executor

__all__ = ["DEFAULT_CHUNK_SIZE", "DEFAULT_OPTIONS", "ENGINES", "Engine", "RunOptions"]

#: Which engine runs the members: the batch engine (PySD where it cannot), or one of them.
Engine = Literal["auto", "batch", "pysd"]
ENGINES: tuple[str, ...] = ("auto", "batch", "pysd")


@dataclass(frozen=True, kw_only=True, eq=False)
class RunOptions:
    """Execution settings of a study.

    Attributes
    ----------
    engine : {"auto", "batch", "pysd"}
        ``"auto"``: the vectorized batch engine, PySD (the engine of record)
        where the batch engine cannot run the model.
    chunk_size : int
        Members per chunk: bounds memory, never changes the numbers.
    executor : Executor or None
        Where chunks run: :class:`~sdcluster.engine.executors.LocalExecutor`
        (None, the default) or an open
        :class:`~sdcluster.engine.executors.DaskExecutor`.
    progress : bool
        Show a progress bar on stderr.
    run_dir : Path or None
        Stream finished chunks to netCDF files in this folder (bounded memory);
        running the same spec again resumes from the chunks already there.
        None: the members are collected in memory.

    Raises
    ------
    SpecError
        If the engine is unknown or the chunk size is not an integer >= 1.

    """

    engine: Engine = "auto"
    chunk_size: int = DEFAULT_CHUNK_SIZE
    executor: Executor | None = None
    progress: bool = False
    run_dir: Path | None = None

    def __post_init__(self) -> None:
        # A plain int: a NumPy integer would change the hash of the run folder's key.
        object.__setattr__(self, "chunk_size",
                           check_count("chunk_size", self.chunk_size))
        if self.engine not in ENGINES:
            raise SpecError(f"engine must be one of {', '.join(ENGINES)}, got "
                            f"{self.engine!r}{did_you_mean(str(self.engine), ENGINES)}")
        if self.run_dir is not None:
            object.__setattr__(self, "run_dir", Path(self.run_dir))


#: The options a study runs with when none are given.
DEFAULT_OPTIONS = RunOptions()

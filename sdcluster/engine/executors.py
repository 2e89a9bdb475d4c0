"""Where ensemble members run: in this process or on a Dask cluster, chunk by chunk.

An ensemble of many members runs as *chunks*: consecutive ranges of global
member ids ``[start, stop)``. A chunk task is any picklable callable
``task(start, stop) -> xarray.Dataset`` whose result has a ``"member"``
dimension; members depend only on their own id, so the chunking never
changes the numbers (see :mod:`sdcluster.engine.noise`).

Executors run the tasks:

* :class:`LocalExecutor` (the default) runs chunks one after the other in
  this process;
* :class:`DaskExecutor` sends them to a Dask distributed cluster: an existing
  scheduler (``address``) or a :class:`distributed.LocalCluster` it starts
  and stops itself (``n_workers``). The task is scattered to the workers
  once; at most a few chunks are in flight per worker, so the client never
  holds more than that many results.

:func:`execute_chunks` drives an executor. Without a store it returns the
chunks concatenated in memory. With a :class:`ChunkStore` (a run folder) it
writes every finished chunk to its own netCDF file at once and keeps nothing
in memory; chunks already in the folder are skipped, so an interrupted run
(Ctrl-C, a killed worker or process) resumes where it stopped. Every file is
written to a temporary name and renamed into place, so the folder never holds
half a chunk.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import numbers
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import xarray as xr
from tqdm import tqdm

from sdcluster.errors import ResultsFileError, SpecError, WorkerLostError
from sdcluster.results.atomic import write_atomically
from sdcluster.results.dataset import MEMBER_DIM
from sdcluster.results.netcdf_names import decode_names, encode_names

__all__ = [
    "Chunk",
    "ChunkStore",
    "ChunkTask",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "execute_chunks",
    "plan_chunks",
]

#: A chunk task: global member ids ``[start, stop)`` -> Dataset with a "member" dim.
ChunkTask = Callable[[int, int], xr.Dataset]

logger = logging.getLogger(__name__)

_MANIFEST = "ensemble.json"
# Manifest keys: who wrote it, and whether the run created the folder.
_WRITTEN_BY, _CREATED_FOLDER = "written_by", "created_folder"
_CHUNK_FILE = re.compile(r"chunk-(\d{6,})-([0-9a-f]{16})\.nc\Z")
# netCDF cannot name a variable with '/', and reserves leading underscores.


@dataclass(frozen=True)
class Chunk:
    """One range of global member ids.

    Attributes
    ----------
    index : int
        Position of the chunk in the ensemble (0, 1, ...).
    start, stop : int
        The members ``start, ..., stop - 1``.

    """

    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        """Return the number of members in the chunk."""
        return self.stop - self.start


def plan_chunks(n_members: int, chunk_size: int) -> tuple[Chunk, ...]:
    """Split members ``0 .. n_members - 1`` into chunks of ``chunk_size`` (the last may be short).

    Raises
    ------
    SpecError
        If either number is not a positive integer.

    """
    for name, value in (("n_members", n_members), ("chunk_size", chunk_size)):
        # numbers.Integral: NumPy integers too.
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise SpecError(f"{name} must be a positive integer, got {value!r}")
    n_members, chunk_size = int(n_members), int(chunk_size)
    return tuple(
        Chunk(index, start, min(start + chunk_size, n_members))
        for index, start in enumerate(range(0, n_members, chunk_size))
    )


class Executor(Protocol):
    """Runs chunk tasks and yields each chunk's dataset as it finishes (in any order)."""

    def map_chunks(self, task: ChunkTask,
                   chunks: Sequence[Chunk]) -> Iterator[tuple[Chunk, xr.Dataset]]:
        """Yield ``(chunk, task(chunk.start, chunk.stop))`` for every chunk."""
        ...


class LocalExecutor:
    """Run chunks one after the other in this process (the default executor)."""

    def __repr__(self) -> str:
        return "LocalExecutor()"

    def map_chunks(self, task: ChunkTask,
                   chunks: Sequence[Chunk]) -> Iterator[tuple[Chunk, xr.Dataset]]:
        """Yield ``(chunk, task(chunk.start, chunk.stop))`` in chunk order."""
        for chunk in chunks:
            yield chunk, task(chunk.start, chunk.stop)


def _call_task(task: ChunkTask, start: int, stop: int) -> xr.Dataset:
    return task(start, stop)


class DaskExecutor:
    """Run chunks on a Dask distributed cluster.

    Use it as a context manager (or call :meth:`close`): the client, and the
    local cluster if this executor started one, are closed on exit.

    Parameters
    ----------
    address : str, optional
        Address of a running scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    n_workers : int, optional
        Start a :class:`distributed.LocalCluster` with this many workers
        instead (one thread each).
    processes : bool
        Whether the local cluster's workers are processes (True) or threads
        of this process (False: quick to start, used by the tests).
    in_flight_per_worker : int
        Chunks submitted ahead per worker; bounds the memory of results
        waiting on the client.

    Raises
    ------
    SpecError
        If both or neither of ``address`` and ``n_workers`` are given.

    """

    def __init__(self, address: str | None = None, *, n_workers: int | None = None,
                 processes: bool = True, in_flight_per_worker: int = 2) -> None:
        if (address is None) == (n_workers is None):
            raise SpecError("DaskExecutor: give either a scheduler address or n_workers")
        if n_workers is not None and n_workers < 1:
            raise SpecError(f"DaskExecutor: n_workers must be at least 1, got {n_workers}")
        self.address = address
        self.n_workers = n_workers
        self.processes = processes
        self.in_flight_per_worker = max(1, in_flight_per_worker)
        self._cluster: Any = None
        self._client: Any = None
        self._log_level = logging.NOTSET

    def __repr__(self) -> str:
        where = self.address or f"LocalCluster({self.n_workers} workers)"
        return f"DaskExecutor({where})"

    def __enter__(self) -> DaskExecutor:
        self.client()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is None:
            self.close()
            return
        # Leaving on an error (Ctrl-C, a lost worker): that error is the one to report,
        # not one the shutdown of a half-stopped cluster raises.
        with contextlib.suppress(Exception):
            self.close()

    def client(self) -> Any:
        """Return the Dask client, connecting (or starting the local cluster) on first use."""
        if self._client is None:
            distributed = _distributed()
            if self.address is None:
                # This executor owns the local cluster and reports its failures itself
                # (a lost worker is one WorkerLostError), not as the scheduler's log lines.
                self._log_level = logging.getLogger("distributed").level
                logging.getLogger("distributed").setLevel(logging.CRITICAL)
                with _workers_ignore_ctrl_c():
                    self._cluster = distributed.LocalCluster(
                        n_workers=self.n_workers, threads_per_worker=1,
                        processes=self.processes, dashboard_address=None,
                    )
                self._client = distributed.Client(self._cluster, set_as_default=False)
            else:
                try:
                    self._client = distributed.Client(self.address, set_as_default=False,
                                                      timeout="10s")
                except OSError as error:
                    raise SpecError(
                        f"cannot reach the Dask scheduler at {self.address} ({error})"
                    ) from None
        return self._client

    def close(self) -> None:
        """Close the client and the local cluster this executor started."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
            logging.getLogger("distributed").setLevel(self._log_level)

    def map_chunks(self, task: ChunkTask,
                   chunks: Sequence[Chunk]) -> Iterator[tuple[Chunk, xr.Dataset]]:
        """Yield ``(chunk, dataset)`` as chunks finish on the workers."""
        if not chunks:
            return
        client = self.client()
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        limit = workers * self.in_flight_per_worker
        scattered = client.scatter(task, broadcast=True, hash=False)
        pending = iter(chunks)
        by_key: dict[str, Chunk] = {}

        def submit(chunk: Chunk) -> Any:
            future = client.submit(_call_task, scattered, chunk.start, chunk.stop, pure=False)
            by_key[future.key] = chunk
            return future

        running = _distributed().as_completed([submit(c) for c in _take(pending, limit)],
                                              loop=client.loop)
        try:
            for future in running:
                chunk = by_key.pop(future.key)
                dataset = _chunk_result(future, chunk)
                future.release()
                for extra in _take(pending, 1):
                    running.add(submit(extra))
                yield chunk, dataset
        finally:
            _cancel_all(client, running)


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Start worker processes that ignore SIGINT (an ignored signal stays ignored in children).

    Ctrl-C reaches the whole process group: the workers would each print a
    traceback while this process, which owns the cluster, stops it and reports
    one line.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _chunk_result(future: Any, chunk: Chunk) -> xr.Dataset:
    """Return a chunk's dataset; a chunk lost with its worker is a WorkerLostError."""
    from concurrent.futures import CancelledError

    killed = _distributed().KilledWorker
    try:
        return future.result()  # type: ignore[no-any-return]
    except (CancelledError, killed) as error:
        raise WorkerLostError(
            f"chunk {chunk.index} (members {chunk.start} to {chunk.stop - 1}) was lost: the "
            f"Dask worker running it stopped ({type(error).__name__})"
        ) from None


def _cancel_all(client: Any, running: Any) -> None:
    """Cancel the futures still running, whatever state the client is in (Ctrl-C, shutdown).

    The futures are copied under ``as_completed``'s lock: its event-loop thread
    changes the collection while this runs.
    """
    with running.lock:
        futures = list(running.futures)
    with contextlib.suppress(Exception):
        client.cancel(futures)


def _distributed() -> Any:
    # Imported on use: distributed is slow to import and untyped.
    import importlib

    return importlib.import_module("distributed")


def _take(items: Iterator[Chunk], count: int) -> list[Chunk]:
    taken = []
    for item in items:
        taken.append(item)
        if len(taken) >= count:
            break
    return taken


class ChunkStore:
    """A run folder: one netCDF file per finished chunk, named by chunk index and spec hash.

    File names are ``chunk-<index>-<key>.nc`` where ``key`` is the first 16
    hex digits of a hash of everything that determines the members' values
    (see :func:`spec_key`). Files of another key (another spec) in the same
    folder are ignored, never mixed in. ``ensemble.json`` records the spec
    the key stands for.

    Parameters
    ----------
    folder : str or PathLike
        The run folder; created if missing.
    key : str
        16 hex digits naming this spec's chunks.
    manifest : Mapping, optional
        What the key stands for, written to ``ensemble.json`` (JSON-able).

    Raises
    ------
    ResultsFileError
        If the folder cannot be created or written.

    """

    def __init__(self, folder: str | os.PathLike[str], key: str,
                 manifest: Mapping[str, Any] | None = None) -> None:
        if not re.fullmatch(r"[0-9a-f]{16}", key):
            raise ValueError(f"chunk store key must be 16 hex digits, got {key!r}")
        self.folder = Path(folder)
        self.key = key
        self._verified: set[int] | None = None
        created = not self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ResultsFileError(
                f"{self.folder}: cannot create the run folder ({error.strerror or error})"
            ) from None
        self._remove_temporaries()
        if manifest is not None:
            self._write_manifest(manifest, created)

    def _write_manifest(self, manifest: Mapping[str, Any], created: bool) -> None:
        path = self.folder / _MANIFEST
        previous = _own_manifest(path)
        if path.exists() and previous is None:
            raise ResultsFileError(
                f"{path}: this file was not written by sdcluster; refusing to overwrite it "
                "(expected a new or an sdcluster run folder for --run-dir)"
            )
        # The folder is sdcluster's to delete only if a run of it created the folder.
        created = created or bool((previous or {}).get(_CREATED_FOLDER))
        text = json.dumps({"key": self.key, _WRITTEN_BY: "sdcluster", _CREATED_FOLDER: created,
                           **manifest}, indent=2, sort_keys=True, default=str)
        write_atomically(path, lambda target: target.write_text(text))

    def __repr__(self) -> str:
        return f"ChunkStore({str(self.folder)!r}, key={self.key!r})"

    def path(self, chunk: Chunk) -> Path:
        """Return the file of one chunk."""
        return self._file(chunk.index)

    def _file(self, index: int) -> Path:
        return self.folder / f"chunk-{index:06d}-{self.key}.nc"

    def finished(self) -> set[int]:
        """Return the indices of the chunks of this key already in the folder."""
        done = set()
        for file in self.folder.iterdir():
            match = _CHUNK_FILE.match(file.name)
            if match and match.group(2) == self.key:
                done.add(int(match.group(1)))
        return done

    def files(self, chunks: Iterable[Chunk]) -> list[Path]:
        """Return the files of ``chunks``, in order.

        Raises
        ------
        ResultsFileError
            If a chunk has no file yet.

        """
        paths = [self.path(chunk) for chunk in chunks]
        missing = [p.name for p in paths if not p.is_file()]
        if missing:
            raise ResultsFileError(f"{self.folder}: chunks not finished: {', '.join(missing[:5])}")
        return paths

    def write(self, chunk: Chunk, dataset: xr.Dataset) -> Path:
        """Write one chunk's dataset to its file, atomically."""
        target = self.path(chunk)
        encoded = encode_names(dataset)
        write_atomically(target, lambda path: encoded.to_netcdf(path, engine="netcdf4"))
        return target

    def open(self, chunks: Sequence[Chunk]) -> xr.Dataset:
        """Open the chunks' files as one lazy (Dask-backed) dataset along ``"member"``."""
        files = self.files(chunks)
        try:
            combined = xr.open_mfdataset(
                files, combine="nested", concat_dim=MEMBER_DIM, data_vars="minimal",
                coords="minimal", compat="override", join="exact", engine="netcdf4",
                parallel=False, combine_attrs="override",
            )
        except (OSError, ValueError) as error:
            raise ResultsFileError(
                f"{self.folder}: cannot open the chunk files ({error})"
            ) from None
        return decode_names(combined)

    def verified(self, chunks: Iterable[Chunk]) -> set[int]:
        """Return the indices of ``chunks`` whose files are complete and hold their members.

        A chunk file that cannot be read, or holds other members than its
        chunk's, is removed (it is this key's file, written by sdcluster) so
        the chunk runs again.
        """
        if self._verified is None:
            finished = self.finished()
            good = set()
            for chunk in chunks:
                if chunk.index not in finished:
                    continue
                problem = _chunk_problem(self.path(chunk), chunk)
                if problem is None:
                    good.add(chunk.index)
                    continue
                logger.warning("%s is damaged (%s); running chunk %d again",
                               self.path(chunk).name, problem, chunk.index)
                with contextlib.suppress(FileNotFoundError):
                    self.path(chunk).unlink()
            self._verified = good
        return set(self._verified)

    def remove(self) -> None:
        """Delete this key's chunk files and its manifest; the folder if sdcluster created it.

        Nothing else is deleted: not a file sdcluster did not write, not a
        folder the user made.
        """
        for index in self.finished():
            with contextlib.suppress(FileNotFoundError):
                self._file(index).unlink()
        self._remove_manifest()

    def discard_if_empty(self) -> None:
        """After a failed run: remove the manifest and the folder if no chunk was finished."""
        if not self.finished():
            self._remove_manifest()

    def _remove_manifest(self) -> None:
        path = self.folder / _MANIFEST
        own = _own_manifest(path)
        if own is None or own.get("key") != self.key:
            return
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        if own.get(_CREATED_FOLDER):
            with contextlib.suppress(OSError):
                self.folder.rmdir()  # only if empty

    def _remove_temporaries(self) -> None:
        # Left by a process killed while writing (write_atomically names them
        # ".<target name>.<random>.tmp"); never a finished chunk.
        for pattern in (".chunk-*.tmp", f".{_MANIFEST}.*.tmp"):
            for file in self.folder.glob(pattern):
                with contextlib.suppress(FileNotFoundError):
                    file.unlink()


def _own_manifest(path: Path) -> dict[str, Any] | None:
    """Return the manifest at ``path`` if sdcluster wrote it, else ``None``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not re.fullmatch(r"[0-9a-f]{16}", str(data.get("key"))):
        return None
    # Manifests written before the marker existed hold the spec's chunk size and seed.
    legacy = {"chunk_size", "n_members", "seed"} <= set(data)
    return data if data.get(_WRITTEN_BY) == "sdcluster" or legacy else None


def _chunk_problem(path: Path, chunk: Chunk) -> str | None:
    """Return what is wrong with a chunk file, or ``None`` if it is complete and right."""
    import numpy as np

    try:
        with xr.open_dataset(path, engine="netcdf4") as stored:
            members = stored[MEMBER_DIM].values if MEMBER_DIM in stored.coords else None
            for variable in stored.data_vars.values():
                variable.load()  # every value readable
    except Exception as error:  # a damaged file fails in netCDF4/HDF5 in many ways
        return f"unreadable: {type(error).__name__}"
    expected = np.arange(chunk.start, chunk.stop)
    if members is None or members.shape != expected.shape or not (members == expected).all():
        return f"expected members {chunk.start} to {chunk.stop - 1}"
    return None


def spec_key(description: Mapping[str, Any], *extra: bytes) -> str:
    """Return 16 hex digits hashing a JSON-able description and extra bytes (e.g. arrays)."""
    digest = hashlib.sha256(json.dumps(description, sort_keys=True, default=str).encode())
    for blob in extra:
        digest.update(hashlib.sha256(blob).digest())
    return digest.hexdigest()[:16]


def execute_chunks(
    task: ChunkTask,
    chunks: Sequence[Chunk],
    *,
    executor: Executor | None = None,
    store: ChunkStore | None = None,
    progress: bool = False,
) -> xr.Dataset | None:
    """Run ``task`` on every chunk.

    Parameters
    ----------
    task : ChunkTask
        ``task(start, stop)`` returns the members ``start .. stop - 1``;
        picklable when the executor is a :class:`DaskExecutor`.
    chunks : sequence of Chunk
        The chunks, from :func:`plan_chunks`.
    executor : Executor, optional
        Where to run; :class:`LocalExecutor` by default.
    store : ChunkStore, optional
        Write each finished chunk to this run folder (and skip chunks it
        already holds) instead of collecting them in memory.
    progress : bool
        Show a progress bar over chunks on stderr.

    Returns
    -------
    xarray.Dataset or None
        Without a store, the chunks concatenated along ``"member"`` in chunk
        order; with a store, ``None`` (open the files with
        :meth:`ChunkStore.open`).

    """
    runner = executor if executor is not None else LocalExecutor()
    done = store.verified(chunks) if store is not None else set()
    todo = [chunk for chunk in chunks if chunk.index not in done]
    collected: dict[int, xr.Dataset] = {}
    with tqdm(total=len(chunks), initial=len(chunks) - len(todo), desc="chunks", unit="chunk",
              file=sys.stderr, disable=not progress) as bar:
        for chunk, dataset in runner.map_chunks(task, todo):
            if store is not None:
                store.write(chunk, dataset)
            else:
                collected[chunk.index] = dataset
            bar.update(1)
    if store is not None:
        return None
    parts = [collected[chunk.index] for chunk in chunks]
    return xr.concat(parts, dim=MEMBER_DIM, data_vars="minimal", coords="minimal",
                     compat="override", join="exact", combine_attrs="override")

"""Where ensemble members run: in this process or on a Dask cluster, chunk by chunk.

An ensemble of many members runs as *chunks*: consecutive ranges of global
member ids ``[start, stop)``. A chunk task is any picklable callable
``task(start, stop) -> xarray.Dataset`` whose result has a ``"member"``
dimension; members depend only on their own id, so the chunking never
changes the numbers (see :mod:`sdcluster.experiments.noise`).

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
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, Protocol

import xarray as xr
from tqdm import tqdm

from sdcluster.errors import SpecError, WorkerLostError
from sdcluster.experiments.counts import check_count
from sdcluster.results.chunks import Chunk, ChunkStore
from sdcluster.results.dataset import MEMBER_DIM

__all__ = ["ChunkTask", "DaskExecutor", "Executor", "LocalExecutor", "execute_chunks"]

#: A chunk task: global member ids ``[start, stop)`` -> Dataset with a "member" dim.
ChunkTask = Callable[[int, int], xr.Dataset]

logger = logging.getLogger(__name__)



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
        if n_workers is not None:
            n_workers = check_count("n_workers", n_workers, context="DaskExecutor: ")
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

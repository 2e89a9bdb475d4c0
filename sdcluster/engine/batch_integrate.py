"""The batch engine's integration loops: Euler over chunks of members, NumPy or Numba.

:class:`~sdcluster.engine.batch.BatchModel` checks a run's arguments, picks
the compiled code (:mod:`sdcluster.engine.batch_codegen`, and
:mod:`sdcluster.engine.batch_numba` for the Numba backend) and hands it here
with the members' values and input series. The members are split into
chunks of equal size (:func:`even_chunks`); each chunk is initialized and
integrated as PySD does, ``state = state + derivative * dt`` at every time
step, and the saved values of every chunk are gathered into arrays of shape
``(n_members, n_saved)`` per output. The chunking only bounds memory: a
member's values depend on its own parameters and inputs alone.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sdcluster.engine.batch_codegen import CompiledRun
from sdcluster.engine.batch_numba import NumbaRun
from sdcluster.engine.batch_plan import Plan
from sdcluster.engine.batch_schedule import TimeSchedule
from sdcluster.errors import SimulationError, UnsupportedConstructError

__all__ = ["even_chunks", "run_numba", "run_numpy"]

FloatArray = NDArray[np.float64]


def even_chunks(n: int, most: int) -> list[slice]:
    """Split ``n`` members into the fewest chunks of at most ``most``, sizes within one.

    A short last chunk would cost a whole step's overhead for few members.
    """
    count = -(-n // most)
    bounds = [n * i // count for i in range(count + 1)]
    return [slice(start, stop) for start, stop in itertools.pairwise(bounds)]


def run_numpy(
    plan: Plan,
    compiled: CompiledRun,
    values: dict[str, Any],
    series: dict[str, Any],
    schedule: TimeSchedule,
    chunks: list[slice],
    outputs: tuple[str, ...],
) -> dict[str, FloatArray]:
    """Run the chunks with the NumPy step functions.

    Parameters
    ----------
    plan
        The translated model.
    compiled
        The step functions for this choice of inputs and outputs.
    values
        Node name → the value of every constant and control variable: a
        NumPy scalar, or one value per member, shape ``(N,)``.
    series
        Node name → an input series, time-major ``(T, N)`` or shared ``(T,)``.
    schedule
        The run's time grid and saving times.
    chunks
        Consecutive member ranges covering ``0 .. N - 1`` (:func:`even_chunks`).
    outputs
        The node names to return.

    Returns
    -------
    dict of str to ndarray
        Model name → array of shape ``(N, n_saved)``; views of one buffer,
        and read-only broadcast views for values that do not change.

    Raises
    ------
    SimulationError
        If the equations raise an arithmetic error (literal-only arithmetic).

    """
    n = chunks[-1].stop
    buffer = np.empty((len(compiled.dynamic_outputs), int(schedule.saved.sum()), n))

    def integrate(members: slice) -> dict[str, Any]:
        return _integrate_chunk(
            plan,
            compiled,
            {name: _slice(value, members) for name, value in values.items()},
            {name: value[:, members] if value.ndim == 2 else value
             for name, value in series.items()},
            schedule,
            buffer[:, :, members],
        )

    constants = _static_outputs(integrate, chunks, outputs, compiled.dynamic_outputs)
    return _gather(plan, outputs, compiled.dynamic_outputs, lambda j: buffer[j].T, constants,
                   (buffer.shape[2], buffer.shape[1]))


def _integrate_chunk(
    plan: Plan,
    compiled: CompiledRun,
    values: dict[str, Any],
    series: dict[str, Any],
    schedule: TimeSchedule,
    buffer: FloatArray,
) -> dict[str, Any]:
    """Integrate the members of one chunk; fill ``buffer``, return static values."""
    dt = schedule.time_step
    # NumPy scalars rather than Python floats: a division by zero gives inf or
    # NaN, as with arrays, instead of raising ZeroDivisionError.
    times = list(schedule.times)
    saved = schedule.saved.tolist()
    state = np.zeros((plan.n_rows, buffer.shape[2]))
    derivative = np.zeros_like(state)
    clamped = [s.row for s in plan.states if s.non_negative]
    with np.errstate(all="ignore"), _arithmetic_errors(Path(plan.source_path), times):
        static = compiled.init(values, state, series, times[0], dt)
        fast, save = compiled.build(static, state, derivative, series, buffer, dt)
        slot = 0
        for k in range(len(times) - 1):
            if saved[k]:
                save(times[k], k, slot)
                slot += 1
            else:
                fast(times[k], k)
            # PySD's Euler step: state + ddt * dt, for every state at once.
            # The step code rewrites every row of the derivatives, so
            # ddt * dt can overwrite them (less memory to touch).
            np.multiply(derivative, dt, out=derivative)
            np.add(state, derivative, out=state)
            for row in clamped:
                np.maximum(state[row], 0, out=state[row])
        if saved[-1]:
            save(times[-1], len(times) - 1, slot)
    return static


def run_numba(
    plan: Plan,
    run: NumbaRun,
    compiled: CompiledRun,
    values: dict[str, Any],
    series: dict[str, Any],
    schedule: TimeSchedule,
    chunks: list[slice],
    outputs: tuple[str, ...],
    threads: int = 1,
) -> dict[str, FloatArray]:
    """Run the chunks with Numba's compiled run.

    Parameters
    ----------
    plan, values, schedule, chunks, outputs
        As for :func:`run_numpy`.
    run
        The compiled run for this choice of inputs and outputs.
    compiled
        The NumPy step functions, whose initialization computes the static
        values and initial states.
    series
        Node name → an input series, member-major ``(N, T)`` or shared ``(T,)``.
    threads
        Threads that integrate a chunk's members side by side (the compiled
        run releases the GIL); a member's values never depend on it.

    Returns
    -------
    dict of str to ndarray
        As for :func:`run_numpy`.

    Raises
    ------
    UnsupportedConstructError
        If a static value is complex (the compiled run holds real numbers only).
    SimulationError
        If the initialization raises an arithmetic error.

    """
    n = chunks[-1].stop
    # Member-major, as the compiled run writes it: (N, n_outputs, n_saved).
    buffer = np.empty((n, len(run.dynamic_outputs), int(schedule.saved.sum())))

    def integrate(members: slice) -> dict[str, Any]:
        return _integrate_numba_chunk(
            plan,
            run,
            compiled,
            {name: _slice(value, members) for name, value in values.items()},
            {name: value[members] if value.ndim == 2 else value
             for name, value in series.items()},
            schedule,
            buffer[members],
            threads,
        )

    constants = _static_outputs(integrate, chunks, outputs, run.dynamic_outputs)
    return _gather(plan, outputs, run.dynamic_outputs, lambda j: buffer[:, j], constants,
                   (n, buffer.shape[2]))


def _static_outputs(
    integrate: Callable[[slice], dict[str, Any]],
    chunks: list[slice],
    outputs: tuple[str, ...],
    dynamic_outputs: tuple[str, ...],
) -> dict[str, FloatArray]:
    """Integrate every chunk; return the outputs that do not change, one value per member."""
    n = chunks[-1].stop
    static_outputs = [node for node in outputs if node not in dynamic_outputs]
    constants = {node: np.empty(n) for node in static_outputs}
    for members in chunks:
        static = integrate(members)
        for node in static_outputs:
            constants[node][members] = static[node]
    return constants


def _gather(
    plan: Plan,
    outputs: tuple[str, ...],
    dynamic_outputs: tuple[str, ...],
    saved: Callable[[int], FloatArray],
    constants: dict[str, FloatArray],
    shape: tuple[int, int],
) -> dict[str, FloatArray]:
    """Name the outputs: ``saved(j)`` for the ``j``-th dynamic one, broadcast constants else."""
    names = {info.node: info.vensim_name for info in plan.variables}
    position = {node: j for j, node in enumerate(dynamic_outputs)}
    result: dict[str, FloatArray] = {}
    for node in outputs:
        if node in position:
            result[names[node]] = saved(position[node])
        else:
            result[names[node]] = np.broadcast_to(constants[node][:, None], shape)
    return result


def _integrate_numba_chunk(
    plan: Plan,
    run: NumbaRun,
    compiled: CompiledRun,
    values: dict[str, Any],
    series: dict[str, Any],
    schedule: TimeSchedule,
    out: FloatArray,
    threads: int = 1,
) -> dict[str, Any]:
    """Integrate one chunk with the compiled run; fill ``out``, return static values."""
    path = Path(plan.source_path)
    n = out.shape[0]
    times = schedule.times
    state = np.zeros((plan.n_rows, n))
    # The NumPy backend's initialization (static values, initial states, delay
    # checks) reads row 0 of time-major series.
    first = {name: value.T if value.ndim == 2 else value for name, value in series.items()}
    with np.errstate(all="ignore"), _arithmetic_errors(path, (times[0], times[-1])):
        static = compiled.init(values, state, first, times[0], schedule.time_step)
    bound = np.empty((n, len(run.static_names)))  # a member's values side by side
    for column, name in enumerate(run.static_names):
        if np.iscomplexobj(static[name]):
            raise UnsupportedConstructError(
                f"{path.name}: {plan.element_of_node.get(name, name)!r} is a "
                "complex number; only the NumPy backend computes with those"
            )
        bound[:, column] = static[name]
    given = [series[name] if series[name].ndim == 2 else series[name][None, :]
             for name in run.input_names]

    def block(members: slice) -> None:
        # Member rows of every (N, ...) array; shared (1, T) series go whole.
        run.run(bound[members], np.ascontiguousarray(state[:, members]),
                *(x[members] if x.shape[0] == n else x for x in given),
                times, schedule.saved, float(schedule.time_step), out[members])

    enough = n >= threads * MEMBERS_PER_THREAD
    blocks = even_chunks(n, -(-n // threads)) if enough else [slice(0, n)]
    if len(blocks) == 1:
        block(blocks[0])
    else:
        with ThreadPoolExecutor(len(blocks)) as pool:
            list(pool.map(block, blocks))
    return static


#: Fewer members than this per thread are integrated in one thread: starting
#: threads would cost more than it saves.
MEMBERS_PER_THREAD = 64


def default_threads() -> int:
    """Return how many threads the compiled run uses by default.

    The cores this process may run on, but one inside a Dask worker: the
    executor already runs one worker per core (``threads_per_worker=1``).
    """
    if "distributed" in sys.modules:  # imported by every Dask worker
        from distributed import get_worker

        try:
            get_worker()
        except ValueError:
            pass
        else:
            return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def _arithmetic_errors(path: Path, times: Sequence[Any]) -> Iterator[None]:
    # Literal-only arithmetic (e.g. 1/(2-2)) still runs on Python numbers.
    try:
        yield
    except ArithmeticError as error:
        raise SimulationError(
            f"{path.name}: arithmetic error in the model's equations ({error}) "
            f"during the run from time {float(times[0])!r} to {float(times[-1])!r}"
        ) from error


def _slice(value: Any, members: slice) -> Any:
    return value[members] if isinstance(value, np.ndarray) else value

"""Vectorized stand-ins for PySD's built-in functions, used by generated code.

Every function here takes NumPy arrays of shape ``(N,)`` (one value per
ensemble member) or Python scalars, and reproduces, element by element, the
arithmetic of the matching function in ``pysd.py_backend.functions`` and
``pysd.py_backend.lookups`` (PySD 3.14): same operations in the same order, so
results agree with PySD to the last bit or within one rounding.

Where PySD's scalar code evaluates only one branch (``IF THEN ELSE``, ``XIDZ``,
``ZIDZ``), the vectorized code evaluates both and selects with
:func:`numpy.where`; the batch engine runs under ``numpy.errstate(all="ignore")``
so that the unused branch cannot warn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sdcluster.errors import SimulationError, UnsupportedConstructError

#: What Vensim, and PySD, treat as zero (``pysd.py_backend.functions.SMALL_VENSIM``).
SMALL_VENSIM = 1e-6

Value = Any  # a float, a bool or an ndarray of shape (N,): kept loose on purpose


def if_then_else(condition: Value, if_true: Value, if_false: Value) -> Value:
    """Return ``if_true`` where ``condition`` holds, else ``if_false`` (IF THEN ELSE)."""
    return np.where(condition, if_true, if_false)


def xidz(numerator: Value, denominator: Value, fallback: Value) -> Value:
    """Divide, returning ``fallback`` where ``|denominator| < 1e-6`` (XIDZ)."""
    quotient = np.divide(numerator, denominator)  # never ZeroDivisionError, even for scalars
    if (
        type(quotient) is np.ndarray
        and type(denominator) is np.ndarray
        and denominator.shape == quotient.shape
        and not (type(fallback) is np.ndarray and fallback.ndim)
    ):
        # Same values as np.where, cheaper: usually no denominator is near
        # zero (e.g. all are positive), which one reduction shows; otherwise
        # the fallback is filled in place (a NaN minimum takes that path too).
        if denominator.min() >= SMALL_VENSIM:
            return quotient
        np.copyto(quotient, fallback, where=np.abs(denominator) < SMALL_VENSIM)
        return quotient
    return np.where(np.abs(denominator) < SMALL_VENSIM, fallback, quotient)


def zidz(numerator: Value, denominator: Value) -> Value:
    """Divide, returning 0 where ``|denominator| < 1e-6`` (ZIDZ)."""
    return xidz(numerator, denominator, 0)


def integer(value: Value) -> Value:
    """Truncate towards zero, as PySD's ``int(x)`` does (INTEGER)."""
    return np.trunc(value)


def quantum(value: Value, quantum_size: Value) -> Value:
    """Round towards zero to a multiple of ``quantum_size`` (QUANTUM)."""
    return np.where(
        quantum_size < SMALL_VENSIM, value, quantum_size * np.trunc(value / quantum_size)
    )


def modulo(value: Value, divisor: Value) -> Value:
    """Vensim's MODULO: ``value - QUANTUM(value, divisor)``."""
    return value - quantum(value, divisor)


def step(time: float, time_step: float, height: Value, step_time: Value) -> Value:
    """STEP: ``height`` from ``step_time`` on (half a time step early, as PySD)."""
    return height * (time + time_step / 2 > step_time)


def ramp(time: float, slope: Value, start: Value, finish: Value | None = None) -> Value:
    """RAMP: zero before ``start``, then rising with ``slope`` until ``finish``."""
    final = time if finish is None else np.minimum(finish, time)
    return (time + SMALL_VENSIM > start) * slope * (final - start)


def pulse(
    time: float,
    time_step: float,
    start: Value,
    *,
    repeat_time: Value = 0,
    width: Value | None = None,
    magnitude: Value | None = None,
    end: Value | None = None,
) -> Value:
    """PULSE, PULSE TRAIN and XMILE's PULSE, vectorized over members.

    Mirrors ``pysd.py_backend.functions.pulse``: a single pulse where
    ``repeat_time`` is 0, a train otherwise.
    """
    width = 0.5 * time_step if width is None else width
    height = magnitude / time_step if magnitude is not None else 1
    single = np.where((start - SMALL_VENSIM <= time) & (time < start + width), height, 0)
    if np.all(np.equal(repeat_time, 0)):
        return single
    active = start <= time
    if end is not None:
        active = active & (time < end)
    in_pulse = np.remainder(time - start + SMALL_VENSIM, repeat_time) < width
    train = np.where(active & in_pulse, height, 0)
    return np.where(np.equal(repeat_time, 0), single, train)


def make_lookup(
    x: NDArray[np.float64], y: NDArray[np.float64], method: str
) -> Callable[[Value], Value]:
    """Return a vectorized lookup function with PySD's semantics for ``method``.

    Parameters
    ----------
    x, y
        Points of the table, ``x`` sorted ascending.
    method
        ``"interpolate"`` (linear inside, flat outside: Vensim tables),
        ``"extrapolate"`` (linear outside too: XMILE) or ``"hold_backward"``
        (step function: XMILE discrete tables).

    Returns
    -------
    Callable
        Function of one argument, a scalar or an array.

    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if method == "interpolate":
        return lambda value: np.interp(value, x, y)
    if method == "hold_backward":
        last = len(x) - 1
        return lambda value: y[np.clip(np.searchsorted(x, value, side="right") - 1, 0, last)]
    return _extrapolating_lookup(x, y)


def _extrapolating_lookup(
    x: NDArray[np.float64], y: NDArray[np.float64]
) -> Callable[[Value], Value]:
    # PySD's Lookups._call: slope of the first or last segment, as Python floats.
    slope_low = float((y[1] - y[0]) / (x[1] - x[0]))
    slope_high = float((y[-1] - y[-2]) / (x[-1] - x[-2]))
    x_low, x_high, y_low, y_high = float(x[0]), float(x[-1]), float(y[0]), float(y[-1])

    def lookup(value: Value) -> Value:
        inside = np.interp(value, x, y)
        below = y_low + slope_low * (value - x_low)
        above = y_high + slope_high * (value - x_high)
        return np.where(value > x_high, above, np.where(value < x_low, below, inside))

    return lookup


def pysd_table_values(values: Any) -> NDArray[np.float64]:
    """Return table points as PySD's builder writes them into model code.

    PySD prints table points with :func:`numpy.array2string` (8 digits after
    the point) and reads them back, so its tables carry that rounding; the
    batch engine applies the same rounding to stay equal to PySD.
    """
    array = np.array(values, dtype=np.float64)
    text = np.array2string(array, separator=",", threshold=max(len(array), 1))
    namespace = {"nan": math.nan, "inf": math.inf}
    return np.array(eval(text, {"__builtins__": {}}, namespace), dtype=np.float64)


def full_array(size: int, value: Value) -> Value:
    """Return ``value`` as an array of ``size`` members, unless it is one already.

    NumPy's ``minimum`` and ``maximum`` run about twice as fast on two full
    arrays as on an array and a scalar, with the same results.
    """
    if isinstance(value, np.ndarray) and value.ndim:
        return value
    return np.full(size, value)


def unchanged(values: tuple[Value, ...], previous: tuple[Value, ...] | None) -> bool:
    """Tell whether each value is the previous one's to the bit (type, dtype, shape, bytes).

    The step code recomputes what depends on STEP, PULSE and RAMP values
    only when this is false.
    """
    if previous is None:
        return False
    for value, old in zip(values, previous, strict=True):
        array, old_array = np.asarray(value), np.asarray(old)
        if (
            type(value) is not type(old)
            or array.dtype != old_array.dtype
            or array.shape != old_array.shape
            or array.tobytes() != old_array.tobytes()
        ):
            return False
    return True


def check_delay_order(order: int, time_step: float, delay_time: Value, element: str) -> None:
    """Refuse delays shorter than ``order * TIME STEP``.

    PySD lowers the order of such a delay (with a warning), member by member;
    a batch of members cannot have different orders, so the engine stops.

    Raises
    ------
    SimulationError
        If any member's delay time is below ``order * time_step``.

    """
    if order * time_step > np.min(delay_time):
        raise SimulationError(
            f"delay in {element!r}: delay time {np.min(delay_time)!r} is shorter than "
            f"order * TIME STEP = {order * time_step!r}; PySD would lower the delay order, "
            "the vectorized engine does not: use the PySD runner or a longer delay time"
        )


def check_order(order: Value, planned: int, element: str, construct: str) -> None:
    """Refuse members whose SMOOTH N or DELAY N order is not the model's.

    The order is the number of stages, and so of the state matrix's rows,
    which the translation fixed at the model's value of the order constant;
    a member with another order would need other rows.

    Raises
    ------
    UnsupportedConstructError
        If any member's order, as PySD uses it (DELAY N truncates it), is
        not ``planned``.

    """
    value = np.asarray(order)
    used = np.trunc(value) if construct == "DELAY N" else value
    if not np.all(used == planned):
        other = value[used != planned].flat[0] if value.ndim else value
        raise UnsupportedConstructError(
            f"not supported by the vectorized engine: {construct} in {element!r} with the order "
            f"{float(other)!r} in a member: it runs the model's order ({planned}) only, which "
            "fixes the number of stages; run it with the PySD runner instead"
        )


def fixed_length(delay_time: Value, time_step: float) -> Value:
    """Return a DELAY FIXED's number of slots as PySD's ``DelayFixed.initialize`` rounds it.

    ``round(max(delay_time / time_step, 1) + SMALL_VENSIM)``: the small
    addition rounds a half up; rint rounds half to even, as Python's round.
    """
    return np.rint(np.maximum(np.divide(delay_time, time_step), 1) + SMALL_VENSIM)


@dataclass
class FixedDelayRing:
    """The values a DELAY FIXED holds back: ``buffer[slot, member]``, ``lengths[member]`` slots."""

    buffer: NDArray[np.float64]
    lengths: NDArray[np.intp]
    columns: NDArray[np.intp]


def fixed_ring(length: Value, start: Value, n: int, element: str) -> FixedDelayRing:
    """Return the ring of a DELAY FIXED of ``n`` members, every slot at its initial value.

    Raises
    ------
    SimulationError
        If a member's delay time gives no finite length (NaN or infinite).

    """
    lengths = np.broadcast_to(np.asarray(length, dtype=float), (n,))
    if not np.all(np.isfinite(lengths)):
        raise SimulationError(
            f"DELAY FIXED in {element!r}: the delay time is not a finite number in a member"
        )
    slots = lengths.astype(np.intp)
    buffer = np.empty((int(slots.max()) if n else 1, n))
    buffer[...] = start
    return FixedDelayRing(buffer, slots, np.arange(n))


def ring_read(ring: FixedDelayRing, k: int) -> NDArray[np.float64]:
    """Return the value each member's DELAY FIXED gives at time index ``k`` (a copy)."""
    return ring.buffer[k % ring.lengths, ring.columns]


def ring_write(ring: FixedDelayRing, k: int, value: Value) -> None:
    """Store the input at time index ``k``, in the slot just read (PySD's ``DelayFixed.update``)."""
    ring.buffer[k % ring.lengths, ring.columns] = value


#: Names the generated code can call, bound into its module namespace.
RUNTIME_NAMESPACE: dict[str, Any] = {
    "np": np,
    "_h_if_then_else": if_then_else,
    "_h_xidz": xidz,
    "_h_zidz": zidz,
    "_h_integer": integer,
    "_h_quantum": quantum,
    "_h_modulo": modulo,
    "_h_step": step,
    "_h_ramp": ramp,
    "_h_pulse": pulse,
    "_h_check_delay_order": check_delay_order,
    "_h_check_order": check_order,
    "_h_fixed_length": fixed_length,
    "_h_fixed_ring": fixed_ring,
    "_h_ring_read": ring_read,
    "_h_ring_write": ring_write,
    "_h_full_array": full_array,
    "_h_unchanged": unchanged,
}

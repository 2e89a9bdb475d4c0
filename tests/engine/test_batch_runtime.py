"""The vectorized helpers agree with PySD's scalar functions, point by point."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from pysd.py_backend import functions as pysd_functions
from pysd.py_backend.lookups import HardcodedLookups

from sdcluster.engine import batch_runtime as runtime

GRID = np.round(np.arange(-2.0, 14.0, 0.125), 10)
VALUES = np.array([-7.3, -2.5, -1e-7, 0.0, 1e-7, 0.4, 2.5, 3.0, 9.99, 1e6])


class FakeTime:
    """The two methods of PySD's Time object that its functions call."""

    def __init__(self, now: float, step: float) -> None:
        self.now, self.step = now, step

    def __call__(self) -> float:
        return self.now

    def time_step(self) -> float:
        return self.step


def test_xidz_zidz_and_if_then_else() -> None:
    numerators = np.repeat(VALUES, len(VALUES))
    denominators = np.tile(VALUES, len(VALUES))
    with np.errstate(all="ignore"):
        xidz = runtime.xidz(numerators, denominators, 5.0)
        zidz = runtime.zidz(numerators, denominators)
        where = runtime.if_then_else(denominators > 0, numerators, -1.0)
    pairs = list(zip(numerators, denominators, strict=True))
    expected_xidz = [pysd_functions.xidz(a, b, 5.0) for a, b in pairs]
    expected_zidz = [pysd_functions.zidz(a, b) for a, b in pairs]
    expected_where = [
        pysd_functions.if_then_else(b > 0, lambda a=a: a, lambda: -1.0) for a, b in pairs
    ]
    np.testing.assert_array_equal(xidz, expected_xidz)
    np.testing.assert_array_equal(zidz, expected_zidz)
    np.testing.assert_array_equal(where, expected_where)
    # Scalars and per-member fallbacks take the general path.
    with np.errstate(all="ignore"):  # as the engine runs its generated code
        assert runtime.xidz(1.0, 0.0, 3.0) == 3.0
        assert runtime.zidz(1, 0) == 0.0
        np.testing.assert_array_equal(
            runtime.xidz(np.ones(3), np.array([0.0, 2.0, 0.0]), np.array([7.0, 8.0, 9.0])),
            [7.0, 0.5, 9.0],
        )
        # Denominators all at or above 1e-6 skip the fallback; a NaN does not.
        np.testing.assert_array_equal(
            runtime.xidz(np.full(3, 2.0), np.array([1e-6, 4.0, 1e9]), 5.0), [2e6, 0.5, 2e-9]
        )
        np.testing.assert_array_equal(
            runtime.xidz(np.ones(3), np.array([np.nan, 1e-7, 2.0]), 5.0), [np.nan, 5.0, 0.5]
        )


def test_unchanged_compares_type_shape_and_bits() -> None:
    array = np.array([0.0, 1.5, np.nan])
    assert runtime.unchanged((np.float64(2.0), array), (np.float64(2.0), array.copy()))
    assert not runtime.unchanged((np.float64(2.0),), None)  # the first step
    assert not runtime.unchanged((np.float64(0.0),), (np.float64(-0.0),))  # equal, not the same
    assert not runtime.unchanged((array,), (array[:2],))
    assert not runtime.unchanged((np.float64(1.0),), (np.int64(1),))
    assert not runtime.unchanged((array,), (array + 1,))


def test_integer_quantum_and_modulo() -> None:
    divisors = np.array([0.0, 1e-7, 0.7, 2.5, 4.0])
    for divisor in divisors:
        with np.errstate(all="ignore"):
            quantum = runtime.quantum(VALUES, divisor)
            modulo = runtime.modulo(VALUES, divisor)
        np.testing.assert_array_equal(
            quantum, [pysd_functions.quantum(v, divisor) for v in VALUES]
        )
        np.testing.assert_array_equal(
            modulo, [pysd_functions.modulo(v, divisor) for v in VALUES]
        )
    np.testing.assert_array_equal(
        runtime.integer(VALUES[:-1]), [pysd_functions.integer(v) for v in VALUES[:-1]]
    )


@pytest.mark.parametrize("step", [0.0625, 0.1, 0.25])
def test_step_ramp_and_pulses_over_time(step: float) -> None:
    starts = np.array([0.0, 1.0, 2.05, 3.0])
    for now in GRID:
        time = FakeTime(float(now), step)
        with np.errstate(all="ignore"):  # as the engine runs its generated code
            cases = _time_function_cases(now, time, step, starts)
        for ours, theirs in cases:
            np.testing.assert_array_equal(np.broadcast_to(ours, np.shape(theirs)), theirs)


def _time_function_cases(
    now: float, time: FakeTime, step: float, starts: np.ndarray
) -> list[tuple[object, list[float]]]:
    return [
        (runtime.step(now, step, 2.0, starts), [
            pysd_functions.step(time, 2.0, s) for s in starts]),
        (runtime.ramp(now, 0.5, starts, starts + 4), [
            pysd_functions.ramp(time, 0.5, s, s + 4) for s in starts]),
        (runtime.ramp(now, 0.5, starts), [
            pysd_functions.ramp(time, 0.5, s) for s in starts]),
        (runtime.pulse(now, step, starts, width=1.5), [
            pysd_functions.pulse(time, s, width=1.5) for s in starts]),
        (runtime.pulse(now, step, starts, magnitude=3.0), [
            pysd_functions.pulse(time, s, magnitude=3.0) for s in starts]),
        (runtime.pulse(now, step, starts, repeat_time=3.0, width=0.5, end=10.0), [
            pysd_functions.pulse(time, s, repeat_time=3.0, width=0.5, end=10.0)
            for s in starts]),
        (runtime.pulse(now, step, 1.0, repeat_time=np.array([0.0, 2.0]), width=0.5), [
            pysd_functions.pulse(time, 1.0, repeat_time=r, width=0.5) for r in (0.0, 2.0)]),
    ]


TABLE_X = (0.0, 0.5, 1.0, 2.0, 4.0)
TABLE_Y = (1.0, 0.8, 0.3, -0.2, 0.6)


@pytest.mark.parametrize("method", ["interpolate", "extrapolate", "hold_backward"])
def test_lookups_follow_pysd_inside_and_outside_the_table(method: str) -> None:
    table = HardcodedLookups(list(TABLE_X), list(TABLE_Y), {}, method, {}, "_table")
    table.initialize()
    arguments = np.concatenate([np.linspace(-3, 7, 81), np.array(TABLE_X)])
    lookup = runtime.make_lookup(np.array(TABLE_X), np.array(TABLE_Y), method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySD warns when it extrapolates
        expected = [float(table(float(x))) for x in arguments]
    np.testing.assert_allclose(lookup(arguments), expected, rtol=1e-15, atol=1e-15)


def test_table_points_are_rounded_as_pysd_writes_them() -> None:
    points = runtime.pysd_table_values((0.123456789123, 1.0, 2.5))
    np.testing.assert_array_equal(points, [0.12345679, 1.0, 2.5])
    assert isinstance(xr.DataArray(points).values, np.ndarray)


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(numerator=finite, denominator=finite, fallback=finite, divisor=finite)
def test_division_and_rounding_helpers_match_pysd_for_any_numbers(
    numerator: float, denominator: float, fallback: float, divisor: float
) -> None:
    with np.errstate(all="ignore"):
        assert runtime.xidz(numerator, denominator, fallback) == pysd_functions.xidz(
            numerator, denominator, fallback
        )
        assert runtime.zidz(numerator, denominator) == pysd_functions.zidz(
            numerator, denominator
        )
        if abs(divisor) >= runtime.SMALL_VENSIM:
            assert runtime.modulo(numerator, divisor) == pysd_functions.modulo(
                numerator, divisor
            )


@settings(max_examples=30, deadline=None)
@given(arguments=st.lists(st.floats(min_value=-10, max_value=10), min_size=1, max_size=10))
def test_lookups_match_pysd_for_any_arguments(arguments: list[float]) -> None:
    table = HardcodedLookups(list(TABLE_X), list(TABLE_Y), {}, "extrapolate", {}, "_table")
    table.initialize()
    lookup = runtime.make_lookup(np.array(TABLE_X), np.array(TABLE_Y), "extrapolate")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [float(table(x)) for x in arguments]
    np.testing.assert_allclose(lookup(np.array(arguments)), expected, rtol=1e-15, atol=1e-15)

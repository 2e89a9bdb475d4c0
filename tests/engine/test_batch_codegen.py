"""The step code writer: same values to the bit as the plain expression."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sdcluster.engine.batch_plan import clock_nodes, slow_nodes, static_nodes
from sdcluster.engine.batch_runtime import RUNTIME_NAMESPACE, full_array, make_lookup
from sdcluster.engine.batch_translate import translate
from sdcluster.engine.batch_writer import (
    FLOAT_ARRAY,
    FLOAT_SCALAR,
    UNKNOWN,
    Facts,
    StepWriter,
    repeated_operations,
)
from sdcluster.model.loaded import load_model

N = 7
RNG = np.random.default_rng(3)
SPECIAL = np.array([0.0, -0.0, 1e-7, -2.5, np.inf, np.nan, 3.0])

INTEGERS = Facts(floating=False, per_member=True)  # integer or bool arrays

# Leaves of every kind a step meets, with what the writer is told about them.
LEAVES: dict[str, tuple[Any, Facts]] = {
    "a": (RNG.uniform(-3, 3, N), FLOAT_ARRAY),  # a state
    "b": (SPECIAL, FLOAT_ARRAY),
    "p": (np.float64(0.75), FLOAT_SCALAR),  # a parameter given as a scalar
    "q": (RNG.uniform(0, 2, N), FLOAT_SCALAR),  # a parameter given per member
    "i": (np.arange(N) - 3, INTEGERS),  # IF THEN ELSE(x > 0, 1, -1)
    "c": (np.arange(N) % 2 == 0, INTEGERS),  # a comparison
    "u": (np.arange(N) - 3.5, UNKNOWN),  # a float the writer knows nothing about
    "h": (np.sqrt(np.arange(N) % 2 == 0), INTEGERS),  # float16: SQRT of a comparison
    "time": (np.float64(2.5), FLOAT_SCALAR),
    "_dt": (0.0625, Facts(floating=False, per_member=False)),  # a Python float
}
# Values bound once per run; MIN and MAX get full-array copies of them.
BOUND = frozenset({"p", "q"})
NAMESPACE: dict[str, Any] = {
    **RUNTIME_NAMESPACE,
    "_lk_table": make_lookup(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 2.0]), "interpolate"),
}

numbers = st.sampled_from(["2", "0.5", "3.0", "(-1.5)", "(-2)", "1e-06", "_dt"])
leaves = st.sampled_from(sorted(LEAVES)) | numbers


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    power = st.tuples(children, st.sampled_from(["2", "0.5", "(-1.0)"])).map(
        lambda t: f"{t[0]}**{t[1]}"
    )
    calls = st.tuples(
        st.sampled_from(["np.minimum", "np.maximum", "_h_zidz"]), children, children
    ).map(lambda t: f"{t[0]}({t[1]}, {t[2]})")
    unary = st.tuples(
        st.sampled_from(["np.sqrt", "np.abs", "np.exp", "-", "_lk_table", "_h_integer"]),
        children,
    ).map(lambda t: f"{t[0]}({t[1]})")
    other = st.tuples(children, children).map(
        lambda t: f"_h_if_then_else({t[0]} > {t[1]}, {t[0]}, {t[1]})"
    )
    xidz = st.tuples(children, children).map(lambda t: f"_h_xidz({t[0]}, {t[1]}, 1)")
    step = st.tuples(children, children).map(lambda t: f"_h_step(time, _dt, {t[0]}, {t[1]})")
    return binary | power | calls | unary | other | xidz | step


expressions = st.recursive(leaves, _combine, max_leaves=10)


def _run(lines: list[str], **extra: Any) -> dict[str, Any]:
    local: dict[str, Any] = {name: value for name, (value, _) in LEAVES.items()} | extra
    local |= {f"_full_{name}": full_array(N, local[name]) for name in BOUND}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # complex powers of literals, cast by a lookup
        try:
            exec("\n".join(lines), NAMESPACE, local)
        except (TypeError, ValueError, ArithmeticError) as error:  # -True, 0.0**-1: same both ways
            local["result"] = type(error)
    return local


def _assert_same(actual: Any, expected: Any) -> None:
    if isinstance(expected, type):
        assert actual is expected
        return
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual, expected)
    # Signed zeros too (NaNs compare equal above, whatever their sign).
    if expected.dtype.kind == "f":
        both = ~np.isnan(expected)
        np.testing.assert_array_equal(np.signbit(actual)[both], np.signbit(expected)[both])


@settings(max_examples=200, deadline=None)
@given(expressions)
def test_written_steps_give_the_plain_expression_to_the_bit(expression: str) -> None:
    writer = StepWriter({name: facts for name, (_, facts) in LEAVES.items()}, BOUND)
    lines = writer.assign("result", expression)
    expected = _run([f"result = {expression}"])["result"]
    computed = _run(lines)
    _assert_same(computed["result"], expected)
    for name, (value, _) in LEAVES.items():  # nothing outside the equation is overwritten
        _assert_same(computed[name], value)


@settings(max_examples=100, deadline=None)
@given(expressions)
def test_a_result_computed_in_a_row_of_the_derivatives_is_the_same(expression: str) -> None:
    writer = StepWriter({name: facts for name, (_, facts) in LEAVES.items()}, BOUND)
    lines = writer.assign("result", expression, into="D[1]")
    expected = _run([f"result = {expression}"])["result"]
    derivatives = np.full((3, N), -1.0)
    computed = _run(["D = derivatives", *lines], derivatives=derivatives)
    _assert_same(computed["result"], expected)
    if isinstance(expected, type):  # the same error both ways
        return
    if writer.wrote_into:
        _assert_same(derivatives[1], expected)
        assert np.all(derivatives[[0, 2]] == -1.0)
    else:
        assert np.all(derivatives == -1.0)


@settings(max_examples=100, deadline=None)
@given(expressions, expressions)
def test_operations_repeated_across_equations_are_computed_once(first: str, second: str) -> None:
    equations = {
        "x": first,
        "y": f"({first}) * ({second})",
        "z": f"({second}) - np.maximum({first}, {second})",
        "w": f"x + ({second})",
    }
    repeated = repeated_operations(equations.values())
    writer = StepWriter({name: facts for name, (_, facts) in LEAVES.items()}, BOUND)
    writer.repeat(repeated)
    lines = [line for name, value in equations.items() for line in writer.assign(name, value)]
    expected = _run([f"{name} = {value}" for name, value in equations.items()])
    computed = _run(lines)
    if isinstance(expected.get("result"), type):  # the same error both ways
        assert computed.get("result") is expected["result"]
        return
    for name in [*equations, *LEAVES]:  # every result, and nothing overwritten
        _assert_same(computed[name], expected[name])


def test_an_intermediate_array_is_overwritten_instead_of_allocated() -> None:
    writer = StepWriter({"a": FLOAT_ARRAY, "p": FLOAT_SCALAR})
    lines = writer.assign("v", "p*a*(1 - a)/3")
    assert lines == ["v = p * a", "_t2 = 1 - a", "v *= _t2", "v /= 3"]
    assert writer.temporaries == {"_t2"}
    # A stock's flow is computed in its row of the derivative matrix...
    assert writer.assign("w", "a - 2*a", into="D[0]") == [
        "w = D[0]",
        "np.multiply(2, a, out=w)",
        "np.subtract(a, w, out=w)",
    ]
    assert writer.wrote_into
    # ... unless it may be a scalar: then it is copied there as before.
    assert writer.assign("x", "p*p", into="D[0]") == ["x = p * p"]
    assert not writer.wrote_into


def test_min_and_max_pair_an_array_with_a_full_array_copy_of_a_bound_value() -> None:
    writer = StepWriter({"a": FLOAT_ARRAY, "p": FLOAT_SCALAR}, frozenset({"p"}))
    assert writer.assign("m", "np.minimum(p, a*a)") == [
        "m = a * a",
        "np.minimum(_full_p, m, out=m)",
    ]
    assert writer.assign("n", "np.maximum(p, time)") == ["n = np.maximum(p, time)"]
    assert writer.full_arrays == {"p"}


def test_values_that_may_be_scalars_or_integers_are_never_written_into() -> None:
    writer = StepWriter({"a": FLOAT_ARRAY, "p": FLOAT_SCALAR, "i": UNKNOWN})
    # p*p may be a scalar, the IF THEN ELSE may be an integer array: fresh results.
    assert writer.assign("v", "p*p - a") == ["_t1 = p * p", "v = _t1 - a"]
    assert writer.assign("w", "_h_if_then_else(a > 0, 1, 2)*a") == [
        "_t3 = a > 0",
        "_t4 = _h_if_then_else(_t3, 1, 2)",
        "w = _t4 * a",
    ]


def test_clocks_and_the_values_that_change_only_with_them(tmp_path: Path) -> None:
    path = tmp_path / "clocked.mdl"
    path.write_text(
        "{UTF-8}\n"
        "level = INTEG(rate * level + timed, 1) ~ unit ~ |\n"
        "rate = 0.5 * base + STEP(height, 3) ~ unit ~ |\n"
        "timed = rate * Time ~ unit ~ |\n"
        "base = 1 ~ unit ~ |\n"
        "height = 2 ~ unit ~ |\n"
        "FINAL TIME = 6 ~ Month ~ |\nINITIAL TIME = 0 ~ Month ~ |\n"
        "SAVEPER = 1 ~ Month ~ |\nTIME STEP = 0.25 ~ Month ~ |\n"
    )
    plan = translate(load_model(path))
    static = static_nodes(plan.nodes, frozenset())
    assert clock_nodes(plan.nodes, static) == {"c_rate"}
    assert plan.nodes["c_rate"].expr == "_h_step(time, _dt, v_height, 3)"
    # TIME itself changes at every step; level is a stock.
    slow = slow_nodes(plan.nodes, static)
    assert "v_rate" in slow
    assert not slow & {"v_timed", "v_level", "a_integ_level_flow"}
    # Fed as a series, the height makes the STEP change at any step: no clock.
    static = static_nodes(plan.nodes, frozenset({"v_height"}))
    assert not clock_nodes(plan.nodes, static)
    assert not slow_nodes(plan.nodes, static)

"""The plan's expression trees as scalar code for one member, and the helpers that code calls.

:func:`scalar` writes one of the plan's expression trees
(:mod:`sdcluster.engine.batch_tree`) as scalar Python that Numba compiles:
the operations Python performs for the NumPy emitter's rendering of the same
tree (:func:`~sdcluster.engine.batch_tree_numpy.python_order`), in the same
order, written as ``ast.unparse`` writes them; NumPy's
element-wise functions become the helpers of :data:`HELPERS` (source text
written at the top of every generated module, each with NumPy's element-wise
semantics for one float64 value, NaN handling included) or stay NumPy calls
Numba compiles. Part of :mod:`sdcluster.engine.batch_numba`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from sdcluster.engine.batch_tree import Call, Constant, Lookup, Operation, Reference, State, Tree
from sdcluster.engine.batch_tree_numpy import python_order
from sdcluster.errors import UnsupportedConstructError

__all__ = ["HELPERS", "scalar"]


# Helpers with NumPy's element-wise semantics for one float64 value each.
HELPERS = '''
_SMALL = 1e-6


@njit(cache=True, error_model="numpy")
def _nb_min(a, b):
    # np.minimum: the first if it is smaller, equal or NaN, else the second.
    return a if (a <= b or a != a) else b


@njit(cache=True, error_model="numpy")
def _nb_max(a, b):
    return a if (a >= b or a != a) else b


@njit(cache=True, error_model="numpy")
def _nb_xidz(numerator, denominator, fallback):
    return fallback if abs(denominator) < _SMALL else numerator / denominator


@njit(cache=True, error_model="numpy")
def _nb_zidz(numerator, denominator):
    return 0 if abs(denominator) < _SMALL else numerator / denominator


@njit(cache=True, error_model="numpy")
def _nb_quantum(value, size):
    return value if size < _SMALL else size * np.trunc(value / size)


@njit(cache=True, error_model="numpy")
def _nb_modulo(value, divisor):
    return value - _nb_quantum(value, divisor)


@njit(cache=True, error_model="numpy")
def _nb_step(time, time_step, height, step_time):
    return height * (time + time_step / 2 > step_time)


@njit(cache=True, error_model="numpy")
def _nb_ramp(time, slope, start, finish):
    return (time + _SMALL > start) * slope * (finish - start)


@njit(cache=True, error_model="numpy")
def _nb_pulse(time, start, repeat_time, width, height, end):
    # pysd.py_backend.functions.pulse, as the NumPy backend computes it.
    single = height if ((start - _SMALL <= time) and (time < start + width)) else 0
    if repeat_time == 0:
        return single
    active = (start <= time) and (time < end)
    in_pulse = np.remainder(time - start + _SMALL, repeat_time) < width
    return height if (active and in_pulse) else 0


@njit(cache=True, error_model="numpy")
def _nb_and(a, b):
    return (a != 0) and (b != 0)


@njit(cache=True, error_model="numpy")
def _nb_or(a, b):
    return (a != 0) or (b != 0)


@njit(cache=True, error_model="numpy")
def _nb_not(a):
    return a == 0


@njit(cache=True, error_model="numpy")
def _nb_interp(value, x, y):
    # np.interp (numpy/_core/src/multiarray/compiled_base.c, arr_interp).
    last = x.shape[0] - 1
    if value != value:
        return value
    if last == 0:
        return y[0]
    if value < x[0]:
        return y[0]
    if value > x[last]:
        return y[last]
    j = 0
    while j < last and x[j + 1] <= value:
        j += 1
    if j == last or x[j] == value:
        return y[j]
    slope = (y[j + 1] - y[j]) / (x[j + 1] - x[j])
    result = slope * (value - x[j]) + y[j]
    if result != result:
        result = slope * (value - x[j + 1]) + y[j + 1]
        if result != result and y[j] == y[j + 1]:
            result = y[j]
    return result


@njit(cache=True, error_model="numpy")
def _nb_extrapolate(value, x, y, slope_low, slope_high):
    last = x.shape[0] - 1
    if value > x[last]:
        return y[last] + slope_high * (value - x[last])
    if value < x[0]:
        return y[0] + slope_low * (value - x[0])
    return _nb_interp(value, x, y)


@njit(cache=True, error_model="numpy")
def _nb_hold_backward(value, x, y):
    last = x.shape[0] - 1
    if value != value:  # np.searchsorted puts NaN after everything
        return y[last]
    count = 0
    while count <= last and x[count] <= value:
        count += 1
    return y[min(max(count - 1, 0), last)]
'''



class _P(IntEnum):
    """Python's precedence levels, by which ``ast.unparse`` parenthesizes (``ast._Precedence``)."""

    TEST = 1  # x if c else y
    OR = 2
    CMP = 5
    EXPR = 6
    ARITH = 11  # + -
    TERM = 12  # * /
    FACTOR = 13  # unary -
    POWER = 14
    AWAIT = 15
    ATOM = 16


@dataclass(frozen=True)
class _Code:
    """Scalar source of a subexpression and its precedence."""

    text: str
    precedence: _P
    #: An integer literal, or the negation of one: its text as a float exponent (see _exponent).
    exponent: str | None = None

    def at(self, required: _P) -> str:
        """Return the text, parenthesized where ``ast.unparse`` would in this place."""
        return f"({self.text})" if required > self.precedence else self.text


# NumPy functions of PySD's function space (by PySD's name) that Numba compiles as they are.
_KEPT = {
    "abs": "np.abs", "exp": "np.exp", "ln": "np.log", "sqrt": "np.sqrt", "sin": "np.sin",
    "cos": "np.cos", "tan": "np.tan", "arcsin": "np.arcsin", "arccos": "np.arccos",
    "arctan": "np.arctan", "sinh": "np.sinh", "cosh": "np.cosh", "tanh": "np.tanh",
}  # fmt: skip
# Functions written as a helper of HELPERS (or np.trunc) of the same arguments.
_DIRECT = {
    "min": "_nb_min", "max": "_nb_max", "xidz": "_nb_xidz", "zidz": "_nb_zidz",
    "quantum": "_nb_quantum", "modulo": "_nb_modulo", "integer": "np.trunc",
}  # fmt: skip
# The NumPy code's names of the engine's functions this backend does not write.
_REFUSED = {"fixed_length": "_h_fixed_length"}
_BINARY = {"+": _P.ARITH, "-": _P.ARITH, "*": _P.TERM, "/": _P.TERM}
_COMPARISONS = {"=": "==", "<>": "!=", ">=": ">=", ">": ">", "<=": "<=", "<": "<"}
# PULSE's keywords after its start, by function: repeat time, width, magnitude, end.
_PULSES: dict[str, tuple[int | None, int | None, int | None, int | None]] = {
    "pulse": (None, 1, None, None),
    "Xpulse": (None, None, 1, None),
    "pulse_train": (1, 2, None, 3),
    "Xpulse_train": (1, None, 2, None),
}
_TIME, _DT = _Code("time", _P.ATOM), _Code("_dt", _P.ATOM)


def _binary(left: _Code, operator: str, right: _Code) -> _Code:
    if operator == "**":  # right-associative; an integer exponent as a float (see _exponent)
        return _Code(f"{left.at(_P.AWAIT)} ** {_exponent(right).at(_P.POWER)}", _P.POWER)
    own = _BINARY[operator]
    return _Code(f"{left.at(own)} {operator} {right.at(_P(own + 1))}", own)


def _exponent(code: _Code) -> _Code:
    # An integer exponent as a float: Numba then calls pow(), as NumPy does for
    # arrays (an integer exponent would be repeated multiplication instead).
    return code if code.exponent is None else _Code(code.exponent, _P.ATOM)


def _call(function: str, *arguments: _Code) -> _Code:
    return _Code(f"{function}({', '.join(code.at(_P.TEST) for code in arguments)})", _P.ATOM)


def _constant(tree: Constant) -> _Code:
    # As Python reads the NumPy emitter's literal: "-2" is the negation of 2.
    if tree.integer:
        value = int(tree.value)
        text = str(value) if value >= 0 else f"-{-value}"
        return _Code(text, _P.ATOM if value >= 0 else _P.FACTOR, exponent=repr(float(value)))
    number = float(tree.value)
    if number != number:
        return _Code("np.nan", _P.ATOM)
    if number in (float("inf"), float("-inf")):
        return _Code("np.inf", _P.ATOM) if number > 0 else _Code("-np.inf", _P.FACTOR)
    if str(number).startswith("-"):
        return _Code(f"-{-number!r}", _P.FACTOR)
    return _Code(repr(number), _P.ATOM)


@dataclass
class _Scalar:
    """Write one of the plan's expression trees as scalar code Numba compiles."""

    lookups: dict[str, str]  # lookup function name -> its method

    def code(self, tree: Tree) -> _Code:
        if isinstance(tree, Constant):
            return _constant(tree)
        if isinstance(tree, Reference):
            return _Code(tree.name, _P.ATOM)
        if isinstance(tree, Operation):
            return self._operation(tree)
        if isinstance(tree, Call):
            return self._function(tree)
        if isinstance(tree, Lookup):
            return self._lookup(tree.table, self.code(tree.argument))
        return self._state(tree)

    def _operation(self, tree: Operation) -> _Code:
        operators = tree.operators
        codes = [self.code(operand) for operand in tree.operands]
        if operators == ("negative",):
            operand = codes[0]  # Python's -2 is an integer literal to _exponent, --2 is not
            literal = operand.exponent is not None and operand.precedence == _P.ATOM
            exponent = f"-{operand.exponent}" if literal else None
            return _Code(f"-{operand.at(_P.FACTOR)}", _P.FACTOR, exponent=exponent)
        if operators == (":NOT:",):
            return _call("_nb_not", codes[0])
        if set(operators) <= set(_BINARY):  # Python's a - b + c: (a - b) + c
            result = codes[0]
            for operator, right in zip(operators, codes[1:], strict=True):
                result = _binary(result, operator, right)
            return result
        if operators == ("^",):  # binary in python_order's tree
            return _binary(codes[0], "**", codes[1])
        if set(operators) <= {":AND:", ":OR:"}:  # nested to the right, as PySD writes them
            result = codes[-1]
            for operator, left in zip(reversed(operators), reversed(codes[:-1]), strict=True):
                result = _call("_nb_and" if operator == ":AND:" else "_nb_or", left, result)
            return result
        parts = [codes[0].at(_P.EXPR)]  # comparisons, chained as Python chains them
        for operator, right in zip(operators, codes[1:], strict=True):
            parts += [_COMPARISONS[operator], right.at(_P.EXPR)]
        return _Code(" ".join(parts), _P.CMP)

    def _function(self, tree: Call) -> _Code:
        function = tree.function
        codes = [self.code(argument) for argument in tree.arguments]
        if function in _KEPT:
            return _call(_KEPT[function], *codes)
        if function in _DIRECT:
            return _call(_DIRECT[function], *codes)
        if function == "power":
            return _binary(codes[0], "**", codes[1])
        if function == "pi":
            return _Code("np.pi", _P.ATOM)
        if function == "log":  # np.log(a)/np.log(b)
            return _binary(_call("np.log", codes[0]), "/", _call("np.log", codes[1]))
        if function == "if_then_else":
            return _if(*codes)
        if function == "step":
            return _call("_nb_step", _TIME, _DT, *codes)
        if function in ("ramp", "Xramp"):
            slope, start, *finish = codes
            # RAMP's end: np.minimum(finish, time), or time itself.
            end = _call("_nb_min", finish[0], _TIME) if finish else _TIME
            return _call("_nb_ramp", _TIME, slope, start, end)
        if function in _PULSES:
            return _pulse(function, codes)
        raise UnsupportedConstructError(f"{_REFUSED.get(function, function)!r} in compiled code")

    def _lookup(self, table: str, argument: _Code) -> _Code:
        if table not in self.lookups:
            raise UnsupportedConstructError(f"{table!r} in compiled code")
        x, y = _Code(f"{table}_x", _P.ATOM), _Code(f"{table}_y", _P.ATOM)
        method = self.lookups[table]
        if method == "interpolate":
            return _call("_nb_interp", argument, x, y)
        if method == "hold_backward":
            return _call("_nb_hold_backward", argument, x, y)
        low, high = _Code(f"{table}_low", _P.ATOM), _Code(f"{table}_high", _P.ATOM)
        return _call("_nb_extrapolate", argument, x, y, low, high)

    def _state(self, tree: State) -> _Code:
        last = _Code(f"y_{tree.row}", _P.ATOM)
        operands = [self.code(operand) for operand in tree.operands]
        if tree.read == "delay":
            return _binary(last, "/", operands[0])
        if tree.read in ("trend", "forecast"):
            flow, time, *horizon = operands
            # PySD's Trend: zidz(input - state, average_time * abs(state)).
            scale = _call("np.abs", last) if tree.read == "trend" else last
            trend = _call("_nb_zidz", _binary(flow, "-", last), _binary(time, "*", scale))
            if not horizon:
                return trend
            # PySD's Forecast: input * (1 + zidz(input - state, average_time * state) * horizon).
            one = _Code("1", _P.ATOM)
            return _binary(flow, "*", _binary(one, "+", _binary(trend, "*", horizon[0])))
        if tree.read == "sample":
            return _if(operands[0], operands[1], last)
        if tree.read == "ring":
            raise UnsupportedConstructError("'_h_ring_read' in compiled code")
        return last


def _if(condition: _Code, if_true: _Code, if_false: _Code) -> _Code:
    return _Code(f"{if_true.at(_P.OR)} if {condition.at(_P.OR)} else {if_false.at(_P.TEST)}",
                 _P.TEST)


def _pulse(function: str, codes: list[_Code]) -> _Code:
    # pysd.py_backend.functions.pulse's keywords: repeat_time, width, magnitude, end.
    repeat, width, magnitude, end = (None if i is None else codes[i] for i in _PULSES[function])
    half = _binary(_Code("0.5", _P.ATOM), "*", _DT)
    height = _Code("1", _P.ATOM) if magnitude is None else _binary(magnitude, "/", _DT)
    return _call("_nb_pulse", _TIME, codes[0], repeat or _Code("0", _P.ATOM), width or half,
                 height, end or _Code("np.inf", _P.ATOM))


def scalar(tree: Tree | None, lookups: dict[str, str]) -> str:
    """Return one of the plan's expression trees as scalar code for one member."""
    if tree is None:
        raise UnsupportedConstructError("a node without an expression in compiled code")
    return _Scalar(lookups).code(python_order(tree)).text

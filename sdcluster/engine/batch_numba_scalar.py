"""The plan's equations as scalar code for one member, and the helpers that code calls.

:func:`scalar` rewrites one of the plan's NumPy expressions (Python source)
as scalar Python that Numba compiles: NumPy's element-wise functions become
the helpers of :data:`HELPERS` (source text written at the top of every
generated module, each with NumPy's element-wise semantics for one float64
value, NaN handling included) or stay NumPy calls Numba compiles. Part of
:mod:`sdcluster.engine.batch_numba`.
"""

from __future__ import annotations

import ast

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

_DIRECT = {
    "np.minimum": "_nb_min",
    "np.maximum": "_nb_max",
    "_h_xidz": "_nb_xidz",
    "_h_zidz": "_nb_zidz",
    "_h_quantum": "_nb_quantum",
    "_h_modulo": "_nb_modulo",
    "_h_step": "_nb_step",
    "_h_integer": "np.trunc",
    "np.logical_and": "_nb_and",
    "np.logical_or": "_nb_or",
    "np.logical_not": "_nb_not",
}
_KEPT = frozenset(
    {
        "np.abs", "np.power", "np.exp", "np.log", "np.sqrt", "np.sin", "np.cos", "np.tan",
        "np.arcsin", "np.arccos", "np.arctan", "np.sinh", "np.cosh", "np.tanh",
    }
)  # fmt: skip


class _Scalar(ast.NodeTransformer):
    """Rewrite one of the plan's NumPy expressions as scalar code Numba compiles."""

    def __init__(self, lookups: dict[str, str]) -> None:
        self.lookups = lookups  # lookup function name -> its method

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "Y":
            index = node.slice
            if isinstance(index, ast.Constant) and isinstance(index.value, int):
                return ast.Name(f"y_{index.value}", ast.Load())
        raise UnsupportedConstructError(f"indexing {ast.unparse(node)!r} in compiled code")

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            node.right = _float_constant(node.right)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        function = ast.unparse(node.func)
        if function in _DIRECT and not node.keywords:
            node.func = ast.parse(_DIRECT[function], mode="eval").body
            return node
        if function == "np.power" and len(node.args) == 2:
            return ast.BinOp(node.args[0], ast.Pow(), _float_constant(node.args[1]))
        if function in _KEPT and not node.keywords:
            return node
        if function == "_h_if_then_else" and len(node.args) == 3:
            condition, if_true, if_false = node.args
            return ast.IfExp(condition, if_true, if_false)
        if function == "_h_ramp":
            return self._ramp(node)
        if function == "_h_pulse":
            return self._pulse(node)
        if function in self.lookups and len(node.args) == 1:
            return self._lookup(function, node.args[0])
        raise UnsupportedConstructError(f"{function!r} in compiled code")

    @staticmethod
    def _ramp(node: ast.Call) -> ast.AST:
        time, slope, start, *finish = node.args
        # RAMP's end: np.minimum(finish, time), or time itself.
        end = _call("_nb_min", finish[0], time) if finish else time
        return _call("_nb_ramp", time, slope, start, end)

    @staticmethod
    def _pulse(node: ast.Call) -> ast.AST:
        time, time_step, start = node.args
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        half = ast.BinOp(ast.Constant(0.5), ast.Mult(), time_step)
        width = keywords.get("width", half)
        magnitude = keywords.get("magnitude")
        height = (
            ast.Constant(1) if magnitude is None else ast.BinOp(magnitude, ast.Div(), time_step)
        )
        repeat = keywords.get("repeat_time", ast.Constant(0))
        end = keywords.get("end", ast.parse("np.inf", mode="eval").body)
        return _call("_nb_pulse", time, start, repeat, width, height, end)

    def _lookup(self, function: str, argument: ast.expr) -> ast.AST:
        x, y = ast.Name(f"{function}_x", ast.Load()), ast.Name(f"{function}_y", ast.Load())
        method = self.lookups[function]
        if method == "interpolate":
            return _call("_nb_interp", argument, x, y)
        if method == "hold_backward":
            return _call("_nb_hold_backward", argument, x, y)
        low = ast.Name(f"{function}_low", ast.Load())
        high = ast.Name(f"{function}_high", ast.Load())
        return _call("_nb_extrapolate", argument, x, y, low, high)


def _call(function: str, *arguments: ast.expr) -> ast.Call:
    return ast.Call(ast.Name(function, ast.Load()), list(arguments), [])


def _float_constant(node: ast.expr) -> ast.expr:
    # An integer exponent as a float: Numba then calls pow(), as NumPy does for
    # arrays (an integer exponent would be repeated multiplication instead).
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return ast.Constant(float(node.value))
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return ast.Constant(-float(node.operand.value))
    return node


def scalar(expression: str, lookups: dict[str, str]) -> str:
    """Return one of the plan's NumPy expressions as scalar code for one member."""
    tree = ast.parse(expression, mode="eval")
    return ast.unparse(_Scalar(lookups).visit(tree))

"""The JavaScript of the batch plan's expressions: a node's Python ``ast``, written for one member.

Every operation parenthesized, so JavaScript evaluates in Python's order;
functions mapped to ``Math`` or to the helpers of the script's prelude
(``batch_js_prelude.js``) with NumPy's semantics. Part of
:mod:`sdcluster.engine.batch_js`.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sdcluster.engine.batch_plan import Node, Plan
from sdcluster.errors import UnsupportedConstructError

__all__ = ["Emitter", "js_literal", "js_number"]

# Functions of the plan's expressions and their JavaScript counterparts
# (helpers of _PRELUDE where JavaScript has none with NumPy's semantics).
_CALLS: dict[str, str] = {
    "np.abs": "Math.abs",
    "np.exp": "Math.exp",
    "np.sqrt": "Math.sqrt",
    "np.log": "Math.log",
    "np.sin": "Math.sin",
    "np.cos": "Math.cos",
    "np.tan": "Math.tan",
    "np.arcsin": "Math.asin",
    "np.arccos": "Math.acos",
    "np.arctan": "Math.atan",
    "np.sinh": "Math.sinh",
    "np.cosh": "Math.cosh",
    "np.tanh": "Math.tanh",
    "np.power": "$pow",
    "np.minimum": "Math.min",  # both propagate NaN
    "np.maximum": "Math.max",
    "_h_xidz": "$xidz",
    "_h_zidz": "$zidz",
    "_h_integer": "Math.trunc",
    "_h_quantum": "$quantum",
    "_h_modulo": "$modulo",
    "_h_step": "$step",
    "_h_ramp": "$ramp",
    "_h_fixed_length": "$fixedLength",
}
_ATTRIBUTES = {"np.pi": "Math.PI", "np.nan": "NaN", "np.inf": "Infinity"}
_OPERATORS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
# Python's == and != compare a bool with a number as numbers; so does JavaScript's loose ==.
_COMPARISONS: dict[type, str] = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
}  # fmt: skip
_PULSE_KEYWORDS = ("repeat_time", "width", "magnitude", "end")


def js_literal(text: str) -> str:
    """Return a number of the plan (``repr`` of a float or int, or NaN/inf) in JavaScript."""
    return Emitter.expression_text(ast.parse(text, mode="eval").body, "a literal")


def js_number(value: float) -> str:
    """Return a float as a JavaScript number (``repr``, NaN, Infinity)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "(-Infinity)"
    return repr(float(value))


@dataclass
class Emitter:
    """Write the plan's nodes as JavaScript statements."""

    plan: Plan

    @staticmethod
    def expression_text(tree: ast.expr, where: str) -> str:
        """Return the JavaScript of one expression of the plan (Python's ``ast``)."""
        return _Expression(where).text(tree)

    def expression(self, node: Node) -> str:
        """Return the JavaScript of a node's expression."""
        where = self.plan.element_of_node.get(node.name, node.name)
        return self.expression_text(ast.parse(node.expr, mode="eval").body, where)


@dataclass
class _Expression:
    """Translate one Python expression tree; ``where`` names the element for errors."""

    where: str

    def text(self, tree: ast.expr) -> str:
        handler = self._handlers().get(type(tree))
        if handler is None:
            raise self._refusal(type(tree).__name__)
        return handler(tree)

    def _handlers(self) -> Mapping[type, Callable[[ast.expr], str]]:
        return {
            ast.BinOp: self._binary,  # type: ignore[dict-item]
            ast.UnaryOp: self._unary,  # type: ignore[dict-item]
            ast.Compare: self._compare,  # type: ignore[dict-item]
            ast.Call: self._call,  # type: ignore[dict-item]
            ast.Name: lambda tree: tree.id,  # type: ignore[attr-defined]
            ast.Constant: self._constant,  # type: ignore[dict-item]
            ast.Attribute: self._attribute,  # type: ignore[dict-item]
            ast.Subscript: self._subscript,  # type: ignore[dict-item]
        }

    def _refusal(self, construct: str) -> UnsupportedConstructError:
        return UnsupportedConstructError(
            f"the explorer cannot compute {construct} in the browser (in {self.where!r})"
        )

    def _binary(self, tree: ast.BinOp) -> str:
        left, right = self.text(tree.left), self.text(tree.right)
        if isinstance(tree.op, ast.Pow):
            return f"$pow({left}, {right})"
        operator = _OPERATORS.get(type(tree.op))
        if operator is None:
            raise self._refusal(f"the operator {type(tree.op).__name__}")
        return f"({left} {operator} {right})"

    def _unary(self, tree: ast.UnaryOp) -> str:
        if isinstance(tree.op, ast.USub):
            return f"(-{self.text(tree.operand)})"
        if isinstance(tree.op, ast.UAdd):
            return self.text(tree.operand)
        raise self._refusal(f"the operator {type(tree.op).__name__}")

    def _compare(self, tree: ast.Compare) -> str:
        if len(tree.ops) != 1 or type(tree.ops[0]) not in _COMPARISONS:
            raise self._refusal("a chained or unknown comparison")
        operator = _COMPARISONS[type(tree.ops[0])]
        return f"({self.text(tree.left)} {operator} {self.text(tree.comparators[0])})"

    def _constant(self, tree: ast.Constant) -> str:
        value = tree.value
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int | float):
            return js_number(float(value)) if isinstance(value, float) else str(value)
        raise self._refusal(f"the constant {value!r}")

    def _attribute(self, tree: ast.Attribute) -> str:
        name = ast.unparse(tree)
        if name not in _ATTRIBUTES:
            raise self._refusal(name)
        return _ATTRIBUTES[name]

    def _subscript(self, tree: ast.Subscript) -> str:
        index = tree.slice
        if (
            ast.unparse(tree.value) != "Y"
            or not isinstance(index, ast.Constant)
            or not isinstance(index.value, int)
        ):
            raise self._refusal(ast.unparse(tree))
        return f"Y[{index.value}]"

    def _call(self, tree: ast.Call) -> str:
        function = ast.unparse(tree.func)
        arguments = [self.text(argument) for argument in tree.args]
        if function == "_h_pulse":
            return self._pulse(tree, arguments)
        if tree.keywords:
            raise self._refusal(f"{function} with keywords")
        if function == "_h_if_then_else":
            condition, if_true, if_false = arguments
            return f"(({condition}) != 0 ? {if_true} : {if_false})"
        logical = _logical(function, arguments)
        if logical is not None:
            return logical
        if function.startswith("_lk_"):
            return f"{function}({', '.join(arguments)})"
        if function not in _CALLS:
            raise self._refusal(f"the function {function}")
        return f"{_CALLS[function]}({', '.join(arguments)})"

    def _pulse(self, tree: ast.Call, arguments: list[str]) -> str:
        keywords = {keyword.arg: self.text(keyword.value) for keyword in tree.keywords}
        unknown = set(keywords) - set(_PULSE_KEYWORDS)
        if unknown:
            raise self._refusal(f"PULSE with {', '.join(sorted(map(str, unknown)))}")
        extra = [keywords.get(name, "undefined") for name in _PULSE_KEYWORDS]
        return f"$pulse({', '.join([*arguments, *extra])})"


def _logical(function: str, arguments: list[str]) -> str | None:
    # NumPy's logical functions treat any non-zero number (NaN too) as true.
    if function == "np.logical_not":
        return f"(({arguments[0]}) == 0)"
    if function == "np.logical_and":
        return f"((({arguments[0]}) != 0) && (({arguments[1]}) != 0))"
    if function == "np.logical_or":
        return f"((({arguments[0]}) != 0) || (({arguments[1]}) != 0))"
    return None

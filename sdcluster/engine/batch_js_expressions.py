"""The JavaScript of the batch plan's expressions: a node's expression tree, written for one member.

Every operation of the tree as Python evaluates the NumPy emitter's rendering
(:func:`~sdcluster.engine.batch_tree_numpy.python_order`) parenthesized, so
JavaScript evaluates in the same order: ``+ - * /`` chains from the left,
logical chains nested to the right; functions
mapped to ``Math`` or to the helpers of the script's prelude
(``batch_js_prelude.js``) with NumPy's semantics. Part of
:mod:`sdcluster.engine.batch_js`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sdcluster.engine.batch_plan import Node, Plan
from sdcluster.engine.batch_tree import Call, Constant, Lookup, Operation, Reference, State, Tree
from sdcluster.engine.batch_tree_numpy import python_order
from sdcluster.errors import UnsupportedConstructError

__all__ = ["Emitter", "js_literal", "js_number"]

# Functions of the trees (PySD's names) called as one JavaScript function of the
# same arguments (helpers of the prelude where JavaScript has none with NumPy's semantics).
_CALLS: dict[str, str] = {
    "abs": "Math.abs",
    "exp": "Math.exp",
    "sqrt": "Math.sqrt",
    "ln": "Math.log",
    "sin": "Math.sin",
    "cos": "Math.cos",
    "tan": "Math.tan",
    "arcsin": "Math.asin",
    "arccos": "Math.acos",
    "arctan": "Math.atan",
    "sinh": "Math.sinh",
    "cosh": "Math.cosh",
    "tanh": "Math.tanh",
    "power": "$pow",
    "min": "Math.min",  # both propagate NaN
    "max": "Math.max",
    "xidz": "$xidz",
    "zidz": "$zidz",
    "integer": "Math.trunc",
    "quantum": "$quantum",
    "modulo": "$modulo",
}
# PULSE's arguments after its start, by function: repeat time, width, magnitude, end.
_PULSES: dict[str, tuple[int | None, int | None, int | None, int | None]] = {
    "pulse": (None, 1, None, None),
    "Xpulse": (None, None, 1, None),
    "pulse_train": (1, 2, None, 3),
    "Xpulse_train": (1, None, 2, None),
}
_ARITHMETIC = frozenset({"+", "-", "*", "/"})
# Python's == and != compare a bool with a number as numbers; so does JavaScript's loose ==.
_COMPARISONS = {"=": "==", "<>": "!=", ">=": ">=", ">": ">", "<=": "<=", "<": "<"}


def js_literal(text: str) -> str:
    """Return a number as the NumPy emitter writes it (``repr``, NaN, inf) in JavaScript."""
    named = {"np.nan": "NaN", "np.inf": "Infinity", "(-np.inf)": "(-Infinity)"}
    if text in named:
        return named[text]
    if text.startswith("-"):
        return f"(-{js_literal(text[1:])})"
    return js_number(float(text)) if any(c in text for c in ".en") else str(int(text))


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

    def expression(self, node: Node) -> str:
        """Return the JavaScript of a node's expression."""
        if node.tree is None:
            raise UnsupportedConstructError(f"a node without an expression ({node.name!r})")
        where = self.plan.element_of_node.get(node.name, node.name)
        return _Expression(where).text(python_order(node.tree))


@dataclass
class _Expression:
    """Write one expression tree; ``where`` names the element for errors."""

    where: str

    def text(self, tree: Tree) -> str:
        if isinstance(tree, Constant):
            return _constant(tree)
        if isinstance(tree, Reference):
            return tree.name
        if isinstance(tree, Operation):
            return self._operation(tree)
        if isinstance(tree, Call):
            return self._call(tree)
        if isinstance(tree, Lookup):
            return f"{tree.table}({self.text(tree.argument)})"
        return self._state(tree)

    def _refusal(self, construct: str) -> UnsupportedConstructError:
        return UnsupportedConstructError(
            f"the explorer cannot compute {construct} in the browser (in {self.where!r})"
        )

    def _operation(self, tree: Operation) -> str:
        operators, operands = tree.operators, tree.operands
        if operators == ("negative",):
            return f"(-{self.text(operands[0])})"
        if operators == (":NOT:",):
            return f"(({self.text(operands[0])}) == 0)"
        texts = [self.text(operand) for operand in operands]
        if set(operators) <= _ARITHMETIC:  # Python's a - b + c: (a - b) + c
            result = texts[0]
            for operator, right in zip(operators, texts[1:], strict=True):
                result = f"({result} {operator} {right})"
            return result
        if operators == ("^",):  # binary in python_order's tree
            return f"$pow({texts[0]}, {texts[1]})"
        if set(operators) <= {":AND:", ":OR:"}:  # nested to the right, as PySD writes them
            result = texts[-1]
            for operator, left in zip(reversed(operators), reversed(texts[:-1]), strict=True):
                joint = "&&" if operator == ":AND:" else "||"
                result = f"((({left}) != 0) {joint} (({result}) != 0))"
            return result
        if len(operators) != 1 or operators[0] not in _COMPARISONS:
            raise self._refusal("a chained or unknown comparison")
        return f"({texts[0]} {_COMPARISONS[operators[0]]} {texts[1]})"

    def _call(self, tree: Call) -> str:
        function = tree.function
        arguments = [self.text(argument) for argument in tree.arguments]
        if function in _CALLS:
            return f"{_CALLS[function]}({', '.join(arguments)})"
        writer = _SPECIAL.get(function)
        if writer is None:
            raise self._refusal(f"the function {function}")
        return writer(arguments)

    def _state(self, tree: State) -> str:
        last = f"Y[{tree.row}]"
        operands = [self.text(operand) for operand in tree.operands]
        if tree.read == "delay":
            return f"({last} / {operands[0]})"
        if tree.read == "trend":
            flow, time = operands
            return f"$zidz(({flow} - {last}), ({time} * Math.abs({last})))"
        if tree.read == "forecast":
            flow, time, horizon = operands
            return f"({flow} * (1 + ($zidz(({flow} - {last}), ({time} * {last})) * {horizon})))"
        if tree.read == "sample":
            condition, value = operands
            return f"(({condition}) != 0 ? {value} : {last})"
        if tree.read == "ring":
            raise self._refusal("the function _h_ring_read")
        return last


def _negative(tree: Constant) -> bool:
    return math.copysign(1.0, float(tree.value)) < 0 and not math.isinf(float(tree.value))


def _constant(tree: Constant) -> str:
    # As Python reads the NumPy emitter's literal: "-2" is the negation of 2.
    value = tree.value
    if tree.integer:
        return f"(-{-int(value)})" if int(value) < 0 else str(int(value))
    if _negative(tree):
        return f"(-{js_number(-float(value))})"
    return js_number(float(value))


def _pulse(function: str) -> Callable[[list[str]], str]:
    def written(arguments: list[str]) -> str:
        extra = ["undefined" if i is None else arguments[i] for i in _PULSES[function]]
        return f"$pulse(time, _dt, {', '.join([arguments[0], *extra])})"

    return written


# Calls that are not one JavaScript function of the same arguments.
_SPECIAL: dict[str, Callable[[list[str]], str]] = {
    "pi": lambda arguments: "Math.PI",
    "log": lambda arguments: f"(Math.log({arguments[0]}) / Math.log({arguments[1]}))",
    "if_then_else": lambda arguments: f"(({arguments[0]}) != 0 ? {arguments[1]} : {arguments[2]})",
    "step": lambda arguments: f"$step(time, _dt, {', '.join(arguments)})",
    "ramp": lambda arguments: f"$ramp(time, {', '.join(arguments)})",
    "Xramp": lambda arguments: f"$ramp(time, {', '.join(arguments)})",
    "fixed_length": lambda arguments: f"$fixedLength({', '.join(arguments)})",
    **{function: _pulse(function) for function in _PULSES},
}

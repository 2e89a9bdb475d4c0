"""Render a node's expression tree as the NumPy source the batch engine's Python code runs.

:func:`numpy_text` writes a :mod:`~sdcluster.engine.batch_tree` tree as one
Python expression for arrays of members: operations with PySD's own
precedence and parenthesization (``OperationBuilder``, ``BuildAST.lower_order``),
so both engines perform the same floating-point operations in the same order;
calls with the templates of :data:`~sdcluster.engine.batch_functions.FUNCTIONS`;
state objects' outputs as PySD's objects compute them.
"""

from __future__ import annotations

from sdcluster.engine.batch_functions import FUNCTIONS, OPERATORS
from sdcluster.engine.batch_tree import (
    Call,
    Constant,
    Lookup,
    Operation,
    Reference,
    State,
    Tree,
)

__all__ = ["constant_text", "numpy_text", "python_order", "tree_order"]

# The engine's own functions, as the NumPy code calls them (see batch_runtime).
_ENGINE_TEMPLATES = {"fixed_length": "_h_fixed_length(%(0)s, %(1)s)"}


def numpy_text(tree: Tree | None) -> str:
    """Return the NumPy expression of a tree (``""`` for none)."""
    if tree is None:
        return ""
    return _rendered(tree)[0]


def tree_order(tree: Tree) -> int:
    """Return PySD's arithmetic order of a tree's rendering (0: never parenthesized)."""
    return _rendered(tree)[1]


def constant_text(tree: Constant) -> str:
    """Return a number as PySD's ``NumericBuilder`` writes it."""
    if tree.integer:
        return repr(int(tree.value))
    value = float(tree.value)
    if value != value:
        return "np.nan"
    if value in (float("inf"), float("-inf")):
        return "np.inf" if value > 0 else "(-np.inf)"
    return repr(value)


def _rendered(tree: Tree) -> tuple[str, int]:
    """Return the text of a tree and its order (PySD's ``BuildAST.order``)."""
    if isinstance(tree, Constant):
        return constant_text(tree), 0
    if isinstance(tree, Reference):
        return tree.name, 0
    if isinstance(tree, Operation):
        return _operation(tree)
    if isinstance(tree, Call):
        return _call(tree), 0
    if isinstance(tree, Lookup):
        return f"{tree.table}({numpy_text(tree.argument)})", 0
    return _state(tree), 0


def _lowered(part: tuple[str, int], order: int) -> str:
    """Parenthesize when precedence demands it (PySD's ``BuildAST.lower_order``)."""
    text, own = part
    if own >= order and own != 0 and order != 0:
        return f"({text})"
    return text


def _operation(tree: Operation) -> tuple[str, int]:
    """Render an operation as PySD's ``OperationBuilder.build`` does, line by line."""
    operators = tree.operators
    operands = [_rendered(operand) for operand in tree.operands]
    order = OPERATORS[operators[-1]][1]
    right = _lowered(operands[-1], 2 if operators[-1] == "^" else order)
    if len(operands) == 1:
        own = 1 if operators[0] == "negative" else order
        return OPERATORS[operators[0]][0] % right, own
    for operator, left in zip(reversed(operators), reversed(operands[:-1]), strict=True):
        right = OPERATORS[operator][0] % {"left": _lowered(left, order), "right": right}
    return right, order


def _call(tree: Call) -> str:
    spec = FUNCTIONS.get(tree.function)
    template = _ENGINE_TEMPLATES[tree.function] if spec is None else spec.template
    return template % {str(i): numpy_text(argument) for i, argument in enumerate(tree.arguments)}


def _state(tree: State) -> str:
    last = f"Y[{tree.row}]"
    operands = [numpy_text(operand) for operand in tree.operands]
    if tree.read == "delay":
        return f"{last} / {operands[0]}"
    if tree.read == "trend":
        # PySD's Trend.__call__: zidz(input - state, average_time * abs(state)).
        flow, time = operands
        return f"_h_zidz({flow} - {last}, {time} * np.abs({last}))"
    if tree.read == "forecast":
        # PySD's Forecast.__call__:
        # input * (1 + zidz(input - state, average_time * state) * horizon).
        flow, time, horizon = operands
        return f"{flow} * (1 + _h_zidz({flow} - {last}, {time} * {last}) * {horizon})"
    if tree.read == "sample":  # PySD's SampleIfTrue: IF THEN ELSE(condition, input, state)
        condition, value = operands
        return f"_h_if_then_else({condition}, {value}, {last})"
    if tree.read == "ring":
        return f"_h_ring_read(_ring_{tree.name}, k)"
    return last


def python_order(tree: Tree) -> Tree:
    """Return the tree as Python evaluates its NumPy rendering, every operation explicit.

    PySD's parenthesization leaves a few operations to Python's own
    precedence, which the tree does not show: ``-(a*b)`` renders as
    ``-a*b``, which Python evaluates as ``(-a)*b``; ``c * -(a*b)`` as
    ``c*-a*b``, ``((c*(-a))*b)``; ``c^-(a*b)`` as ``c**-a*b``,
    ``(c**(-a))*b``; and ``-2^x`` as ``-(2**x)``. In the tree returned,
    ``+ - * /`` chains evaluate from the left, ``^`` operations are binary
    (nested to the right) and no operand depends on Python's precedence, so
    an emitter that parenthesizes every operation (JavaScript) or follows
    Python's rules (Numba) computes what NumPy computes.
    """
    if isinstance(tree, Operation):
        return _python_operation(tree)
    parts = [python_order(part) for part in _children(tree)]
    if isinstance(tree, Call):
        return Call(tree.function, tuple(parts), shape=tree.shape)
    if isinstance(tree, Lookup):
        return Lookup(tree.table, parts[0], shape=tree.shape)
    if isinstance(tree, State):
        return State(tree.read, tree.name, tree.row, tuple(parts), shape=tree.shape)
    return tree


def _children(tree: Tree) -> tuple[Tree, ...]:
    if isinstance(tree, Call | State):
        return tree.arguments if isinstance(tree, Call) else tree.operands
    return (tree.argument,) if isinstance(tree, Lookup) else ()


_PRODUCTS = frozenset({"*", "/"})


def _bare_product(original: Tree, ordered: Tree, lowered_at: int) -> bool:
    """Tell whether an operand is a ``* /`` chain that Python reads at the operation's level."""
    order = tree_order(original)
    parenthesized = order >= lowered_at and order != 0 and lowered_at != 0
    return (not parenthesized and isinstance(ordered, Operation)
            and set(ordered.operators) <= _PRODUCTS and len(ordered.operands) > 1)


def _negative_constant(tree: Tree) -> bool:
    if not isinstance(tree, Constant):
        return False
    value = float(tree.value)
    return str(value).startswith("-") and value != float("-inf")


def _python_operation(tree: Operation) -> Tree:
    operators, operands = tree.operators, tree.operands
    ordered = [python_order(operand) for operand in operands]
    if operators == ("negative",):
        inner = ordered[0]
        if _bare_product(operands[0], inner, 3):  # -a*b is (-a)*b
            assert isinstance(inner, Operation)
            first = Operation(("negative",), (inner.operands[0],))
            return Operation(inner.operators, (first, *inner.operands[1:]))
        return Operation(operators, (inner,))
    if set(operators) <= _PRODUCTS:  # c*-a*b: the product's factors join the chain
        joined_operators: list[str] = []
        joined: list[Tree] = []
        for index, (original, part) in enumerate(zip(operands, ordered, strict=True)):
            if index:
                joined_operators.append(operators[index - 1])
            if _bare_product(original, part, 2):
                assert isinstance(part, Operation)
                joined_operators += part.operators
                joined += part.operands
            else:
                joined.append(part)
        return Operation(tuple(joined_operators), tuple(joined))
    if set(operators) == {"^"}:
        return _python_power(operands, ordered)
    return Operation(operators, tuple(ordered))


def _python_power(operands: tuple[Tree, ...], ordered: list[Tree]) -> Tree:
    """Return Python's power chain.

    ``a**b**c`` is ``a**(b**c)``; ``-2**x`` is ``-(2**x)``; ``c**-a*b`` is ``(c**(-a))*b``.
    """
    last, rest = ordered[-1], ordered[:-1]
    escaped: Operation | None = None
    if _bare_product(operands[-1], last, 2):  # the exponent is -a*b: only -a is the exponent
        assert isinstance(last, Operation)
        escaped, last = last, last.operands[0]
    result = last
    for part in reversed(rest):
        if _negative_constant(part):
            assert isinstance(part, Constant)
            positive = Constant(-part.value, integer=part.integer)
            result = Operation(("negative",), (Operation(("^",), (positive, result)),))
        else:
            result = Operation(("^",), (part, result))
    if escaped is None:
        return result
    return Operation(escaped.operators, (result, *escaped.operands[1:]))

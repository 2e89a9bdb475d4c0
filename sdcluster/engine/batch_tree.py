"""The batch engine's typed expression tree, and the passes over it.

The translator (:mod:`sdcluster.engine.batch_translate`) writes each node of
a plan as a tree of these frozen dataclasses instead of source text; every
emitter renders the tree for its backend (the NumPy one:
:mod:`sdcluster.engine.batch_tree_numpy`). The kinds of tree:

:class:`Constant`
    A number, as PySD's ``NumericBuilder`` gives it (an integer or a float).
:class:`Reference`
    The value of another node of the plan, of TIME, of the time step
    ``_dt`` or of a named literal, with the *kind* of what it names (so no
    emitter recovers it from the name).
:class:`Operation`
    A chain of operators of one precedence level with their operands, as
    PySD's ``ArithmeticStructure`` and ``LogicStructure`` hold them
    (``a - b + c``: operators ``("-", "+")``, three operands; a unary
    operation has one operator and one operand). The chain evaluates as
    Python evaluates its rendering.
:class:`Call`
    A function of PySD's function space (the keys of
    :data:`~sdcluster.engine.batch_functions.FUNCTIONS`) or of the engine's
    own (:data:`ENGINE_FUNCTIONS`), with its arguments.
:class:`Lookup`
    A lookup table of the plan, read at its argument.
:class:`State`
    The output of a state object (INTEG, SMOOTH, DELAY, TREND, FORECAST,
    SAMPLE IF TRUE, DELAY FIXED): its rows of the state matrix and the nodes
    its output is computed from.

Every tree has a :data:`Shape`: today every value is one number per member,
``()`` (:data:`SCALAR`); subscripts will add dimensions. The passes
(:func:`transform`, :func:`rename`, :func:`references`, :func:`children`)
never change a tree: they return a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

__all__ = [
    "ENGINE_FUNCTIONS",
    "SCALAR",
    "Call",
    "Constant",
    "Lookup",
    "Operation",
    "Reference",
    "ReferenceKind",
    "Shape",
    "State",
    "StateRead",
    "Tree",
    "children",
    "constant",
    "references",
    "rename",
    "transform",
    "walk",
]

#: The dimensions of a value beyond the members: ``()`` for one number per member.
Shape = tuple[int, ...]
SCALAR: Shape = ()

#: What a reference names: a node of the plan (by its role), TIME, the time step or a literal.
ReferenceKind = Literal[
    "time", "dt", "element", "argument", "state", "hoisted", "clock", "literal"
]

#: How a state object's output is read (see :class:`State`).
StateRead = Literal["last", "delay", "trend", "forecast", "sample", "ring"]

#: The engine's own functions a tree may call (not in PySD's function space).
ENGINE_FUNCTIONS = frozenset({"fixed_length"})


@dataclass(frozen=True)
class Constant:
    """A number: ``integer`` tells whether PySD wrote it as an integer (``repr(int)``)."""

    value: float | int
    integer: bool = False
    shape: Shape = field(default=SCALAR, kw_only=True)


@dataclass(frozen=True)
class Reference:
    """The value of ``name``: a node of the plan, ``time``, ``_dt`` or a literal's name."""

    name: str
    kind: ReferenceKind
    shape: Shape = field(default=SCALAR, kw_only=True)


@dataclass(frozen=True)
class Operation:
    """A chain of operators of one precedence level: ``len(operands) == len(operators) + 1``.

    A unary operation (``"negative"``, ``":NOT:"``) has one operator and one operand.
    """

    operators: tuple[str, ...]
    operands: tuple[Tree, ...]
    shape: Shape = field(default=SCALAR, kw_only=True)


@dataclass(frozen=True)
class Call:
    """A call of a function (PySD's name, or one of :data:`ENGINE_FUNCTIONS`)."""

    function: str
    arguments: tuple[Tree, ...]
    shape: Shape = field(default=SCALAR, kw_only=True)


@dataclass(frozen=True)
class Lookup:
    """The lookup table ``table`` of the plan, read at ``argument``."""

    table: str
    argument: Tree
    shape: Shape = field(default=SCALAR, kw_only=True)


@dataclass(frozen=True)
class State:
    """The output of the state object ``name``, whose last row is ``row``.

    ``read`` says how: ``"last"`` the last row (INTEG, SMOOTH); ``"delay"``
    the last row over the delay time (``operands``: the time); ``"trend"``
    PySD's ``Trend`` (input, average time); ``"forecast"`` PySD's
    ``Forecast`` (input, average time, horizon); ``"sample"`` SAMPLE IF
    TRUE's IF THEN ELSE of the row (condition, input); ``"ring"`` the DELAY
    FIXED ring buffer's slot of this step.
    """

    read: StateRead
    name: str
    row: int
    operands: tuple[Tree, ...] = ()
    shape: Shape = field(default=SCALAR, kw_only=True)


Tree = Constant | Reference | Operation | Call | Lookup | State


def constant(value: object) -> Constant:
    """Return the constant of a number as PySD's ``NumericBuilder`` has it (bools are integers)."""
    import numpy as np

    if isinstance(value, bool | int | np.integer):
        return Constant(int(value), integer=True)
    return Constant(float(value))  # type: ignore[arg-type]


def children(tree: Tree) -> tuple[Tree, ...]:
    """Return the subtrees of a tree, in evaluation order."""
    if isinstance(tree, Operation):
        return tree.operands
    if isinstance(tree, Call):
        return tree.arguments
    if isinstance(tree, Lookup):
        return (tree.argument,)
    if isinstance(tree, State):
        return tree.operands
    return ()


def _with_children(tree: Tree, new: tuple[Tree, ...]) -> Tree:
    if isinstance(tree, Operation):
        return replace(tree, operands=new)
    if isinstance(tree, Call):
        return replace(tree, arguments=new)
    if isinstance(tree, Lookup):
        return replace(tree, argument=new[0])
    if isinstance(tree, State):
        return replace(tree, operands=new)
    return tree


def transform(tree: Tree, function: Callable[[Tree], Tree]) -> Tree:
    """Return a new tree: ``function`` applied bottom-up to every subtree (children first)."""
    parts = children(tree)
    if parts:
        tree = _with_children(tree, tuple(transform(part, function) for part in parts))
    return function(tree)


def walk(tree: Tree) -> Iterator[Tree]:
    """Yield a tree and all its subtrees, parents first."""
    yield tree
    for part in children(tree):
        yield from walk(part)


def references(tree: Tree | None) -> frozenset[str]:
    """Return the names of the plan's nodes (and ``time``) a tree reads."""
    if tree is None:
        return frozenset()
    return frozenset(
        part.name
        for part in walk(tree)
        if isinstance(part, Reference) and part.kind not in ("dt", "literal")
    )


def rename(tree: Tree, mapping: Mapping[str, str]) -> Tree:
    """Return the tree with the references of ``mapping``'s keys renamed to its values."""
    def renamed(part: Tree) -> Tree:
        if isinstance(part, Reference) and part.name in mapping:
            return replace(part, name=mapping[part.name])
        return part

    return transform(tree, renamed)


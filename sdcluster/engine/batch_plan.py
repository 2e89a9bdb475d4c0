"""The batch engine's plan: the nodes, state objects and lookups a translated model is made of.

:func:`~sdcluster.engine.batch_translate.translate` walks PySD's abstract
model and writes a :class:`Plan`: plain, picklable data that every emitter
reads (the NumPy code generator :mod:`sdcluster.engine.batch_codegen`, the
Numba one :mod:`sdcluster.engine.batch_numba`, the browser script
:mod:`sdcluster.engine.batch_js`). The questions the emitters ask of a plan's
dependency graph live here too: which nodes cannot change during a run
(:func:`static_nodes`), which are STEP, PULSE or RAMP of those
(:func:`clock_nodes`), and which change only when such a clock does
(:func:`slow_nodes`), and which nodes a step computes, in which order
(:func:`step_deps`, :func:`topological_order`, :func:`dynamic_nodes`): the
one order all three emitters follow. The refusals of plans whose PySD result
depends on PySD's evaluation order are :mod:`sdcluster.engine.batch_checks`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from sdcluster.engine.batch_tree import Tree
from sdcluster.engine.batch_tree_numpy import numpy_text
from sdcluster.engine.batch_variables import VariableInfo
from sdcluster.errors import ModelFileError, UnsupportedConstructError

__all__ = [
    "LookupSpec",
    "Node",
    "NodeKind",
    "Plan",
    "StateKind",
    "StateObject",
    "clock_nodes",
    "derivative_roots",
    "dynamic_nodes",
    "init_deps",
    "init_expr",
    "refusal",
    "slow_nodes",
    "static_nodes",
    "step_deps",
    "topological_order",
]

NodeKind = Literal["time", "param", "control", "aux", "state", "stateinit", "initial"]
StateKind = Literal["integ", "smooth", "delay", "trend", "forecast", "fixed", "sample"]


@dataclass(frozen=True)
class Node:
    """One named value of the generated code.

    Attributes
    ----------
    name
        Local identifier in the generated code (``v_<python name>`` for model
        elements, ``a_...`` for arguments of state objects, ``s_...`` for
        state objects' outputs, ``i_...`` for their initialization, ``h_...``
        for subexpressions given a node of their own because they change
        seldom or never, ``c_...`` for STEP, PULSE and RAMP calls of such
        values).
    kind
        How the value comes about: ``param`` (a model constant, settable per
        member), ``control`` (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER),
        ``aux`` (an expression), ``state`` (read from the state matrix),
        ``stateinit`` (writes a state object's initial rows), ``initial``
        (an INITIAL value, frozen at initialization) or ``time``.
    tree
        The expression computing the value (:mod:`~sdcluster.engine.batch_tree`;
        for ``param`` and ``control``: the model's default expression; none
        for ``stateinit``).
    deps
        Names of the nodes the expression reads.

    """

    name: str
    kind: NodeKind
    tree: Tree | None
    deps: frozenset[str]

    @cached_property
    def expr(self) -> str:
        """The NumPy expression of the tree (``""`` for none), see :func:`numpy_text`."""
        return numpy_text(self.tree)


@dataclass(frozen=True)
class StateObject:
    """A stateful construct and its rows in the state matrix ``Y``.

    ``flow`` names the node holding the derivative (INTEG) or the input
    (SMOOTH, DELAY); ``time`` the smoothing or delay time; ``initial`` the
    initial value. ``construct`` is the Vensim name (``"SMOOTH N"``...), for
    messages. ``order_node`` is the node of an order read from a constant
    (SMOOTH N, DELAY N): the rows are allocated for the model's value of it,
    ``order``, and the initialization checks that every member has that
    value.
    """

    name: str
    kind: StateKind
    row: int
    order: int
    order_text: str
    flow: str
    time: str | None
    initial: str
    non_negative: bool
    element: str
    construct: str = ""
    order_node: str | None = None
    ring_length: str | None = None
    #: A SAMPLE IF TRUE's condition and input nodes (its ``flow`` is its own output).
    sampled: tuple[str, str] | None = None


@dataclass(frozen=True)
class LookupSpec:
    """A lookup table: points and PySD's interpolation method."""

    name: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    method: str


@dataclass(frozen=True)
class Plan:
    """Everything the code generator needs, as plain picklable data.

    ``clock`` holds the control variables' values by node (the loaded model's
    clock, see :func:`~sdcluster.engine.batch_variables.clock_values`).
    """

    source_path: str
    nodes: dict[str, Node]
    states: tuple[StateObject, ...]
    n_rows: int
    lookups: tuple[LookupSpec, ...]
    variables: tuple[VariableInfo, ...]
    clock: dict[str, float] = field(default_factory=dict)
    element_of_node: dict[str, str] = field(default_factory=dict)
    literals: dict[str, str] = field(default_factory=dict)
    #: ACTIVE INITIAL nodes: the node of the value they have at initialization
    #: (their expression is the one of the run), see :func:`init_deps`.
    active_initials: dict[str, str] = field(default_factory=dict)


_STATIC_LEAVES = frozenset({"param", "control", "initial", "stateinit"})


def static_nodes(nodes: Mapping[str, Node], inputs: frozenset[str]) -> frozenset[str]:
    """Return the nodes whose value cannot change during a run.

    A node is static if it is a constant that is not an exogenous input, a
    control variable, an INITIAL value, or an expression of static nodes.
    """
    static = {
        name for name, node in nodes.items() if node.kind in _STATIC_LEAVES and name not in inputs
    }
    pending = [node for node in nodes.values() if node.kind == "aux"]
    while True:
        ready = [node for node in pending if node.deps <= static]
        if not ready:
            return frozenset(static)
        static.update(node.name for node in ready)
        pending = [node for node in pending if node.name not in static]


def clock_nodes(nodes: Mapping[str, Node], static: frozenset[str]) -> frozenset[str]:
    """Return the clocks: nodes that are a STEP, PULSE or RAMP of static values.

    A clock depends on time, but a STEP's or a PULSE's value changes at a few
    steps only.
    """
    return frozenset(
        name
        for name, node in nodes.items()
        if name.startswith("c_") and node.deps - {"time"} <= static
    )


def slow_nodes(nodes: Mapping[str, Node], static: frozenset[str]) -> frozenset[str]:
    """Return the nodes, not static, that change only when a clock does.

    Such a node is an expression of static values, clocks and other slow
    nodes, without TIME itself (``openness + STEP(0.2, 30)``): its value is
    the same as at the previous step unless a clock's value changed.
    """
    known = set(static | clock_nodes(nodes, static))
    slow: set[str] = set()
    pending = [node for node in nodes.values() if node.kind == "aux" and node.name not in known]
    while True:
        ready = {node.name for node in pending if node.deps <= known}
        if not ready:
            return frozenset(slow)
        known |= ready
        slow |= ready
        pending = [node for node in pending if node.name not in ready]


def init_deps(plan: Plan) -> Callable[[Node], frozenset[str]]:
    """Return what a node reads at initialization.

    All its dependencies, except for an ACTIVE INITIAL, which reads its
    initial value's node instead of its expression's (as PySD's
    ``active_initial`` returns the initial value while the model
    initializes): that is what breaks a loop through a stock's initial value.
    """
    def deps(node: Node) -> frozenset[str]:
        initial = plan.active_initials.get(node.name)
        return node.deps if initial is None else frozenset({initial})

    return deps


def init_expr(plan: Plan, node: Node) -> str:
    """Return the expression of a node at initialization (see :func:`init_deps`)."""
    return plan.active_initials.get(node.name, node.expr)


def step_deps(plan: Plan, static: frozenset[str]) -> Callable[[Node], frozenset[str]]:
    """Return what a node reads during a step: nothing for a static node, no state's init."""
    # During the run, static values are given and state objects read Y: what
    # they were computed from at initialization is not evaluated again.
    def deps(node: Node) -> frozenset[str]:
        if node.name in static:
            return frozenset()
        return frozenset(dep for dep in node.deps if plan.nodes[dep].kind != "stateinit")

    return deps


def topological_order(
    plan: Plan, roots: Iterable[str], deps: Callable[[Node], frozenset[str]]
) -> list[str]:
    """Return ``roots`` and everything they depend on, dependencies first.

    Raises
    ------
    ModelFileError
        If the nodes form a loop without a stock (simultaneous equations).

    """
    order: list[str] = []
    done: set[str] = set()
    for root in roots:
        if root in done:
            continue
        stack: list[tuple[str, list[str]]] = [(root, sorted(deps(plan.nodes[root])))]
        path = [root]
        while stack:
            name, pending = stack[-1]
            if not pending:
                stack.pop()
                path.pop()
                done.add(name)
                order.append(name)
                continue
            dep = pending.pop()
            if dep in done:
                continue
            if dep in path:
                raise _loop_error(plan, [*path[path.index(dep) :], dep])
            stack.append((dep, sorted(deps(plan.nodes[dep]))))
            path.append(dep)
    return order


def _loop_error(plan: Plan, cycle: list[str]) -> ModelFileError:
    names: list[str] = []
    for node in cycle:
        element = plan.element_of_node.get(node, node)
        if not names or names[-1] != element:
            names.append(element)
    return ModelFileError(
        f"{plan.source_path}: simultaneous equations (a loop without a stock): "
        + " -> ".join(repr(name) for name in names)
    )


def derivative_roots(state: StateObject) -> list[str]:
    """Return the nodes a state object's derivative reads: its flow (and its time)."""
    return [state.flow] if state.time is None else [state.flow, state.time]


def dynamic_nodes(
    plan: Plan,
    roots: Iterable[str],
    static: frozenset[str],
    deps: Callable[[Node], frozenset[str]],
) -> list[str]:
    """Return the nodes a step computes for ``roots``, in order: neither static nor TIME."""
    order = topological_order(plan, roots, deps)
    return [name for name in order if name not in static and name != "time"]


def refusal(path: Path, construct: str, variable: str) -> UnsupportedConstructError:
    """Return the engine's refusal of a construct in a variable, naming the model file."""
    return UnsupportedConstructError(
        f"not supported by the vectorized engine: {construct} in {variable!r} "
        f"(model {path.name}); run it with the PySD runner instead"
    )

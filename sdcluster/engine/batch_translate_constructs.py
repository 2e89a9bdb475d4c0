"""The translation of PySD's calls and stateful constructs into plan nodes.

:class:`Constructs` is the part of the batch engine's translator
(:mod:`sdcluster.engine.batch_translate`) that turns calls (functions,
lookups, ACTIVE INITIAL, WITH LOOKUP) and stateful constructs (INITIAL,
INTEG, SMOOTH*, SMOOTH N, DELAY*, DELAY N, TREND, FORECAST, DELAY FIXED,
SAMPLE IF TRUE) into nodes and state objects, as PySD creates its ``Integ``,
``Smooth``, ``Delay``, ``DelayN``, ``Trend``, ``Forecast``, ``DelayFixed``,
``SampleIfTrue`` and ``Initial`` objects with one lambda per argument.
:class:`Expr` is the expression tree (:mod:`~sdcluster.engine.batch_tree`)
the translator passes around, with the nodes it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from sdcluster.engine.batch_functions import FUNCTIONS
from sdcluster.engine.batch_plan import LookupSpec, Node, StateKind, StateObject, refusal
from sdcluster.engine.batch_tree import (
    Call,
    Lookup,
    Reference,
    ReferenceKind,
    State,
    StateRead,
    Tree,
    constant,
)
from sdcluster.engine.batch_tree_numpy import numpy_text
from sdcluster.model.loaded import LoadedModel

if TYPE_CHECKING:
    from pysd.builders.python.namespace import NamespaceManager

__all__ = ["ORDER_CONSTANTS", "Constructs", "Expr", "number"]

# The constructs whose order may be a model constant rather than a number.
ORDER_CONSTANTS = frozenset({"SMOOTH N", "DELAY N"})


@dataclass(frozen=True)
class Expr:
    """An expression tree and the names of the nodes it reads."""

    tree: Tree
    deps: frozenset[str]


def number(value: Any) -> Expr:
    """Return a literal as PySD's NumericBuilder has it (see :func:`constant`)."""
    return Expr(constant(value), frozenset())


def _ref(name: str, kind: ReferenceKind) -> Expr:
    """Return a reference to the node ``name`` and that node as what it reads."""
    return Expr(Reference(name, kind), frozenset({name}))


class Constructs:
    """Calls and stateful constructs of the translator (a mixin of ``_Translator``).

    The attributes are the translator's: the nodes, state objects and lookups
    collected so far, and the element being translated.
    """

    model: LoadedModel
    path: Path
    namespace: NamespaceManager
    nodes: dict[str, Node]
    states: list[StateObject]
    lookups: dict[str, LookupSpec]
    element_of_node: dict[str, str]
    literals: dict[str, str]
    active_initials: dict[str, str]
    rows: int
    element: str
    identifier: str

    if TYPE_CHECKING:  # the translator's own methods, which these constructs call
        def visit(self, ast: Any) -> Expr: ...  # noqa: D102
        def _reference(self, ast: Any) -> Expr: ...
        def _hoisted(self, expr: Expr) -> Expr: ...
        def _clock(self, expr: Expr) -> Expr: ...
        def _lookup_spec(self, name: str, ast: Any, element: str) -> LookupSpec: ...

    def _call(self, ast: Any) -> Expr:
        function = ast.function.reference
        identifier = self.namespace.cleanspace.get(function)
        if identifier is not None and identifier in self.lookups:
            argument = self._hoisted(self.visit(ast.arguments[0]))
            return Expr(Lookup(f"_lk_{identifier}", argument.tree), argument.deps)
        if function == "active_initial" and len(ast.arguments) == 2:
            return self._active_initial(ast)
        spec = FUNCTIONS.get(function)
        if spec is None:
            raise refusal(self.path, function.upper().replace("_", " "), self.element)
        if len(ast.arguments) not in spec.n_args:
            raise refusal(
                self.path,
                f"{function.upper()} with {len(ast.arguments)} arguments",
                self.element,
            )
        arguments = [self._hoisted(self.visit(argument)) for argument in ast.arguments]
        if function in ("min", "max"):
            arguments = [self._named_literal(argument) for argument in arguments]
        deps = frozenset().union(*(argument.deps for argument in arguments))
        tree = Call(function, tuple(argument.tree for argument in arguments))
        if spec.uses_time:
            return self._clock(Expr(tree, deps | {"time"}))
        return Expr(tree, deps)

    def _active_initial(self, ast: Any) -> Expr:
        """Translate ACTIVE INITIAL(expression, initial) into a node with two values.

        PySD's ``active_initial`` gives the initial value while the model
        initializes (stocks' and INITIAL's initial values read that) and the
        expression during the run: the node's expression is the run's, and
        :attr:`~sdcluster.engine.batch_plan.Plan.active_initials` names the
        node of the initial value, which the initialization computes instead.
        """
        name = self._unique(f"s_active_{self.identifier}")
        expr = self.visit(ast.arguments[0])
        initial = self._argument(name, "initial", ast.arguments[1])
        self.nodes[name] = Node(name, "aux", expr.tree, expr.deps)
        self.element_of_node[name] = self.element
        self.active_initials[name] = initial
        return _ref(name, "state")

    def _named_literal(self, argument: Expr) -> Expr:
        # NumPy's minimum/maximum run about twice as fast on two full arrays as
        # on an array and a scalar: constant arguments become named constants
        # that the step code binds as full arrays (same values, same results).
        if argument.deps:
            return argument
        text = numpy_text(argument.tree)
        name = self.literals.setdefault(text, f"_lit_{len(self.literals)}")
        return Expr(Reference(name, "literal"), frozenset())

    def _inline_lookup(self, ast: Any) -> Expr:
        argument = self.visit(ast.argument)
        name = self._unique(f"_lk_inline_{self.identifier}")
        spec = self._lookup_spec(name, ast.lookups, self.element)
        # PySD always uses np.interp for WITH LOOKUP, whatever the table's type.
        self.lookups[name] = LookupSpec(name, spec.x, spec.y, "interpolate")
        return Expr(Lookup(name, argument.tree), argument.deps)

    # -- stateful constructs -----------------------------------------------

    def _unique(self, base: str) -> str:
        name, i = base, 1
        while name in self.nodes or name in self.lookups:
            name, i = f"{base}_{i}", i + 1
        return name

    def _argument(self, owner: str, role: str, ast: Any) -> str:
        expr = self.visit(ast)
        name = self._unique(f"a_{owner[2:]}_{role}")
        self.nodes[name] = Node(name, "aux", expr.tree, expr.deps)
        self.element_of_node[name] = self.element
        return name

    def _initial(self, ast: Any) -> Expr:
        name = self._unique(f"s_initial_{self.identifier}")
        value = self._argument(name, "value", ast.initial)
        self.nodes[name] = Node(name, "initial", Reference(value, "argument"), frozenset({value}))
        self.element_of_node[name] = self.element
        return _ref(name, "state")

    def _integ(self, ast: Any) -> Expr:
        name = self._unique(f"s_integ_{self.identifier}")
        flow = self._argument(name, "flow", ast.flow)
        initial = self._argument(name, "initial", ast.initial)
        return self._state_object(name, "integ", 1, "1", flow, None, initial, ast.non_negative)

    def _smooth(self, ast: Any) -> Expr:
        # SMOOTH N is PySD's Smooth too, with an order of the modeler's.
        construct = "SMOOTH N" if isinstance(ast, ae.SmoothNStructure) else "SMOOTH"
        name = self._unique(f"s_smooth_{self.identifier}")
        order, order_text, order_node = self._order(ast.order, construct)
        flow = self._argument(name, "input", ast.input)
        time = self._argument(name, "time", ast.smooth_time)
        initial = self._argument(name, "initial", ast.initial)
        return self._state_object(name, "smooth", order, order_text, flow, time, initial, False,
                                  construct, order_node)

    def _delay(self, ast: Any) -> Expr:
        # DELAY N is DELAY's arithmetic when its delay time is fixed (check_fixed_times).
        construct = "DELAY N" if isinstance(ast, ae.DelayNStructure) else "DELAY"
        name = self._unique(f"s_delay_{self.identifier}")
        order, order_text, order_node = self._order(ast.order, construct)
        flow = self._argument(name, "input", ast.input)
        time = self._argument(name, "time", ast.delay_time)
        initial = self._argument(name, "initial", ast.initial)
        return self._state_object(name, "delay", order, order_text, flow, time, initial, False,
                                  construct, order_node)

    def _trend(self, ast: Any) -> Expr:
        # PySD's Trend: one state, the input's exponential average (see _state_object).
        name = self._unique(f"s_trend_{self.identifier}")
        flow = self._argument(name, "input", ast.input)
        time = self._argument(name, "time", ast.average_time)
        initial = self._argument(name, "initial", ast.initial_trend)
        return self._state_object(name, "trend", 1, "1", flow, time, initial, False, "TREND")

    def _forecast(self, ast: Any) -> Expr:
        # PySD's Forecast: TREND's state, another start and output (see _state_object).
        name = self._unique(f"s_forecast_{self.identifier}")
        flow = self._argument(name, "input", ast.input)
        time = self._argument(name, "time", ast.average_time)
        horizon = self._argument(name, "horizon", ast.horizon)
        initial = self._argument(name, "initial", ast.initial_trend)
        return self._state_object(name, "forecast", 1, "1", flow, time, initial, False,
                                  "FORECAST", horizon=horizon)

    def _delay_fixed(self, ast: Any) -> Expr:
        """Translate a DELAY FIXED into a ring buffer (see :class:`StateObject`).

        PySD's ``DelayFixed`` reads its delay time and initial value once, at
        initialization: both are frozen in nodes of kind ``initial``, the
        length as PySD rounds it, ``round(max(delay time / TIME STEP, 1) + 1e-6)``.
        """
        name = self._unique(f"s_fixed_{self.identifier}")
        flow = self._argument(name, "input", ast.input)
        time = self._argument(name, "time", ast.delay_time)
        initial = self._argument(name, "initial", ast.initial)
        length = self._unique(f"s_length_{self.identifier}")
        start = self._unique(f"s_start_{self.identifier}")
        length_tree = Call("fixed_length", (Reference(time, "argument"), Reference("_dt", "dt")))
        self.nodes[length] = Node(length, "initial", length_tree, frozenset({time}))
        self.nodes[start] = Node(start, "initial", Reference(initial, "argument"),
                                 frozenset({initial}))
        state = StateObject(name=name, kind="fixed", row=self.rows, order=0, order_text="0",
                            flow=flow, time=None, initial=start, non_negative=False,
                            element=self.element, construct="DELAY FIXED", ring_length=length)
        self.states.append(state)
        init_name = f"i_{name[2:]}"
        self.nodes[init_name] = Node(init_name, "stateinit", None, frozenset({length, start}))
        self.nodes[name] = Node(name, "state", State("ring", name, state.row),
                                frozenset({init_name}))
        for node in (length, start, init_name, name):
            self.element_of_node[node] = self.element
        return _ref(name, "state")

    def _sample_if_true(self, ast: Any) -> Expr:
        """Translate a SAMPLE IF TRUE into a state row that the step overwrites.

        PySD's ``SampleIfTrue`` gives ``IF THEN ELSE(condition, input,
        state)`` and, after the step, stores ``state * 0 +`` that value: the
        state's derivative is 0 and the step code writes the row itself, after
        every read of the step (see
        :func:`~sdcluster.engine.batch_checks.check_sample_inputs`). The state
        object's ``flow`` is the output's own node, which the step computes.
        """
        name = self._unique(f"s_sample_{self.identifier}")
        condition = self._argument(name, "condition", ast.condition)
        value = self._argument(name, "input", ast.input)
        initial = self._argument(name, "initial", ast.initial)
        state = StateObject(name=name, kind="sample", row=self.rows, order=1, order_text="1",
                            flow=name, time=None, initial=initial, non_negative=False,
                            element=self.element, construct="SAMPLE IF TRUE",
                            sampled=(condition, value))
        self.rows += 1
        self.states.append(state)
        init_name = f"i_{name[2:]}"
        self.nodes[init_name] = Node(init_name, "stateinit", None, frozenset({initial}))
        read = State("sample", name, state.row,
                     (Reference(condition, "argument"), Reference(value, "argument")))
        self.nodes[name] = Node(name, "state", read, frozenset({init_name, condition, value}))
        for node in (init_name, name):
            self.element_of_node[node] = self.element
        return _ref(name, "state")

    def _order(self, order: Any, construct: str) -> tuple[int, str, str | None]:
        """Return the order of a delay or smooth, its text in the derivatives and its node.

        An order is a number, or for SMOOTH N and DELAY N a model constant:
        the number of stages, so of state rows, is the model's value of it
        (members that set another value are refused when the run starts,
        see :func:`~sdcluster.engine.batch_runtime.check_order`).
        """
        if isinstance(order, ae.ReferenceStructure) and construct in ORDER_CONSTANTS:
            return self._order_constant(order, construct)
        if not isinstance(order, int | float | np.integer | np.floating) or int(order) < 1:
            raise refusal(self.path, "a non-constant delay or smooth order", self.element)
        if construct == "SMOOTH N" and order != int(order):
            # PySD's Smooth makes a list of `order` stages: a fraction fails there.
            raise refusal(self.path, f"{construct} with the order {order!r}", self.element)
        # PySD's DelayN truncates the order (int(order)) and multiplies by that.
        text = repr(int(order)) if construct == "DELAY N" else numpy_text(constant(order))
        return int(order), text, None

    def _order_constant(self, order: Any, construct: str) -> tuple[int, str, str | None]:
        reference = self._reference(order)
        names = {identifier: name for name, identifier in self.namespace.namespace.items()}
        node = numpy_text(reference.tree)
        name = names.get(node[2:], "")
        variable = self.model.variables.get(name)
        default = None if variable is None or variable.kind != "constant" else variable.default
        if default is None or not np.isfinite(default) or int(default) < 1:
            raise refusal(self.path, f"{construct} with an order that is not a number or a "
                           "constant of at least 1", self.element)
        if construct == "SMOOTH N" and default != int(default):
            raise refusal(self.path, f"{construct} with the order {default!r}", self.element)
        planned = int(default)
        return planned, repr(planned), node

    def _state_object(
        self,
        name: str,
        kind: StateKind,
        order: int,
        order_text: str,
        flow: str,
        time: str | None,
        initial: str,
        non_negative: Any,
        construct: str = "INTEG",
        order_node: str | None = None,
        horizon: str | None = None,
    ) -> Expr:
        state = StateObject(
            name=name,
            kind=kind,
            row=self.rows,
            order=order,
            order_text=order_text,
            flow=flow,
            time=time,
            initial=initial,
            non_negative=bool(non_negative),
            element=self.element,
            construct=construct,
            order_node=order_node,
        )
        self.rows += order
        self.states.append(state)
        init_name = f"i_{name[2:]}"
        init_deps = {initial} if time is None else {initial, time}
        if order_node is not None:
            init_deps.add(order_node)  # checked at initialization
        if kind in ("trend", "forecast"):
            init_deps.add(flow)  # PySD's Trend and Forecast start from the input
        self.nodes[init_name] = Node(init_name, "stateinit", None, frozenset(init_deps))
        # The output's arguments, as PySD's objects compute it (see batch_tree_numpy).
        roles: dict[str, tuple[StateRead, tuple[str | None, ...]]] = {
            "delay": ("delay", (time,)),
            "trend": ("trend", (flow, time)),
            "forecast": ("forecast", (flow, time, horizon)),
        }
        how, read_from = roles.get(kind, ("last", ()))
        operands = tuple(Reference(str(node), "argument") for node in read_from)
        read = State(how, name, state.row + order - 1, operands)
        read_deps = {init_name, *(str(node) for node in read_from)}
        self.nodes[name] = Node(name, "state", read, frozenset(read_deps))
        for node in (init_name, name):
            self.element_of_node[node] = self.element
        return _ref(name, "state")

"""Turn PySD's abstract model into a plan the batch engine can compile.

PySD's translators (``pysd.translators.vensim`` and ``pysd.translators.xmile``)
parse a model file into an ``AbstractModel``: elements whose components hold
an abstract syntax tree (``ArithmeticStructure``, ``CallStructure``,
``IntegStructure``, ...). PySD's own Python builder walks that tree and writes
scalar code; this module walks the same tree and writes vectorized NumPy
expressions, one per element, into a :class:`~sdcluster.engine.batch_plan.Plan`:

- every model element becomes a *node* (a local name in the generated code);
- every stateful construct (INTEG, SMOOTH*, SMOOTH N, DELAY1/3*, DELAY N,
  TREND, INITIAL) becomes a *state object* with rows in the engine's state
  matrix, plus nodes for its arguments, exactly as PySD creates ``Integ``,
  ``Smooth``, ``Delay``, ``DelayN``, ``Trend`` and ``Initial`` objects with
  one lambda per argument; a DELAY FIXED becomes a state object without rows
  whose values wait in a ring buffer, as in PySD's ``DelayFixed``;
- arithmetic is rendered with PySD's own precedence and parenthesization
  rules (``OperationBuilder``), so both engines perform the same floating-point
  operations in the same order.

The abstract model is the one :func:`~sdcluster.model.loaded.load_model`
parsed and cached (:meth:`~sdcluster.model.loaded.LoadedModel.abstract_model`),
and the variables' names, kinds, units, ranges and documentation and the clock
come from the same loaded model (:mod:`sdcluster.engine.batch_variables`).
Constructs outside the supported set raise
:class:`~sdcluster.errors.UnsupportedConstructError`. Nothing here parses
model text. The operator and function tables the walk looks up are
:mod:`sdcluster.engine.batch_functions`; the plan's types and the queries on
its dependency graph are :mod:`sdcluster.engine.batch_plan`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pysd.builders.python.namespace import NamespaceManager
from pysd.translators.structures import abstract_expressions as ae
from pysd.translators.structures import abstract_model as am

from sdcluster.engine.batch_functions import FUNCTIONS, LOOKUP_METHODS, OPERATORS, STRUCTURE_NAMES
from sdcluster.engine.batch_plan import (
    LookupSpec,
    Node,
    NodeKind,
    Plan,
    StateKind,
    StateObject,
    check_fixed_times,
    slow_nodes,
    static_nodes,
)
from sdcluster.engine.batch_runtime import pysd_table_values
from sdcluster.engine.batch_variables import (
    CONTROL_NAMES,
    VariableInfo,
    clock_values,
    variable_info,
)
from sdcluster.errors import ModelFileError, UnsupportedConstructError
from sdcluster.model.loaded import LoadedModel

__all__ = ["translate"]


@dataclass
class _Expr:
    """A Python expression with PySD's arithmetic order (see ``BuildAST``)."""

    text: str
    order: int
    deps: frozenset[str]

    def lower_order(self, new_order: int) -> None:
        # PySD's BuildAST.lower_order: parenthesize when precedence demands it.
        if self.order >= new_order and self.order != 0 and new_order != 0:
            self.text = f"({self.text})"
            self.order = 0


# The node of a variable by its kind: constants are set per member, controls by the clock.
_NODE_KINDS: dict[str, NodeKind] = {"constant": "param", "control": "control"}


def translate(model: LoadedModel) -> Plan:
    """Translate a loaded model's abstract model into a :class:`~sdcluster.engine.batch_plan.Plan`.

    The model is walked three times: the first pass finds which values
    cannot change during a run; the second hoists such subexpressions of
    time-varying equations into nodes of their own, computed once per run
    instead of once per time step (see ``_Translator._hoisted``), and
    gives each STEP, PULSE or RAMP of them a node of its own (a *clock*,
    see :func:`~sdcluster.engine.batch_plan.clock_nodes`); the third also
    hoists the subexpressions that change only when a clock does (see
    :func:`~sdcluster.engine.batch_plan.slow_nodes`), which the step code
    recomputes only then.

    Raises
    ------
    UnsupportedConstructError
        If the model uses a construct the batch engine does not run.
    ModelFileError
        If the model is inconsistent.

    """
    abstract = model.abstract_model()  # the translator's tree: no passes change it
    first = _Translator(model, abstract).plan()
    static = static_nodes(first.nodes, frozenset())
    second = _Translator(model, abstract, static).plan()
    slow = slow_nodes(second.nodes, static_nodes(second.nodes, frozenset()))
    # Names of model elements and stock arguments are the same in every pass.
    elements = {name for name in slow if name.startswith(("v_", "a_"))}
    plan = _Translator(model, abstract, static | elements).plan()
    static = static_nodes(plan.nodes, frozenset())
    check_fixed_times(plan, static)
    _check_delay_fixed_inputs(plan)
    for name in plan.active_initials:
        if name in static:
            # A static node is computed once, at initialization, so it would keep
            # the initial value (PySD caches such values for the run, too).
            raise _refusal(Path(plan.source_path),
                           "ACTIVE INITIAL of a value that does not change during the run",
                           plan.element_of_node[name])
    return plan


def _check_delay_fixed_inputs(plan: Plan) -> None:
    """Refuse a DELAY FIXED whose input reads a DELAY1/DELAY3 or another DELAY FIXED.

    PySD reads a DELAY FIXED's input while it updates its objects one by one
    (in the order of their names: ``_delay_...``, ``_delayfixed_...``, then
    the others), so such an input may see the other delay's next value or
    this step's, depending on PySD's caches. Inputs of anything else read
    this step's values, as the engine does.
    """
    by_node = {state.name: state for state in plan.states}
    for state in plan.states:
        if state.kind != "fixed":
            continue
        seen: set[str] = set()
        pending = [state.flow]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            node = plan.nodes[name]
            other = by_node.get(name)
            if other is not None and other is not state and other.construct in _UPDATED_FIRST:
                raise _refusal(Path(plan.source_path),
                               f"DELAY FIXED of the {other.construct} {other.element!r}",
                               state.element)
            if node.kind in ("aux", "state"):
                pending.extend(node.deps)


# The state objects PySD updates before a DELAY FIXED reads its input.
_UPDATED_FIRST = frozenset({"DELAY", "DELAY FIXED"})


def _refusal(path: Path, construct: str, variable: str) -> UnsupportedConstructError:
    return UnsupportedConstructError(
        f"not supported by the vectorized engine: {construct} in {variable!r} "
        f"(model {path.name}); run it with the PySD runner instead"
    )


class _Translator:
    """Walk one AbstractModel and collect nodes, state objects and lookups."""

    def __init__(
        self, model: LoadedModel, abstract: Any, seldom: frozenset[str] | None = None
    ) -> None:
        self.model = model
        self.path = model.path
        # Names whose values change seldom or never during a run: constants,
        # clocks, slow nodes (None: first pass, no hoisting).
        self.seldom: set[str] | None = None if seldom is None else set(seldom)
        self.section = self._main_section(abstract)
        self.namespace = NamespaceManager()
        self.nodes: dict[str, Node] = {"time": Node("time", "time", "time", frozenset())}
        self.states: list[StateObject] = []
        self.lookups: dict[str, LookupSpec] = {}
        self.element_of_node: dict[str, str] = {}
        self.literals: dict[str, str] = {}
        self.active_initials: dict[str, str] = {}
        self.rows = 0
        self.element = ""
        self.identifier = ""
        self._handlers: dict[type, Callable[[Any], _Expr]] = {
            ae.ArithmeticStructure: self._operation,
            ae.LogicStructure: self._operation,
            ae.ReferenceStructure: self._reference,
            ae.CallStructure: self._call,
            ae.GameStructure: lambda ast: self.visit(ast.expression),
            ae.InitialStructure: self._initial,
            ae.IntegStructure: self._integ,
            ae.SmoothStructure: self._smooth,
            ae.SmoothNStructure: self._smooth,
            ae.DelayStructure: self._delay,
            ae.DelayNStructure: self._delay,
            ae.TrendStructure: self._trend,
            ae.DelayFixedStructure: self._delay_fixed,
            ae.InlineLookupsStructure: self._inline_lookup,
        }

    def _main_section(self, abstract: Any) -> Any:
        sections = list(abstract.sections)
        if len(sections) > 1:
            raise _refusal(self.path, "macros", str(sections[1].name))
        section = sections[0]
        if section.subscripts:
            raise _refusal(self.path, "subscripts", str(section.subscripts[0].name))
        return section

    def plan(self) -> Plan:
        """Translate every element and return the plan."""
        for element in self.section.elements:
            self.namespace.add_to_namespace(element.name)
        for element in self.section.elements:
            self._check_components(element)
            if isinstance(element.components[0].ast, ae.LookupsStructure):
                self._register_lookup(element)
        variables = [
            self._element(element)
            for element in self.section.elements
            if not isinstance(element.components[0].ast, ae.LookupsStructure)
        ]
        self._check_controls()
        return Plan(
            source_path=str(self.path),
            nodes=dict(self.nodes),
            states=tuple(self.states),
            n_rows=self.rows,
            lookups=tuple(self.lookups.values()),
            variables=tuple(variables),
            clock=clock_values(self.model),
            element_of_node=dict(self.element_of_node),
            literals=dict(self.literals),
            active_initials=dict(self.active_initials),
        )

    def _check_components(self, element: Any) -> None:
        components = element.components
        if len(components) != 1 or components[0].subscripts[0]:
            raise _refusal(self.path, "subscripts", element.name)
        if isinstance(components[0], am.AbstractData):
            raise _refusal(self.path, "DATA variables", element.name)

    def _check_controls(self) -> None:
        missing = [name for name in CONTROL_NAMES[:3] if f"v_{name}" not in self.nodes]
        if missing:
            raise ModelFileError(
                f"{self.path}: the model defines no {', '.join(missing)} "
                "(INITIAL TIME, FINAL TIME and TIME STEP are required)"
            )
        for node in [n for n in self.nodes.values() if n.kind == "control"]:
            constants = sorted(d for d in node.deps if self.nodes.get(d, node).kind == "param")
            if constants:
                # Each member may set those constants, and with them its own clock; the
                # engine runs all members on one clock, so PySD (which follows them) runs it.
                names = ", ".join(self.element_of_node.get(d, d) for d in constants)
                raise _refusal(self.path, f"a control variable that is an equation of "
                               f"constants ({names})",
                               self.element_of_node.get(node.name, node.name))
        if "v_saveper" not in self.nodes:
            # PySD saves every time step when the model gives no SAVEPER.
            self.nodes["v_saveper"] = Node(
                "v_saveper", "control", "v_time_step", frozenset({"v_time_step"})
            )

    def _register_lookup(self, element: Any) -> None:
        ast = element.components[0].ast
        identifier = self.namespace.namespace[element.name]
        self.lookups[identifier] = self._lookup_spec(f"_lk_{identifier}", ast, element.name)

    def _lookup_spec(self, name: str, ast: Any, element: str) -> LookupSpec:
        method = str(ast.type)
        if method not in LOOKUP_METHODS:
            raise _refusal(self.path, f"lookup method {method!r}", element)
        x = pysd_table_values(ast.x)
        y = pysd_table_values(ast.y)
        if len(x) != len(y) or len(x) == 0:
            raise ModelFileError(f"{self.path}: lookup {element!r} has unequal x and y lengths")
        if len(np.unique(x)) != len(x):
            raise ModelFileError(f"{self.path}: lookup {element!r} repeats x values")
        order = np.argsort(x, kind="stable")
        return LookupSpec(name, tuple(x[order].tolist()), tuple(y[order].tolist()), method)

    def _element(self, element: Any) -> VariableInfo:
        self.element = element.name
        self.identifier = self.namespace.namespace[element.name]
        if isinstance(element, am.AbstractControlElement) and self.identifier not in CONTROL_NAMES:
            raise ModelFileError(f"{self.path}: unknown control variable {element.name!r}")
        expr = self.visit(element.components[0].ast)
        node_name = f"v_{self.identifier}"
        info = variable_info(self.model, element, self.identifier, node_name)
        # The loaded model's constants (PySD's: no references) are the settable values.
        node_kind = _NODE_KINDS.get(info.kind, "aux")
        self.nodes[node_name] = Node(node_name, node_kind, expr.text, expr.deps)
        self.element_of_node[node_name] = element.name
        return info

    # -- expressions -------------------------------------------------------

    def visit(self, ast: Any) -> _Expr:
        """Return the vectorized Python expression of an abstract syntax tree."""
        if isinstance(ast, bool | int | float | np.integer | np.floating):
            return _number(ast)
        handler = self._handlers.get(type(ast))
        if handler is None:
            construct = STRUCTURE_NAMES.get(type(ast), type(ast).__name__)
            raise _refusal(self.path, construct, self.element)
        return handler(ast)

    def _operation(self, ast: Any) -> _Expr:
        operators = list(ast.operators)
        arguments = [self._hoisted(self.visit(argument)) for argument in ast.arguments]
        if set(operators) <= _LEFT_ASSOCIATIVE and len(arguments) > 2:
            # Python evaluates "a*b*c" as "(a*b)*c": a seldom-changing prefix
            # of a chain is a value of its own, and can be computed seldom.
            size = self._seldom_prefix(arguments)
            if 2 <= size < len(arguments):
                prefix = _render(operators[: size - 1], arguments[:size])
                operators = operators[size - 1 :]
                arguments = [self._hoisted(prefix), *arguments[size:]]
        return _render(operators, arguments)

    def _seldom_prefix(self, arguments: list[_Expr]) -> int:
        size = 0
        for argument in arguments:
            if not self._is_seldom(argument):
                break
            size += 1
        return size

    def _is_seldom(self, expr: _Expr) -> bool:
        return self.seldom is not None and expr.deps <= self.seldom

    def _hoisted(self, expr: _Expr) -> _Expr:
        """Give a compound subexpression that changes seldom or never a node of its own.

        In a time-varying equation such as ``rate * (1 - 0.5 * support) * x``
        the factor ``(1 - 0.5 * support)`` is the same at every step; as its
        own node it is computed once per run (or, if ``support`` is fed as an
        input series, once per step as before); ``openness * rivalry``, where
        openness has a STEP, once per change of the STEP. The value is the
        same either way: Python evaluates an operand or an argument completely
        before using it, so the same operations run in the same order.
        """
        seldom = self.seldom
        if seldom is None or not expr.deps or not expr.deps <= seldom:
            return expr
        if expr.text.isidentifier():
            return expr  # a bare name costs nothing
        name = self._unique(f"h_{self.identifier}")
        self.nodes[name] = Node(name, "aux", expr.text, expr.deps)
        self.element_of_node[name] = self.element
        seldom.add(name)
        return _Expr(name, 0, frozenset({name}))

    def _clock(self, expr: _Expr) -> _Expr:
        """Give a STEP, PULSE or RAMP of seldom-changing values a node of its own (a clock).

        The step code computes a clock of constants at every step and what
        depends on it only when its value changed (a STEP changes once); see
        :func:`clock_nodes`. A clock of slow values is an ordinary node.
        """
        seldom = self.seldom
        if seldom is None or not expr.deps - {"time"} <= seldom:
            return expr
        name = self._unique(f"c_{self.identifier}")
        self.nodes[name] = Node(name, "aux", expr.text, expr.deps)
        self.element_of_node[name] = self.element
        seldom.add(name)
        return _Expr(name, 0, frozenset({name}))

    def _reference(self, ast: Any) -> _Expr:
        if ast.subscripts:
            raise _refusal(self.path, "subscripts", self.element)
        if ast.reference == "time":
            return _Expr("time", 0, frozenset({"time"}))
        identifier = self.namespace.cleanspace.get(ast.reference)
        if identifier is None:
            # Subscripted models were refused already: the name is undefined.
            raise ModelFileError(
                f"{self.path}: {self.element!r} refers to {ast.reference!r}, "
                "which the model does not define"
            )
        if identifier in self.lookups:
            raise _refusal(self.path, "a lookup table used without an argument", self.element)
        return _Expr(f"v_{identifier}", 0, frozenset({f"v_{identifier}"}))

    def _call(self, ast: Any) -> _Expr:
        function = ast.function.reference
        identifier = self.namespace.cleanspace.get(function)
        if identifier is not None and identifier in self.lookups:
            argument = self._hoisted(self.visit(ast.arguments[0]))
            return _Expr(f"_lk_{identifier}({argument.text})", 0, argument.deps)
        if function == "active_initial" and len(ast.arguments) == 2:
            return self._active_initial(ast)
        spec = FUNCTIONS.get(function)
        if spec is None:
            raise _refusal(self.path, function.upper().replace("_", " "), self.element)
        if len(ast.arguments) not in spec.n_args:
            raise _refusal(
                self.path,
                f"{function.upper()} with {len(ast.arguments)} arguments",
                self.element,
            )
        arguments = [self._hoisted(self.visit(argument)) for argument in ast.arguments]
        if function in ("min", "max"):
            arguments = [self._named_literal(argument) for argument in arguments]
        deps = frozenset().union(*(argument.deps for argument in arguments))
        text = spec.template % {str(i): argument.text for i, argument in enumerate(arguments)}
        if spec.uses_time:
            return self._clock(_Expr(text, 0, deps | {"time"}))
        return _Expr(text, 0, deps)

    def _active_initial(self, ast: Any) -> _Expr:
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
        self.nodes[name] = Node(name, "aux", expr.text, expr.deps)
        self.element_of_node[name] = self.element
        self.active_initials[name] = initial
        return _Expr(name, 0, frozenset({name}))

    def _named_literal(self, argument: _Expr) -> _Expr:
        # NumPy's minimum/maximum run about twice as fast on two full arrays as
        # on an array and a scalar: constant arguments become named constants
        # that the step code binds as full arrays (same values, same results).
        if argument.deps:
            return argument
        name = self.literals.setdefault(argument.text, f"_lit_{len(self.literals)}")
        return _Expr(name, 0, frozenset())

    def _inline_lookup(self, ast: Any) -> _Expr:
        argument = self.visit(ast.argument)
        name = self._unique(f"_lk_inline_{self.identifier}")
        spec = self._lookup_spec(name, ast.lookups, self.element)
        # PySD always uses np.interp for WITH LOOKUP, whatever the table's type.
        self.lookups[name] = LookupSpec(name, spec.x, spec.y, "interpolate")
        return _Expr(f"{name}({argument.text})", 0, argument.deps)

    # -- stateful constructs -----------------------------------------------

    def _unique(self, base: str) -> str:
        name, i = base, 1
        while name in self.nodes or name in self.lookups:
            name, i = f"{base}_{i}", i + 1
        return name

    def _argument(self, owner: str, role: str, ast: Any) -> str:
        expr = self.visit(ast)
        name = self._unique(f"a_{owner[2:]}_{role}")
        self.nodes[name] = Node(name, "aux", expr.text, expr.deps)
        self.element_of_node[name] = self.element
        return name

    def _initial(self, ast: Any) -> _Expr:
        name = self._unique(f"s_initial_{self.identifier}")
        value = self._argument(name, "value", ast.initial)
        self.nodes[name] = Node(name, "initial", value, frozenset({value}))
        self.element_of_node[name] = self.element
        return _Expr(name, 0, frozenset({name}))

    def _integ(self, ast: Any) -> _Expr:
        name = self._unique(f"s_integ_{self.identifier}")
        flow = self._argument(name, "flow", ast.flow)
        initial = self._argument(name, "initial", ast.initial)
        return self._state_object(name, "integ", 1, "1", flow, None, initial, ast.non_negative)

    def _smooth(self, ast: Any) -> _Expr:
        # SMOOTH N is PySD's Smooth too, with an order of the modeler's.
        construct = "SMOOTH N" if isinstance(ast, ae.SmoothNStructure) else "SMOOTH"
        name = self._unique(f"s_smooth_{self.identifier}")
        order, order_text, order_node = self._order(ast.order, construct)
        flow = self._argument(name, "input", ast.input)
        time = self._argument(name, "time", ast.smooth_time)
        initial = self._argument(name, "initial", ast.initial)
        return self._state_object(name, "smooth", order, order_text, flow, time, initial, False,
                                  construct, order_node)

    def _delay(self, ast: Any) -> _Expr:
        # DELAY N is DELAY's arithmetic when its delay time is fixed (check_fixed_times).
        construct = "DELAY N" if isinstance(ast, ae.DelayNStructure) else "DELAY"
        name = self._unique(f"s_delay_{self.identifier}")
        order, order_text, order_node = self._order(ast.order, construct)
        flow = self._argument(name, "input", ast.input)
        time = self._argument(name, "time", ast.delay_time)
        initial = self._argument(name, "initial", ast.initial)
        return self._state_object(name, "delay", order, order_text, flow, time, initial, False,
                                  construct, order_node)

    def _trend(self, ast: Any) -> _Expr:
        # PySD's Trend: one state, the input's exponential average (see _state_object).
        name = self._unique(f"s_trend_{self.identifier}")
        flow = self._argument(name, "input", ast.input)
        time = self._argument(name, "time", ast.average_time)
        initial = self._argument(name, "initial", ast.initial_trend)
        return self._state_object(name, "trend", 1, "1", flow, time, initial, False, "TREND")

    def _delay_fixed(self, ast: Any) -> _Expr:
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
        self.nodes[length] = Node(length, "initial", f"_h_fixed_length({time}, _dt)",
                                  frozenset({time}))
        self.nodes[start] = Node(start, "initial", initial, frozenset({initial}))
        state = StateObject(name=name, kind="fixed", row=self.rows, order=0, order_text="0",
                            flow=flow, time=None, initial=start, non_negative=False,
                            element=self.element, construct="DELAY FIXED", ring_length=length)
        self.states.append(state)
        init_name = f"i_{name[2:]}"
        self.nodes[init_name] = Node(init_name, "stateinit", "", frozenset({length, start}))
        self.nodes[name] = Node(name, "state", f"_h_ring_read(_ring_{name}, k)",
                                frozenset({init_name}))
        for node in (length, start, init_name, name):
            self.element_of_node[node] = self.element
        return _Expr(name, 0, frozenset({name}))

    def _order(self, order: Any, construct: str) -> tuple[int, str, str | None]:
        """Return the order of a delay or smooth, its text in the derivatives and its node.

        An order is a number, or for SMOOTH N and DELAY N a model constant:
        the number of stages, so of state rows, is the model's value of it
        (members that set another value are refused when the run starts,
        see :func:`~sdcluster.engine.batch_runtime.check_order`).
        """
        if isinstance(order, ae.ReferenceStructure) and construct in _ORDER_CONSTANTS:
            return self._order_constant(order, construct)
        if not isinstance(order, int | float | np.integer | np.floating) or int(order) < 1:
            raise _refusal(self.path, "a non-constant delay or smooth order", self.element)
        if construct == "SMOOTH N" and order != int(order):
            # PySD's Smooth makes a list of `order` stages: a fraction fails there.
            raise _refusal(self.path, f"{construct} with the order {order!r}", self.element)
        # PySD's DelayN truncates the order (int(order)) and multiplies by that.
        text = repr(int(order)) if construct == "DELAY N" else _number(order).text
        return int(order), text, None

    def _order_constant(self, order: Any, construct: str) -> tuple[int, str, str | None]:
        reference = self._reference(order)
        names = {identifier: name for name, identifier in self.namespace.namespace.items()}
        name = names.get(reference.text[2:], "")
        variable = self.model.variables.get(name)
        default = None if variable is None or variable.kind != "constant" else variable.default
        if default is None or not np.isfinite(default) or int(default) < 1:
            raise _refusal(self.path, f"{construct} with an order that is not a number or a "
                           "constant of at least 1", self.element)
        if construct == "SMOOTH N" and default != int(default):
            raise _refusal(self.path, f"{construct} with the order {default!r}", self.element)
        planned = int(default)
        return planned, repr(planned), reference.text

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
    ) -> _Expr:
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
        if kind == "trend":
            init_deps.add(flow)  # PySD's Trend starts at input / (1 + initial trend * time)
        self.nodes[init_name] = Node(init_name, "stateinit", "", frozenset(init_deps))
        last = state.row + order - 1
        read, read_deps = f"Y[{last}]", {init_name}
        if kind == "delay":
            read, read_deps = f"Y[{last}] / {time}", {init_name, str(time)}
        elif kind == "trend":
            # PySD's Trend.__call__: zidz(input - state, average_time * abs(state)).
            read = f"_h_zidz({flow} - Y[{last}], {time} * np.abs(Y[{last}]))"
            read_deps = {init_name, flow, str(time)}
        self.nodes[name] = Node(name, "state", read, frozenset(read_deps))
        for node in (init_name, name):
            self.element_of_node[node] = self.element
        return _Expr(name, 0, frozenset({name}))


# The constructs whose order may be a model constant rather than a number.
_ORDER_CONSTANTS = frozenset({"SMOOTH N", "DELAY N"})

# Operators that Python applies left to right, so "a op b op c" = "(a op b) op c".
_LEFT_ASSOCIATIVE = frozenset({"+", "-", "*", "/"})


def _render(operators: list[str], arguments: list[_Expr]) -> _Expr:
    """Render an operation as PySD's ``OperationBuilder.build`` does, line by line."""
    operators = list(operators)
    arguments = list(arguments)
    deps = frozenset().union(*(argument.deps for argument in arguments))
    order = OPERATORS[operators[-1]][1]
    arguments[-1].lower_order(2 if operators[-1] == "^" else order)
    if len(arguments) == 1:
        if operators[0] == "negative":
            order = 1
        return _Expr(OPERATORS[operators[0]][0] % arguments[0].text, order, deps)
    right = arguments.pop().text
    while arguments or operators:
        template = OPERATORS[operators.pop()][0]
        left = arguments.pop()
        left.lower_order(order)
        right = template % {"left": left.text, "right": right}
    return _Expr(right, order, deps)


def _number(value: Any) -> _Expr:
    # PySD's NumericBuilder writes repr(value); negative literals keep order 0.
    if isinstance(value, bool | int | np.integer):
        return _Expr(repr(int(value)), 0, frozenset())
    number = float(value)
    if np.isnan(number):
        text = "np.nan"
    elif np.isinf(number):
        text = "np.inf" if number > 0 else "(-np.inf)"
    else:
        text = repr(number)
    return _Expr(text, 0, frozenset())

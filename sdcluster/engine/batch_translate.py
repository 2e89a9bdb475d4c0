"""Turn PySD's abstract model into a plan the batch engine can compile.

PySD's translators (``pysd.translators.vensim`` and ``pysd.translators.xmile``)
parse a model file into an ``AbstractModel``: elements whose components hold
an abstract syntax tree (``ArithmeticStructure``, ``CallStructure``,
``IntegStructure``, ...). PySD's own Python builder walks that tree and writes
scalar code; this module walks the same tree and writes vectorized NumPy
expressions, one per element, into a :class:`~sdcluster.engine.batch_plan.Plan`:

- every model element becomes a *node* (a local name in the generated code);
- every stateful construct (INTEG, SMOOTH*, SMOOTH N, DELAY1/3*, DELAY N,
  TREND, FORECAST, SAMPLE IF TRUE, INITIAL) becomes a *state object* with
  rows in the engine's state matrix, plus nodes for its arguments, exactly
  as PySD creates ``Integ``, ``Smooth``, ``Delay``, ``DelayN``, ``Trend``,
  ``Forecast``, ``SampleIfTrue`` and ``Initial`` objects with one lambda per
  argument; a DELAY FIXED becomes a state object without rows whose values
  wait in a ring buffer, as in PySD's ``DelayFixed``;
- external data (GET XLS/GET DIRECT constants and lookups, DATA series) are
  the values PySD loaded: numbers and lookup tables of the plan
  (:mod:`sdcluster.engine.batch_external`);
- every expression is a typed tree (:mod:`sdcluster.engine.batch_tree`),
  whose operations are PySD's chains of operators; the NumPy emitter renders
  them with PySD's own precedence and parenthesization rules
  (``OperationBuilder``), so both engines perform the same floating-point
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
from pathlib import Path
from typing import Any

import numpy as np
from pysd.builders.python.namespace import NamespaceManager
from pysd.translators.structures import abstract_expressions as ae
from pysd.translators.structures import abstract_model as am

from sdcluster.engine.batch_checks import (
    check_delay_fixed_inputs,
    check_fixed_times,
    check_sample_inputs,
)
from sdcluster.engine.batch_external import external_constant, external_table
from sdcluster.engine.batch_functions import LOOKUP_METHODS, STRUCTURE_NAMES
from sdcluster.engine.batch_plan import (
    LookupSpec,
    Node,
    NodeKind,
    Plan,
    StateObject,
    refusal,
    slow_nodes,
    static_nodes,
)
from sdcluster.engine.batch_runtime import pysd_table_values
from sdcluster.engine.batch_translate_constructs import Constructs, Expr, number
from sdcluster.engine.batch_tree import Lookup, Operation, Reference
from sdcluster.engine.batch_variables import (
    CONTROL_NAMES,
    VariableInfo,
    clock_values,
    variable_info,
)
from sdcluster.errors import ModelFileError
from sdcluster.model.loaded import LoadedModel

__all__ = ["translate"]


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
    check_delay_fixed_inputs(plan)
    check_sample_inputs(plan)
    for name in plan.active_initials:
        if name in static:
            # A static node is computed once, at initialization, so it would keep
            # the initial value (PySD caches such values for the run, too).
            raise refusal(Path(plan.source_path),
                           "ACTIVE INITIAL of a value that does not change during the run",
                           plan.element_of_node[name])
    return plan


class _Translator(Constructs):
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
        self.nodes: dict[str, Node] = {
            "time": Node("time", "time", Reference("time", "time"), frozenset())}
        self.states: list[StateObject] = []
        self.lookups: dict[str, LookupSpec] = {}
        self.element_of_node: dict[str, str] = {}
        self.literals: dict[str, str] = {}
        self.active_initials: dict[str, str] = {}
        self.rows = 0
        self.element = ""
        self.identifier = ""
        self._handlers: dict[type, Callable[[Any], Expr]] = {
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
            ae.ForecastStructure: self._forecast,
            ae.SampleIfTrueStructure: self._sample_if_true,
            ae.DelayFixedStructure: self._delay_fixed,
            ae.InlineLookupsStructure: self._inline_lookup,
            ae.GetConstantsStructure: lambda ast: number(
                external_constant(self.model, self.identifier, self.element)),
            ae.GetDataStructure: lambda ast: self._data_series("data"),
            ae.DataStructure: lambda ast: self._data_series("tab data"),
        }

    def _main_section(self, abstract: Any) -> Any:
        sections = list(abstract.sections)
        if len(sections) > 1:
            raise refusal(self.path, "macros", str(sections[1].name))
        section = sections[0]
        if section.subscripts:
            raise refusal(self.path, "subscripts", str(section.subscripts[0].name))
        return section

    def plan(self) -> Plan:
        """Translate every element and return the plan."""
        for element in self.section.elements:
            self.namespace.add_to_namespace(element.name)
        for element in self.section.elements:
            self._check_components(element)
            if isinstance(element.components[0].ast, _TABLES):
                self._register_lookup(element)
        variables = [
            self._element(element)
            for element in self.section.elements
            if not isinstance(element.components[0].ast, _TABLES)
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
            raise refusal(self.path, "subscripts", element.name)

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
                raise refusal(self.path, f"a control variable that is an equation of "
                               f"constants ({names})",
                               self.element_of_node.get(node.name, node.name))
        if "v_saveper" not in self.nodes:
            # PySD saves every time step when the model gives no SAVEPER.
            self.nodes["v_saveper"] = Node(
                "v_saveper", "control", Reference("v_time_step", "element"),
                frozenset({"v_time_step"})
            )

    def _register_lookup(self, element: Any) -> None:
        ast = element.components[0].ast
        identifier = self.namespace.namespace[element.name]
        name = f"_lk_{identifier}"
        if isinstance(ast, ae.GetLookupsStructure):  # the table PySD read from its file
            self.lookups[identifier] = external_table(self.model, "lookup", identifier,
                                                      element.name, name)
            return
        self.lookups[identifier] = self._lookup_spec(name, ast, element.name)

    def _data_series(self, kind: str) -> Expr:
        """Return a DATA variable's value: its series as PySD loaded it, a lookup of TIME."""
        name = self._unique(f"_lk_data_{self.identifier}")
        self.lookups[name] = external_table(self.model, kind, self.identifier, self.element,
                                            name)
        return Expr(Lookup(name, Reference("time", "time")), frozenset({"time"}))

    def _lookup_spec(self, name: str, ast: Any, element: str) -> LookupSpec:
        method = str(ast.type)
        if method not in LOOKUP_METHODS:
            raise refusal(self.path, f"lookup method {method!r}", element)
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
        self.nodes[node_name] = Node(node_name, node_kind, expr.tree, expr.deps)
        self.element_of_node[node_name] = element.name
        return info

    # -- expressions -------------------------------------------------------

    def visit(self, ast: Any) -> Expr:
        """Return the expression tree of an abstract syntax tree."""
        if isinstance(ast, bool | int | float | np.integer | np.floating):
            return number(ast)
        handler = self._handlers.get(type(ast))
        if handler is None:
            construct = STRUCTURE_NAMES.get(type(ast), type(ast).__name__)
            raise refusal(self.path, construct, self.element)
        return handler(ast)

    def _operation(self, ast: Any) -> Expr:
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

    def _seldom_prefix(self, arguments: list[Expr]) -> int:
        size = 0
        for argument in arguments:
            if not self._is_seldom(argument):
                break
            size += 1
        return size

    def _is_seldom(self, expr: Expr) -> bool:
        return self.seldom is not None and expr.deps <= self.seldom

    def _hoisted(self, expr: Expr) -> Expr:
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
        if isinstance(expr.tree, Reference):
            return expr  # a bare name costs nothing
        name = self._unique(f"h_{self.identifier}")
        self.nodes[name] = Node(name, "aux", expr.tree, expr.deps)
        self.element_of_node[name] = self.element
        seldom.add(name)
        return Expr(Reference(name, "hoisted"), frozenset({name}))

    def _clock(self, expr: Expr) -> Expr:
        """Give a STEP, PULSE or RAMP of seldom-changing values a node of its own (a clock).

        The step code computes a clock of constants at every step and what
        depends on it only when its value changed (a STEP changes once); see
        :func:`clock_nodes`. A clock of slow values is an ordinary node.
        """
        seldom = self.seldom
        if seldom is None or not expr.deps - {"time"} <= seldom:
            return expr
        name = self._unique(f"c_{self.identifier}")
        self.nodes[name] = Node(name, "aux", expr.tree, expr.deps)
        self.element_of_node[name] = self.element
        seldom.add(name)
        return Expr(Reference(name, "clock"), frozenset({name}))

    def _reference(self, ast: Any) -> Expr:
        if ast.subscripts:
            raise refusal(self.path, "subscripts", self.element)
        if ast.reference == "time":
            return Expr(Reference("time", "time"), frozenset({"time"}))
        identifier = self.namespace.cleanspace.get(ast.reference)
        if identifier is None:
            # Subscripted models were refused already: the name is undefined.
            raise ModelFileError(
                f"{self.path}: {self.element!r} refers to {ast.reference!r}, "
                "which the model does not define"
            )
        if identifier in self.lookups:
            raise refusal(self.path, "a lookup table used without an argument", self.element)
        return Expr(Reference(f"v_{identifier}", "element"), frozenset({f"v_{identifier}"}))

# Elements that are tables: lookups written in the model or read from a file.
_TABLES = (ae.LookupsStructure, ae.GetLookupsStructure)

# Operators that Python applies left to right, so "a op b op c" = "(a op b) op c".
_LEFT_ASSOCIATIVE = frozenset({"+", "-", "*", "/"})


def _render(operators: list[str], arguments: list[Expr]) -> Expr:
    """Return an operation: PySD's chain of operators (see :class:`Operation`)."""
    deps = frozenset().union(*(argument.deps for argument in arguments))
    return Expr(Operation(tuple(operators), tuple(argument.tree for argument in arguments)), deps)

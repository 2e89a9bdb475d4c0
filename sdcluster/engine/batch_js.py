"""Emit the batch engine's :class:`~sdcluster.engine.batch_plan.Plan` as JavaScript.

The batch engine turns PySD's translation of a model file into a plan: one
node per value, each with a Python expression written in PySD's order of
operations (see :mod:`sdcluster.engine.batch_translate`), and generates NumPy
code from it (:mod:`sdcluster.engine.batch_codegen`). This module is a second
emitter of the same plan: it walks Python's :mod:`ast` of every node's
expression and writes one self-contained script that defines a global
``sdclusterModel`` whose ``simulate(params, options)`` integrates ONE member
with plain JavaScript numbers:

- the same nodes in the same dependency order (the one order of every emitter,
  :func:`~sdcluster.engine.batch_plan.topological_order`), the same binary
  operations in the same order (every operation is parenthesized, so
  JavaScript evaluates ``a*b*c`` as ``(a*b)*c`` exactly as Python does);
- Euler integration on the model's clock (PySD's time grid and saving times,
  as :meth:`~sdcluster.engine.batch_schedule.TimeSchedule.pysd` computes them);
- lookups, STEP, PULSE, RAMP, XIDZ, ZIDZ, IF THEN ELSE, ... with the rules of
  :mod:`sdcluster.engine.batch_runtime`, and scenario steps as inputs with the
  rule of :mod:`sdcluster.experiments.inputs`.

IEEE-754 arithmetic is the same in both languages; only the elementary
functions (``exp``, ``pow``, ``log``, trigonometric ones) of V8 and of the C
library may differ in the last bit, so a run agrees with the batch engine to
about 1e-12 relative, not always to the bit. Noise inputs stay at their model
values (0 for the built-in model): the page runs without fluctuations.

Typical use::

    script = javascript_model(BatchModel.from_model(load_model("models/innovation_cluster.mdl")))
    # in a page: sdclusterModel.simulate({"openness": 0.8}).series["Innovative Firms"]
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sdcluster.engine.batch import BatchModel
from sdcluster.engine.batch_plan import (
    LookupSpec,
    Node,
    Plan,
    StateObject,
    derivative_roots,
    dynamic_nodes,
    fixed_time_constants,
    init_deps,
    static_nodes,
    step_deps,
    topological_order,
)
from sdcluster.engine.batch_runtime import SMALL_VENSIM
from sdcluster.engine.batch_schedule import TIME_PRECISION
from sdcluster.errors import UnsupportedConstructError
from sdcluster.experiments.inputs import STEP_LEAD

__all__ = ["GLOBAL_NAME", "javascript_model"]

#: The global the script defines.
GLOBAL_NAME = "sdclusterModel"

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

# Runtime helpers, each the arithmetic of its batch_runtime counterpart on one
# member. NumPy's truth of a number is "not zero" (NaN is true): hence "!= 0".
_PRELUDE = """\
"use strict";
const $SMALL = %(small)s;
function $pow(a, b) {
  // NumPy squares, inverts and takes square roots of arrays exactly (fast_scalar_power).
  if (b === 2) return a * a;
  if (b === -1) return 1 / a;
  if (b === 0.5) return Math.sqrt(a);
  return Math.pow(a, b);
}
function $pymod(a, b) {
  // Python's and NumPy's floor remainder, from C's fmod as CPython computes it.
  let m = a %% b;
  if (m !== 0) { if ((b < 0) !== (m < 0)) m += b; } else { m = b < 0 ? -0 : 0; }
  return m;
}
function $xidz(n, d, f) { return Math.abs(d) < $SMALL ? f : n / d; }
function $zidz(n, d) { return Math.abs(d) < $SMALL ? 0 : n / d; }
function $quantum(v, q) { return q < $SMALL ? v : q * Math.trunc(v / q); }
function $modulo(v, d) { return v - $quantum(v, d); }
function $step(time, dt, height, at) { return height * ((time + dt / 2) > at ? 1 : 0); }
function $ramp(time, slope, start, finish) {
  const last = finish === undefined ? time : Math.min(finish, time);
  return (((time + $SMALL) > start ? 1 : 0) * slope) * (last - start);
}
function $pulse(time, dt, start, repeat, width, magnitude, end) {
  if (repeat === undefined) repeat = 0;
  if (width === undefined) width = 0.5 * dt;
  const height = magnitude !== undefined ? magnitude / dt : 1;
  const single = ((start - $SMALL) <= time && time < (start + width)) ? height : 0;
  if (repeat == 0) return single;
  let active = start <= time;
  if (end !== undefined) active = active && time < end;
  const inPulse = $pymod((time - start) + $SMALL, repeat) < width;
  return (active && inPulse) ? height : 0;
}
function $fixedLength(delayTime, dt) {
  // batch_runtime.fixed_length: PySD's round(max(delay time / TIME STEP, 1) + 1e-6).
  return $rint(Math.max(delayTime / dt, 1) + $SMALL);
}
function $interp(x, xs, ys) {
  // numpy.interp (compiled_base.c arr_interp) for one value.
  const n = xs.length;
  if (Number.isNaN(x)) return x;
  if (n === 1) return ys[0];
  if (x > xs[n - 1]) return ys[n - 1];
  if (x < xs[0]) return ys[0];
  let lo = 0, hi = n - 1;
  while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (xs[mid] <= x) lo = mid; else hi = mid; }
  const j = x >= xs[n - 1] ? n - 1 : lo;
  if (j === n - 1 || xs[j] === x) return ys[j];
  const slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]);
  let r = slope * (x - xs[j]) + ys[j];
  if (Number.isNaN(r)) {
    r = slope * (x - xs[j + 1]) + ys[j + 1];
    if (Number.isNaN(r) && ys[j] === ys[j + 1]) r = ys[j];
  }
  return r;
}
function $holdBackward(x, xs, ys) {
  // ys[clip(searchsorted(xs, x, "right") - 1, 0, n - 1)]; NaN sorts last.
  let count = 0;
  if (Number.isNaN(x)) count = xs.length; else while (count < xs.length && xs[count] <= x) count++;
  return ys[Math.min(Math.max(count - 1, 0), xs.length - 1)];
}
function $rint(v) {
  // Round half to even, as numpy.rint.
  const f = Math.floor(v), d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f %% 2 === 0 ? f : f + 1;
}
function $schedule(initial, final, dt, saveper, decimals, scale) {
  // TimeSchedule.pysd: the grid accumulated step by step, PySD's saving times and labels.
  const precision = dt * %(precision)s;
  const times = [initial];
  let time = initial;
  while (time + precision < final) { time = time + dt; times.push(time); }
  const saved = new Uint8Array(times.length);
  const labels = [];
  for (let k = 0; k < times.length; k++) {
    const since = times[k] - initial;
    if ($pymod(since, saveper) < precision || $pymod(-since, saveper) < precision) {
      saved[k] = 1;
      const t = times[k];
      labels.push(decimals >= 0 ? $rint(t * scale) / scale : $rint(t / scale) * scale);
    }
  }
  return {times: times, saved: saved, labels: labels, dt: dt};
}
function $stepSeries(times, dt, before, at, to) {
  // sdcluster.experiments.inputs.step_values: "to" from at less a millionth of a TIME STEP.
  const series = new Float64Array(times.length);
  const always = times.length > 0 && at <= times[0];
  for (let k = 0; k < times.length; k++) {
    series[k] = (always || times[k] > at - dt * %(lead)s) ? to : before;
  }
  return series;
}
"""


def javascript_model(model: BatchModel) -> str:
    """Return the script that simulates one member of ``model`` in a browser.

    The script defines the global ``sdclusterModel`` with:

    ``simulate(params, options)``
        ``params`` maps constant names (model or Python names) to numbers;
        ``options.steps`` maps constant names to ``{at, to}`` (a scenario's
        steps); ``options.finalTime`` overrides FINAL TIME. Returns
        ``{time: [...], series: {name: [...]}}`` with every variable at the
        saving times, as :meth:`BatchModel.run` would for one member.
    ``defaults``
        Constant name → the model's value.
    ``variables``
        ``[{name, kind, units}]`` in the file's order.

    Parameters
    ----------
    model
        The compiled batch model.

    Returns
    -------
    str
        JavaScript source (strict mode, no imports, no network).

    Raises
    ------
    UnsupportedConstructError
        If an expression of the plan uses something the emitter cannot write.

    """
    plan = model.plan
    defaults = _node_defaults(model)
    params = frozenset(name for name, node in plan.nodes.items() if node.kind == "param")
    emitter = _Emitter(plan)
    parts = [
        _PRELUDE % {"small": repr(SMALL_VENSIM), "lead": repr(STEP_LEAD),
                    "precision": repr(TIME_PRECISION)},
        *(f"const {name} = {_literal(text)};" for text, name in plan.literals.items()),
        *(_lookup_source(lookup) for lookup in plan.lookups),
        _run_source(emitter, "$runPlain", frozenset()),
        _run_source(emitter, "$runInputs", params),
        _interface_source(model, defaults),
    ]
    body = "\n".join(parts)
    return f"var {GLOBAL_NAME} = (function () {{\n{body}\n}})();\n"


# -- values the script starts from ---------------------------------------------


def _node_defaults(model: BatchModel) -> dict[str, float]:
    """Return the model's value of every constant and control node."""
    plan = model.plan
    values: dict[str, float] = {}
    for info in plan.variables:
        if info.kind in ("constant", "control"):
            values[info.node] = model.default(info.vensim_name)
    if "v_saveper" not in values:  # the model gives no SAVEPER: PySD saves every step
        values["v_saveper"] = model.schedule().time_step
    return values


def _literal(text: str) -> str:
    """Return a number of the plan (``repr`` of a float or int, or NaN/inf) in JavaScript."""
    return _Emitter.expression_text(ast.parse(text, mode="eval").body, "a literal")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "(-Infinity)"
    return repr(float(value))


def _lookup_source(lookup: LookupSpec) -> str:
    xs = "[" + ", ".join(_number(x) for x in lookup.x) + "]"
    ys = "[" + ", ".join(_number(y) for y in lookup.y) + "]"
    head = f"const {lookup.name}_x = {xs}, {lookup.name}_y = {ys};"
    if lookup.method == "interpolate":
        call = f"$interp(v, {lookup.name}_x, {lookup.name}_y)"
        return f"{head}\nfunction {lookup.name}(v) {{ return {call}; }}"
    if lookup.method == "hold_backward":
        call = f"$holdBackward(v, {lookup.name}_x, {lookup.name}_y)"
        return f"{head}\nfunction {lookup.name}(v) {{ return {call}; }}"
    return head + "\n" + _extrapolating_lookup(lookup)


def _extrapolating_lookup(lookup: LookupSpec) -> str:
    # batch_runtime._extrapolating_lookup: slopes of the end segments, as Python floats.
    x, y = lookup.x, lookup.y
    slope_low = float((y[1] - y[0]) / (x[1] - x[0]))
    slope_high = float((y[-1] - y[-2]) / (x[-1] - x[-2]))
    low, high = _number(x[0]), _number(x[-1])
    below = f"({_number(y[0])} + ({_number(slope_low)} * (v - {low})))"
    above = f"({_number(y[-1])} + ({_number(slope_high)} * (v - {high})))"
    inside = f"$interp(v, {lookup.name}_x, {lookup.name}_y)"
    return (
        f"function {lookup.name}(v) {{ return v > {high} ? {above} : "
        f"(v < {low} ? {below} : {inside}); }}"
    )


# -- expressions ---------------------------------------------------------------


@dataclass
class _Emitter:
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
            return _number(float(value)) if isinstance(value, float) else str(value)
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


# -- the run functions ---------------------------------------------------------


def _run_source(emitter: _Emitter, name: str, inputs: frozenset[str]) -> str:
    """Return ``function name(V, X, S)``: initialize, then integrate with Euler.

    ``inputs`` are the constants that may follow a step series ``X[node]``:
    none (the usual case, where what depends on constants only is computed
    once), or all of them (a scenario with steps: then only what depends on
    no constant at all is computed once, as in the batch engine with inputs).
    """
    plan = emitter.plan
    static = static_nodes(plan.nodes, inputs)
    deps = step_deps(plan, static)
    roots = [root for state in plan.states for root in derivative_roots(state)]
    outputs = [info.node for info in plan.variables]
    fast = dynamic_nodes(plan, roots, static, deps)
    save = dynamic_nodes(plan, [*roots, *outputs], static, deps)
    dynamic_outputs = [node for node in outputs if node in set(save)]
    # The step functions are closures over the static values: a function of
    # a few hundred statements stays small enough for V8's optimizing compiler.
    lines = [
        f"function {name}(V, X, S) {{",
        "  const $times = S.times, $saved = S.saved, $n = $times.length, _dt = S.dt;",
        f"  const Y = new Float64Array({max(plan.n_rows, 1)}), "
        f"D = new Float64Array({max(plan.n_rows, 1)});",
        "  let time = $times[0];",
        *_init_lines(emitter, inputs),
        *_fixed_time_lines(plan, inputs),
        *(f"  const $x_{node} = X[{json.dumps(node)}] || null, $c_{node} = {node};"
          for node in sorted(inputs)),
        *(f"  const $o_{node} = new Float64Array(S.labels.length);" for node in dynamic_outputs),
        "  function $fast($k, time) {",
        *_step_lines(emitter, fast, inputs, "    "),
        "  }",
        "  function $save($k, time, $slot) {",
        *_step_lines(emitter, save, inputs, "    "),
        *(f"    $o_{node}[$slot] = {node};" for node in dynamic_outputs),
        "  }",
        "  let $slot = 0;",
        "  for (let $k = 0; $k < $n; $k++) {",
        "    if ($saved[$k]) $save($k, $times[$k], $slot++);",
        "    else if ($k < $n - 1) $fast($k, $times[$k]);",
        "    if ($k === $n - 1) break;",
        *_euler_lines(plan),
        "  }",
        *_result_lines(plan, set(dynamic_outputs)),
        "}",
    ]
    return "\n".join(lines)


def _init_lines(emitter: _Emitter, inputs: frozenset[str]) -> list[str]:
    """Return every node at the initial time, dependencies first (batch_codegen's _init)."""
    plan = emitter.plan
    states = {state.name: state for state in plan.states}
    lines = []
    for name in topological_order(plan, plan.nodes, init_deps(plan)):
        node = plan.nodes[name]
        if node.kind == "time":
            continue
        if node.kind == "stateinit":
            lines.extend(_state_init_lines(states[f"s_{name[2:]}"]))
        elif name in states and states[name].kind == "fixed":
            lines.append(f"  let {name} = $ring_{name}[0];")  # the initial value
        elif node.kind in ("param", "control"):
            value = f"V[{json.dumps(name)}]"
            if name in inputs:
                value = f"(X[{json.dumps(name)}] ? X[{json.dumps(name)}][0] : {value})"
            lines.append(f"  let {name} = {value};")
        elif name in plan.active_initials:  # its initial value while the model initializes
            lines.append(f"  let {name} = {plan.active_initials[name]};")
        else:
            lines.append(f"  let {name} = {emitter.expression(node)};")
    return lines


def _fixed_time_lines(plan: Plan, inputs: frozenset[str]) -> list[str]:
    """Refuse a step series for a constant a DELAY N's delay time reads (check_fixed_times)."""
    lines = []
    for element, constants in fixed_time_constants(plan).items():
        message = json.dumps(
            f"DELAY N in {element!r}: the explorer cannot change its delay time during a run"
        )
        lines += [f"  if (X[{json.dumps(name)}]) throw new Error({message});"
                  for name in constants if name in inputs]
    return lines


def _state_init_lines(state: StateObject) -> list[str]:
    return _order_check_lines(state) + _state_rows(state)


def _order_check_lines(state: StateObject) -> list[str]:
    """Refuse a member whose SMOOTH N or DELAY N order is not the model's (check_order)."""
    if state.order_node is None:
        return []
    used = state.order_node if state.construct != "DELAY N" else f"Math.trunc({state.order_node})"
    message = json.dumps(
        f"{state.construct} in {state.element!r}: the explorer runs the model's order "
        f"({state.order}) only, which fixes the number of stages"
    )
    return [f"  if ({used} !== {state.order}) throw new Error({message});"]


def _state_rows(state: StateObject) -> list[str]:
    rows = range(state.row, state.row + state.order)
    if state.kind == "fixed":  # PySD's DelayFixed pipe, every slot at the initial value
        message = json.dumps(f"DELAY FIXED in {state.element!r}: the delay time is not a "
                             "finite number")
        length = f"$len_{state.name}"
        return [
            f"  const {length} = {state.ring_length};",
            f"  if (!Number.isFinite({length})) throw new Error({message});",
            f"  const $ring_{state.name} = new Float64Array({length}).fill({state.initial});",
        ]
    if state.kind == "trend":  # PySD's Trend.initialize
        return [f"  Y[{state.row}] = ({state.flow} / (1 + ({state.initial} * {state.time})));"]
    if state.kind != "delay":
        return [f"  Y[{row}] = {state.initial};" for row in rows]
    # PySD's Delay stores input * delay time in every stage.
    message = json.dumps(
        f"delay in {state.element!r}: delay time is shorter than order * TIME STEP "
        "(PySD would lower the delay order)"
    )
    return [
        f"  if ({state.order} * _dt > {state.time}) throw new Error({message});",
        *(f"  Y[{row}] = ({state.initial} * {state.time});" for row in rows),
    ]


def _step_lines(
    emitter: _Emitter, names: Iterable[str], inputs: frozenset[str], indent: str
) -> list[str]:
    """Return the dynamic nodes of one step and the derivatives (batch_codegen's step body)."""
    plan = emitter.plan
    rings = {state.name for state in plan.states if state.kind == "fixed"}
    lines = []
    for name in names:
        node = plan.nodes[name]
        if name in inputs:
            lines.append(f"{indent}const {name} = $x_{name} === null ? $c_{name} : $x_{name}[$k];")
        elif name in rings:  # the slot the step then writes its input into
            lines.append(f"{indent}const {name} = $ring_{name}[$k % $len_{name}];")
        elif node.kind in ("aux", "state"):
            lines.append(f"{indent}const {name} = {emitter.expression(node)};")
    for state in plan.states:
        lines += [f"{indent}{line}" for line in _derivative_lines(state)]
    return lines


def _derivative_lines(state: StateObject) -> list[str]:
    row, order = state.row, state.order_text
    if state.kind == "integ":
        return [f"D[{row}] = {state.flow};"]
    if state.kind == "fixed":  # PySD's DelayFixed.update, after every read of the step
        return [f"$ring_{state.name}[$k % $len_{state.name}] = {state.flow};"]
    if state.kind == "trend":  # PySD's Trend.ddt: (input - state) / average_time
        return [f"D[{row}] = (({state.flow} - Y[{row}]) / {state.time});"]
    if state.kind == "smooth":
        # PySD's Smooth.ddt: (targets - state) * order / smooth_time, stage by stage.
        return [
            f"D[{row + i}] = ((({state.flow if i == 0 else f'Y[{row + i - 1}]'} - Y[{row + i}])"
            f" * {order}) / {state.time});"
            for i in range(state.order)
        ]
    # PySD's Delay.ddt: outflows = state / delay_time; (inflows - outflows) * order.
    outflows = [f"(Y[{row + i}] / {state.time})" for i in range(state.order)]
    return [
        f"D[{row + i}] = (({state.flow if i == 0 else outflows[i - 1]} - {outflows[i]}) * {order});"
        for i in range(state.order)
    ]


def _euler_lines(plan: Plan) -> list[str]:
    # PySD's Euler step: state + ddt * dt; non-negative stocks clamped at 0.
    lines = [f"    Y[{row}] = Y[{row}] + D[{row}] * _dt;" for row in range(plan.n_rows)]
    lines += [
        f"    Y[{state.row}] = Math.max(Y[{state.row}], 0);"
        for state in plan.states
        if state.non_negative
    ]
    return lines


def _result_lines(plan: Plan, dynamic: set[str]) -> list[str]:
    lines = ["  const $series = {};"]
    for info in plan.variables:
        key = json.dumps(info.vensim_name)
        if info.node in dynamic:
            lines.append(f"  $series[{key}] = Array.from($o_{info.node});")
        else:
            lines.append(f"  $series[{key}] = new Array(S.labels.length).fill(+{info.node});")
    lines.append("  return {time: S.labels.slice(), series: $series};")
    return lines


# -- the interface -------------------------------------------------------------


def _interface_source(model: BatchModel, defaults: Mapping[str, float]) -> str:
    plan = model.plan
    constants = {
        name: info.node
        for info in plan.variables
        if info.kind == "constant"
        for name in (info.vensim_name, info.python_name)
    }
    public_defaults = {
        info.vensim_name: defaults[info.node] for info in plan.variables if info.kind == "constant"
    }
    variables = [
        {"name": info.vensim_name, "kind": info.kind, "units": info.units}
        for info in plan.variables
    ]
    node_defaults = {name: _json_number(value) for name, value in defaults.items()}
    schedule = model.schedule()
    precision = schedule.time_step * TIME_PRECISION
    decimals = -int(math.log10(precision))  # TimeSchedule.pysd's rounding of the labels
    return f"""\
const $DEFAULTS = {_json(node_defaults)};
const $CONSTANTS = {json.dumps(constants)};
function $node(name) {{
  const node = $CONSTANTS[name];
  if (node === undefined) throw new Error("not a constant of the model: " + name);
  return node;
}}
function simulate(params, options) {{
  options = options || {{}};
  const V = Object.assign({{}}, $DEFAULTS);
  for (const name of Object.keys(params || {{}})) V[$node(name)] = Number(params[name]);
  if (options.finalTime !== undefined) V.v_final_time = Number(options.finalTime);
  const S = $schedule(V.v_initial_time, V.v_final_time, V.v_time_step, V.v_saveper,
                      {decimals}, {float(10.0 ** abs(decimals))!r});
  const steps = options.steps || {{}};
  const names = Object.keys(steps);
  if (names.length === 0) return $runPlain(V, {{}}, S);
  const X = {{}};
  for (const name of names) {{
    const node = $node(name);
    X[node] = $stepSeries(S.times, S.dt, V[node], Number(steps[name].at), Number(steps[name].to));
  }}
  return $runInputs(V, X, S);
}}
return {{
  simulate: simulate,
  defaults: {_json({k: _json_number(v) for k, v in public_defaults.items()})},
  variables: {json.dumps(variables)},
}};"""


class _Raw(str):
    """A JavaScript number written verbatim into JSON-like text (NaN, Infinity)."""


def _json_number(value: float) -> _Raw:
    return _Raw(_number(value))


def _json(mapping: Mapping[str, _Raw]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in mapping.items()) + "}"

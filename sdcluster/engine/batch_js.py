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

import functools
import json
import math
from collections.abc import Mapping
from importlib.resources import files

from sdcluster.engine.batch import BatchModel
from sdcluster.engine.batch_js_expressions import Emitter, js_literal, js_number
from sdcluster.engine.batch_js_run import run_source
from sdcluster.engine.batch_plan import (
    LookupSpec,
)
from sdcluster.engine.batch_runtime import SMALL_VENSIM
from sdcluster.engine.batch_schedule import TIME_PRECISION
from sdcluster.experiments.inputs import STEP_LEAD

__all__ = ["GLOBAL_NAME", "javascript_model"]

#: The global the script defines.
GLOBAL_NAME = "sdclusterModel"

@functools.cache
def _prelude() -> str:
    """Return the script's runtime helpers (``batch_js_prelude.js``), a %-template.

    Each helper is the arithmetic of its :mod:`~sdcluster.engine.batch_runtime`
    counterpart on one member; NumPy's truth of a number is "not zero" (NaN is
    true), hence the helpers' ``!= 0``.
    """
    return (files("sdcluster.engine") / "batch_js_prelude.js").read_text(encoding="utf-8")


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
    emitter = Emitter(plan)
    parts = [
        _prelude() % {"small": repr(SMALL_VENSIM), "lead": repr(STEP_LEAD),
                    "precision": repr(TIME_PRECISION)},
        *(f"const {name} = {js_literal(text)};" for text, name in plan.literals.items()),
        *(_lookup_source(lookup) for lookup in plan.lookups),
        run_source(emitter, "$runPlain", frozenset()),
        run_source(emitter, "$runInputs", params),
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


def _lookup_source(lookup: LookupSpec) -> str:
    xs = "[" + ", ".join(js_number(x) for x in lookup.x) + "]"
    ys = "[" + ", ".join(js_number(y) for y in lookup.y) + "]"
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
    low, high = js_number(x[0]), js_number(x[-1])
    below = f"({js_number(y[0])} + ({js_number(slope_low)} * (v - {low})))"
    above = f"({js_number(y[-1])} + ({js_number(slope_high)} * (v - {high})))"
    inside = f"$interp(v, {lookup.name}_x, {lookup.name}_y)"
    return (
        f"function {lookup.name}(v) {{ return v > {high} ? {above} : "
        f"(v < {low} ? {below} : {inside}); }}"
    )


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
    node_defaults = {name: _jsonjs_number(value) for name, value in defaults.items()}
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
  defaults: {_json({k: _jsonjs_number(v) for k, v in public_defaults.items()})},
  variables: {json.dumps(variables)},
}};"""


class _Raw(str):
    """A JavaScript number written verbatim into JSON-like text (NaN, Infinity)."""


def _jsonjs_number(value: float) -> _Raw:
    return _Raw(js_number(value))


def _json(mapping: Mapping[str, _Raw]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in mapping.items()) + "}"

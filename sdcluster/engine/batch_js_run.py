"""The run functions of the JavaScript model: initialize, then integrate one member with Euler.

:func:`run_source` writes ``function name(V, X, S)`` for a choice of input
nodes: the same nodes in the same dependency order as the NumPy emitter, the
states' initial values and order checks, one Euler step, the saved results.
Part of :mod:`sdcluster.engine.batch_js`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sdcluster.engine.batch_checks import fixed_time_constants
from sdcluster.engine.batch_js_expressions import Emitter
from sdcluster.engine.batch_plan import (
    Plan,
    StateObject,
    derivative_roots,
    dynamic_nodes,
    init_deps,
    static_nodes,
    step_deps,
    topological_order,
)

__all__ = ["run_source"]

def run_source(emitter: Emitter, name: str, inputs: frozenset[str]) -> str:
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


def _init_lines(emitter: Emitter, inputs: frozenset[str]) -> list[str]:
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
    if state.kind == "forecast":  # PySD's Forecast.initialize
        return [f"  Y[{state.row}] = ({state.flow} / (1 + {state.initial}));"]
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
    emitter: Emitter, names: Iterable[str], inputs: frozenset[str], indent: str
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
    if state.kind == "sample":  # PySD's SampleIfTrue.update: state * 0 + this step's value
        return [f"D[{row}] = 0;", f"Y[{row}] = Y[{row}] * 0 + {state.name};"]
    if state.kind == "fixed":  # PySD's DelayFixed.update, after every read of the step
        return [f"$ring_{state.name}[$k % $len_{state.name}] = {state.flow};"]
    if state.kind in ("trend", "forecast"):  # PySD's Trend.ddt, Forecast.ddt
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

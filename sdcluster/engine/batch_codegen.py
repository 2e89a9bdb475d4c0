"""Generate and compile the batch engine's Python code from a :class:`Plan`.

For one choice of exogenous inputs and saved outputs the generator writes a
small module with two functions:

``_init(V, Y, XT, time, _dt)``
    Computes every node at the initial time in dependency order, writes the
    initial rows of the state matrix ``Y`` and returns the *static* values
    (constants, control variables, INITIAL values and expressions of those),
    which do not change during the run.

``_build(V, Y, D, XT, O, _dt)``
    Binds the static values and returns two closures, ``fast(time, k)`` and
    ``save(time, k, s)``. Each computes, for time index ``k``, the dynamic
    nodes that the derivatives need and writes the derivative matrix ``D``;
    ``save`` also computes the requested outputs and writes them into row
    ``s`` of the output buffer ``O``. One call per time step is the whole
    per-step Python overhead; the Euler update is two in-place NumPy calls.

Each value is an array of shape ``(N,)`` (one entry per member) or a scalar
when it is the same for all members (e.g. something that depends on time
only), and NumPy broadcasting takes care of the rest.

A step costs about a microsecond of overhead per NumPy call plus the pass
over the members' memory, so the generated code makes fewer calls and
touches less memory, without changing any value:

- Each equation is written out as one NumPy call per operation, and an
  operation whose operand is a per-member float array computed within the
  same equation writes its result into that array (``t *= x``,
  ``np.maximum(a, t, out=t)``) instead of allocating another; a stock's flow
  is computed in its row of ``D``. The operations and their order are
  Python's own for the original expression, so every value is the same to
  the bit (see :class:`~sdcluster.engine.batch_writer.StepWriter`).
- An operation that occurs twice in a step (``1 - v_entropy_r`` in two
  flows) is computed once.
- What changes only when a STEP, PULSE or RAMP of constants does (a
  *clock*, e.g. ``openness + STEP(0.2, 30)``) is computed in a block that
  runs only when a clock's value changed, and kept between steps (see
  :class:`_Memo`).
- Every local is deleted right after its last use, so the arrays that are
  still allocated reuse the same few cache-hot memory blocks.
- Constant arguments of MIN and MAX paired with an array are bound as full
  arrays, which NumPy's ``minimum``/``maximum`` process about twice as fast as
  an array paired with a scalar.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sdcluster.engine.batch_checks import check_fixed_times
from sdcluster.engine.batch_plan import (
    Node,
    Plan,
    StateObject,
    clock_nodes,
    derivative_roots,
    dynamic_nodes,
    init_deps,
    init_expr,
    slow_nodes,
    static_nodes,
    step_deps,
    topological_order,
)
from sdcluster.engine.batch_runtime import RUNTIME_NAMESPACE, make_lookup
from sdcluster.engine.batch_writer import StepWriter, node_facts, repeated_operations


@dataclass(frozen=True)
class CompiledRun:
    """Compiled functions for one (inputs, outputs) choice.

    Attributes
    ----------
    init
        ``init(V, Y, XT, time, dt) -> dict`` of static node values.
    build
        ``build(V, Y, D, XT, O, dt) -> (fast, save)``.
    dynamic_outputs
        Node names written by ``save``, in the order of ``O``'s first axis.
    source
        The generated code, for inspection.

    """

    init: Callable[..., dict[str, Any]]
    build: Callable[..., tuple[Callable[..., None], Callable[..., None]]]
    dynamic_outputs: tuple[str, ...]
    source: str


def compile_run(plan: Plan, inputs: frozenset[str], outputs: tuple[str, ...]) -> CompiledRun:
    """Generate and compile the code for one (inputs, outputs) choice.

    Parameters
    ----------
    plan
        The translated model.
    inputs
        Names of ``param`` nodes replaced by exogenous series.
    outputs
        Names of the nodes to save (static ones are left to the caller).

    """
    static = static_nodes(plan.nodes, inputs)
    check_fixed_times(plan, static)  # an input series may move a DELAY N's time
    dynamic_outputs = tuple(name for name in outputs if name not in static)
    source = "\n".join(
        [
            _init_source(plan, inputs, static),
            _build_source(plan, inputs, static, dynamic_outputs),
        ]
    )
    namespace: dict[str, Any] = dict(RUNTIME_NAMESPACE)
    for lookup in plan.lookups:
        namespace[lookup.name] = make_lookup(lookup.x, lookup.y, lookup.method)  # type: ignore[arg-type]
    code = compile(source, f"<sdcluster batch: {plan.source_path}>", "exec")
    exec(code, namespace)
    return CompiledRun(
        init=namespace["_init"],
        build=namespace["_build"],
        dynamic_outputs=dynamic_outputs,
        source=source,
    )


def _init_source(plan: Plan, inputs: frozenset[str], static: frozenset[str]) -> str:
    states = {state.name: state for state in plan.states}
    lines = ["def _init(V, Y, XT, time, _dt):"]
    lines += [f"    {name} = {text}" for text, name in plan.literals.items()]
    for name in topological_order(plan, plan.nodes, init_deps(plan)):
        node = plan.nodes[name]
        if node.kind == "time":
            continue
        if node.kind == "stateinit":
            lines.extend(_state_init_lines(states[f"s_{name[2:]}"]))
        elif name in states and states[name].kind == "fixed":
            lines.append(f"    {name} = _h_ring_read(_ring_{name}, 0)")  # the initial value
        else:
            lines.append(f"    {name} = {_init_value(plan, node, inputs)}")
    # The DELAY FIXED rings go to the step functions with the static values.
    rings = [f"_ring_{state.name}" for state in plan.states if state.kind == "fixed"]
    returned = ", ".join(
        [f"{name!r}: {name}" for name in sorted(static) if plan.nodes[name].kind != "stateinit"]
        + [f"{ring!r}: {ring}" for ring in rings]
    )
    lines.append(f"    return {{{returned}}}")
    return "\n".join(lines) + "\n"


def _init_value(plan: Plan, node: Node, inputs: frozenset[str]) -> str:
    if node.name in inputs:
        return f"XT[{node.name!r}][0]"
    if node.kind in ("param", "control"):
        return f"V[{node.name!r}]"
    if node.kind == "initial":
        # Freeze the value: it may be a view of the state matrix.
        return f"np.array({node.expr}, dtype=float, copy=True)"
    return init_expr(plan, node)  # an ACTIVE INITIAL's initial value


def _state_init_lines(state: StateObject) -> list[str]:
    rows = f"Y[{state.row}:{state.row + state.order}]"
    check = []
    if state.order_node is not None:  # an order read from a constant: the model's, or refused
        check = [f"    _h_check_order({state.order_node}, {state.order}, {state.element!r}, "
                 f"{state.construct!r})"]
    return check + _state_rows(state, rows)


def _state_rows(state: StateObject, rows: str) -> list[str]:
    if state.kind == "fixed":
        return [f"    _ring_{state.name} = _h_fixed_ring({state.ring_length}, {state.initial}, "
                f"Y.shape[1], {state.element!r})"]
    if state.kind == "delay":
        # PySD's Delay stores input * delay time in every stage.
        return [
            f"    _h_check_delay_order({state.order}, _dt, {state.time}, {state.element!r})",
            f"    {rows} = {state.initial} * {state.time}",
        ]
    if state.kind == "trend":
        # PySD's Trend.initialize: input / (1 + initial trend * average time).
        return [f"    {rows} = {state.flow} / (1 + {state.initial} * {state.time})"]
    if state.kind == "forecast":
        # PySD's Forecast.initialize: input / (1 + initial trend).
        return [f"    {rows} = {state.flow} / (1 + {state.initial})"]
    return [f"    {rows} = {state.initial}"]


def _build_source(
    plan: Plan,
    inputs: frozenset[str],
    static: frozenset[str],
    dynamic_outputs: tuple[str, ...],
) -> str:
    roots = [root for state in plan.states for root in derivative_roots(state)]
    deps = step_deps(plan, static)
    fast_nodes = dynamic_nodes(plan, roots, static, deps)
    save_nodes = dynamic_nodes(plan, [*roots, *dynamic_outputs], static, deps)
    facts = node_facts(plan, inputs)
    bound = sorted(
        {dep for name in save_nodes for dep in deps(plan.nodes[name]) if dep in static}
        | {root for root in roots if root in static}
    )
    lines = ["def _build(V, Y, D, XT, O, _dt):", "    _n = Y.shape[1]"]
    lines += [
        f"    {name} = np.full(_n, {text}, dtype=np.float64)"
        for text, name in plan.literals.items()
    ]
    lines += [f"    {name} = V[{name!r}]" for name in bound]
    lines += [f"    _ring_{state.name} = V['_ring_{state.name}']"
              for state in plan.states if state.kind == "fixed"]
    lines += [f"    _x_{name} = XT[{name!r}]" for name in sorted(inputs)]
    slots = {name: j for j, name in enumerate(dynamic_outputs)}
    writers = [StepWriter(facts, frozenset(bound)) for _ in range(3)]
    memo = _memo(plan, save_nodes, static, writers[2])
    fast = _step_body(plan, fast_nodes, inputs, {}, writers[0], memo)
    save = _step_body(plan, save_nodes, inputs, slots, writers[1], memo)
    full = sorted(set().union(*(writer.full_arrays for writer in writers)))
    lines += [f"    _full_{name} = _h_full_array(_n, {name})" for name in full]
    if memo is not None:
        # Kept from one step to the next: the clocks' values and what depends on them.
        lines += [f"    {name} = None" for name in ("_memo", *memo.names)]
    lines += ["    def fast(time, k):", *fast, "    def save(time, k, s):", *save]
    lines.append("    return fast, save")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Memo:
    """Slow nodes, computed in a block that runs only when a clock's value changed.

    A STEP policy changes its clock once in a run, so what depends on the
    clock alone (``openness + STEP(0.2, 30)`` and its products with
    constants) is computed twice instead of at every step. The values are
    the ones recomputing would give: the same operations on the same bits.
    """

    clocks: tuple[str, ...]  # computed at every step, before the block
    names: tuple[str, ...]  # slow nodes: kept between steps (nonlocal)
    block: tuple[str, ...]  # the block's lines, at the step functions' indentation


def _memo(
    plan: Plan, save_nodes: list[str], static: frozenset[str], writer: StepWriter
) -> _Memo | None:
    slow = slow_nodes(plan.nodes, static)
    names = [name for name in save_nodes if name in slow]
    if not names:
        return None
    # The clocks the slow nodes read (a slow node reads at least one, or another slow node).
    read = clock_nodes(plan.nodes, static) & {
        dep for name in names for dep in plan.nodes[name].deps
    }
    clocks = [name for name in save_nodes if name in read]
    expressions = {name: plan.nodes[name].expr for name in names}
    writer.repeat(repeated_operations(expressions.values()))
    lines = [line for name, expr in expressions.items() for line in writer.assign(name, expr)]
    key = f"({', '.join(clocks)},)"
    block = [
        f"if not _h_unchanged({key}, _memo):",
        f"    _memo = {key}",
        *(f"    {line}" for line in _release_dead(lines, writer.temporaries)),
    ]
    return _Memo(tuple(clocks), tuple(names), tuple(f"        {line}" for line in block))


_MEMO_BLOCK = "        # the block of slow nodes"


def _step_body(
    plan: Plan,
    names: list[str],
    inputs: frozenset[str],
    slots: dict[str, int],
    writer: StepWriter,
    memo: _Memo | None,
) -> list[str]:
    kept: set[str] = set()
    if memo is not None:  # the clocks first, then the block, then the rest
        rest = [name for name in names if name not in memo.clocks and name not in memo.names]
        names = [*memo.clocks, _MEMO_BLOCK, *rest]
        kept = {*memo.clocks, *memo.names}  # read by the block, or kept between steps
    expressions = {
        name: f"_x_{name}[k]" if name in inputs else plan.nodes[name].expr
        for name in names
        if name != _MEMO_BLOCK
    }
    writer.repeat(repeated_operations(expressions.values()))
    # An INTEG's flow is used by that stock alone: it can be computed in its row of D.
    rows = {state.flow: state.row for state in plan.states if state.kind == "integ"}
    in_place: set[str] = set()
    lines = []
    for name in names:
        if name == _MEMO_BLOCK:
            lines.append(_MEMO_BLOCK)
            continue
        into = f"D[{rows[name]}]" if name in rows else None
        lines += [f"        {line}" for line in writer.assign(name, expressions[name], into)]
        if writer.wrote_into:
            in_place.add(name)
        if name in slots:
            lines.append(f"        O[{slots[name]}, s] = {name}")
    if memo is not None:  # saved at every saving step, computed in the block
        lines += [f"        O[{slots[name]}, s] = {name}" for name in memo.names if name in slots]
    for state in plan.states:
        if state.flow not in in_place:
            lines += _derivative_lines(state)
    body = _release_dead(lines, (set(names) | writer.temporaries) - kept) or ["        pass"]
    if memo is None:
        return body
    at = body.index(_MEMO_BLOCK)
    nonlocal_names = f"        nonlocal _memo, {', '.join(memo.names)}"
    return [nonlocal_names, *body[:at], *memo.block, *body[at + 1 :]]


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _release_dead(lines: list[str], local_names: set[str]) -> list[str]:
    """Delete each local right after its last use.

    Freed arrays go back to the allocator and are handed out again for the
    next temporaries, so a step works in the same few cache-hot blocks of
    memory instead of touching a new block for every value.
    """
    last_use: dict[str, int] = {}
    for index, line in enumerate(lines):
        for token in _IDENTIFIER.findall(line):
            if token in local_names:
                last_use[token] = index
    released: dict[int, list[str]] = {}
    for name, index in last_use.items():
        released.setdefault(index, []).append(name)
    result = []
    for index, line in enumerate(lines):
        result.append(line)
        if index in released:
            indent = line[: len(line) - len(line.lstrip())]
            result.append(f"{indent}del {', '.join(sorted(released[index]))}")
    return result


def _derivative_lines(state: StateObject) -> list[str]:
    row, order = state.row, state.order_text
    if state.kind == "integ":
        return [f"        D[{row}] = {state.flow}"]
    if state.kind == "sample":  # PySD's SampleIfTrue.update: state * 0 + this step's value
        return [f"        D[{row}] = 0.0", f"        Y[{row}] = Y[{row}] * 0 + {state.name}"]
    if state.kind == "fixed":  # after every read of this step: PySD's DelayFixed.update
        return [f"        _h_ring_write(_ring_{state.name}, k, {state.flow})"]
    if state.kind in ("trend", "forecast"):
        # PySD's Trend.ddt and Forecast.ddt: (input - state) / average_time.
        return [f"        D[{row}] = ({state.flow} - Y[{row}]) / {state.time}"]
    lines = []
    if state.kind == "smooth":
        # PySD's Smooth.ddt: (targets - state) * order / smooth_time, stage by stage.
        for i in range(state.order):
            target = state.flow if i == 0 else f"Y[{row + i - 1}]"
            derivative = f"({target} - Y[{row + i}]) * {order} / {state.time}"
            lines.append(f"        D[{row + i}] = {derivative}")
        return lines
    # PySD's Delay.ddt: outflows = state / delay_time; (inflows - outflows) * order.
    outflow = [f"_o_{state.name}_{i}" for i in range(state.order)]
    for i in range(state.order):
        lines.append(f"        {outflow[i]} = Y[{row + i}] / {state.time}")
    for i in range(state.order):
        inflow = state.flow if i == 0 else outflow[i - 1]
        lines.append(f"        D[{row + i}] = ({inflow} - {outflow[i]}) * {order}")
    return lines

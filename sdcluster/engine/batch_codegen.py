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
  the bit (see :class:`_StepWriter`).
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

import ast
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sdcluster.engine.batch_plan import (
    Node,
    Plan,
    StateObject,
    clock_nodes,
    slow_nodes,
    static_nodes,
)
from sdcluster.engine.batch_runtime import RUNTIME_NAMESPACE, make_lookup
from sdcluster.errors import ModelFileError


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


def _all_deps(node: Node) -> frozenset[str]:
    return node.deps


def _step_deps(plan: Plan, static: frozenset[str]) -> Callable[[Node], frozenset[str]]:
    # During the run, static values are given and state objects read Y: what
    # they were computed from at initialization is not evaluated again.
    def deps(node: Node) -> frozenset[str]:
        if node.name in static:
            return frozenset()
        return frozenset(dep for dep in node.deps if plan.nodes[dep].kind != "stateinit")

    return deps


def _topological_order(
    plan: Plan, roots: Iterable[str], deps: Callable[[Node], frozenset[str]]
) -> list[str]:
    """Return ``roots`` and everything they depend on, dependencies first."""
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
    for name in _topological_order(plan, plan.nodes, _all_deps):
        node = plan.nodes[name]
        if node.kind == "time":
            continue
        if node.kind == "stateinit":
            lines.extend(_state_init_lines(states[f"s_{name[2:]}"]))
        else:
            lines.append(f"    {name} = {_init_value(node, inputs)}")
    returned = ", ".join(
        f"{name!r}: {name}" for name in sorted(static) if plan.nodes[name].kind != "stateinit"
    )
    lines.append(f"    return {{{returned}}}")
    return "\n".join(lines) + "\n"


def _init_value(node: Node, inputs: frozenset[str]) -> str:
    if node.name in inputs:
        return f"XT[{node.name!r}][0]"
    if node.kind in ("param", "control"):
        return f"V[{node.name!r}]"
    if node.kind == "initial":
        # Freeze the value: it may be a view of the state matrix.
        return f"np.array({node.expr}, dtype=float, copy=True)"
    return node.expr


def _state_init_lines(state: StateObject) -> list[str]:
    rows = f"Y[{state.row}:{state.row + state.order}]"
    if state.kind == "delay":
        # PySD's Delay stores input * delay time in every stage.
        return [
            f"    _h_check_delay_order({state.order}, _dt, {state.time}, {state.element!r})",
            f"    {rows} = {state.initial} * {state.time}",
        ]
    return [f"    {rows} = {state.initial}"]


def _build_source(
    plan: Plan,
    inputs: frozenset[str],
    static: frozenset[str],
    dynamic_outputs: tuple[str, ...],
) -> str:
    derivative_roots = [root for state in plan.states for root in _derivative_roots(state)]
    deps = _step_deps(plan, static)
    fast_nodes = _dynamic(plan, derivative_roots, static, deps)
    save_nodes = _dynamic(plan, [*derivative_roots, *dynamic_outputs], static, deps)
    facts = _node_facts(plan, inputs)
    bound = sorted(
        {dep for name in save_nodes for dep in deps(plan.nodes[name]) if dep in static}
        | {root for root in derivative_roots if root in static}
    )
    lines = ["def _build(V, Y, D, XT, O, _dt):", "    _n = Y.shape[1]"]
    lines += [
        f"    {name} = np.full(_n, {text}, dtype=np.float64)"
        for text, name in plan.literals.items()
    ]
    lines += [f"    {name} = V[{name!r}]" for name in bound]
    lines += [f"    _x_{name} = XT[{name!r}]" for name in sorted(inputs)]
    slots = {name: j for j, name in enumerate(dynamic_outputs)}
    writers = [_StepWriter(facts, frozenset(bound)) for _ in range(3)]
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
    plan: Plan, save_nodes: list[str], static: frozenset[str], writer: _StepWriter
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
    writer.repeat(_repeated_operations(expressions.values()))
    lines = [line for name, expr in expressions.items() for line in writer.assign(name, expr)]
    key = f"({', '.join(clocks)},)"
    block = [
        f"if not _h_unchanged({key}, _memo):",
        f"    _memo = {key}",
        *(f"    {line}" for line in _release_dead(lines, writer.temporaries)),
    ]
    return _Memo(tuple(clocks), tuple(names), tuple(f"        {line}" for line in block))


def _derivative_roots(state: StateObject) -> list[str]:
    return [state.flow] if state.time is None else [state.flow, state.time]


def _dynamic(
    plan: Plan,
    roots: Iterable[str],
    static: frozenset[str],
    deps: Callable[[Node], frozenset[str]],
) -> list[str]:
    order = _topological_order(plan, roots, deps)
    return [name for name in order if name not in static and name != "time"]


_MEMO_BLOCK = "        # the block of slow nodes"


def _step_body(
    plan: Plan,
    names: list[str],
    inputs: frozenset[str],
    slots: dict[str, int],
    writer: _StepWriter,
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
    writer.repeat(_repeated_operations(expressions.values()))
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


# -- one equation as NumPy calls that reuse their own temporaries -------------


@dataclass(frozen=True)
class _Facts:
    """What the generator can promise about a value during a step.

    ``real``: a bool, integer or float, never complex (Python's ``(-8)**(1/3)``
    of two literals is) nor anything else. ``floating``: a NumPy float64
    array or scalar; not a Python float, which NumPy treats as "weak" (a
    float16 array times 0.5 stays float16, and SQRT of a comparison is
    float16). ``per_member``: an array of shape ``(N,)``, never a scalar
    (parameters may be either, so only values computed from a state are
    known to be arrays).
    """

    floating: bool
    per_member: bool
    real: bool = True


_UNKNOWN = _Facts(floating=False, per_member=False, real=False)
_FLOAT_SCALAR = _Facts(floating=True, per_member=False)
_FLOAT_ARRAY = _Facts(floating=True, per_member=True)


@dataclass(frozen=True)
class _Value:
    """A name, literal or temporary holding the value of a subexpression."""

    text: str
    facts: _Facts
    owned: bool  # a temporary of the equation being written: nothing else sees it

    @property
    def reusable(self) -> bool:
        """Tell whether the next operation may write its result into this array.

        Only an owned per-member float64 array qualifies: then the result of an
        arithmetic operation with it, or of MIN, MAX, SQRT etc., has the same
        shape and dtype, so writing in place gives the same values.
        """
        return self.owned and self.facts.floating and self.facts.per_member


# Operators whose result can be written into an operand: (symbol, ufunc).
_ARITHMETIC = {
    ast.Add: ("+", "np.add"),
    ast.Sub: ("-", "np.subtract"),
    ast.Mult: ("*", "np.multiply"),
    ast.Div: ("/", "np.divide"),
}
# IEEE addition and multiplication are commutative to the bit: "a + t" may be "t += a".
_COMMUTATIVE = (ast.Add, ast.Mult)
_MIN_MAX = frozenset({"np.minimum", "np.maximum"})
_FLOAT_UFUNCS = frozenset(
    {
        "np.sqrt", "np.exp", "np.log", "np.sin", "np.cos", "np.tan", "np.arcsin",
        "np.arccos", "np.arctan", "np.sinh", "np.cosh", "np.tanh",
    }
)  # fmt: skip
# Runtime helpers whose result is always a new float64 array or scalar.
_FLOAT_HELPERS = frozenset({"_h_xidz", "_h_zidz"})


class _StepWriter:
    """Write an equation as one NumPy operation per line, reusing temporaries.

    ``v = a * b * (1 - c)`` becomes ``v = a * b``, ``_t1 = 1 - c``,
    ``v *= _t1``: the operations of Python's own evaluation of the
    expression, in the same order and on the same operands, so every result
    is the same to the bit; but an intermediate array is overwritten by the
    next operation instead of being freed after a new one is allocated,
    which halves the memory a step touches. Anything the writer does not
    know stays one plain expression.
    """

    def __init__(self, facts: dict[str, _Facts], bound: frozenset[str] = frozenset()) -> None:
        self.facts = dict(facts)
        self.temporaries: set[str] = set()
        self.wrote_into = False
        # Values bound once per run (constants...), and those of them that an
        # argument of MIN or MAX needs as a full array, named _full_<name>.
        self.bound = bound
        self.full_arrays: set[str] = set()
        self._lines: list[str] = []
        # Temporary -> (its line, ufunc, arguments): allocations that can write elsewhere.
        self._ufunc_lines: dict[str, tuple[int, str, str]] = {}
        self._count = 0
        # Operations (ast.dump) that occur more than once, and their values once computed.
        self._repeated: frozenset[str] = frozenset()
        self._known: dict[str, _Value] = {}

    def repeat(self, operations: frozenset[str]) -> None:
        """Compute these operations (see :func:`_repeated_operations`) once each from now on."""
        self._repeated = operations

    def assign(self, target: str, expression: str, into: str | None = None) -> list[str]:
        """Return the lines that compute ``target = expression``.

        With ``into``, an array such as ``"D[0]"``, a per-member float result
        is computed in that array (``target`` becomes a view of it) instead
        of being copied there afterwards; :attr:`wrote_into` tells whether it was.
        """
        self._lines, self._ufunc_lines, self.wrote_into = [], {}, False
        value = self._value(ast.parse(expression, mode="eval").body)
        self.facts[target] = value.facts
        if not value.owned:
            return [*self._lines, f"{target} = {value.text}"]
        # The last temporary holds the result: give it the target's name.
        self.temporaries.discard(value.text)
        lines = self._lines
        if into is not None and value.reusable and value.text in self._ufunc_lines:
            index, ufunc, arguments = self._ufunc_lines[value.text]
            lines[index : index + 1] = [
                f"{value.text} = {into}",
                f"{ufunc}({arguments}, out={value.text})",
            ]
            self.wrote_into = True
        pattern = re.compile(rf"\b{value.text}\b")
        return [pattern.sub(target, line) for line in lines]

    def _value(self, node: ast.expr) -> _Value:
        key = ast.dump(node) if self._repeated else ""
        if key in self._known:
            return self._known[key]
        value = self._computed(node)
        if key in self._repeated and value.owned:
            # Computed once, read again later: never overwritten in place.
            value = _Value(value.text, value.facts, owned=False)
            self._known[key] = value
        return value

    def _computed(self, node: ast.expr) -> _Value:
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            return self._arithmetic(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            return self._power(node)
        if isinstance(node, ast.Call) and not node.keywords:
            return self._call(node)
        if isinstance(node, ast.Name):
            return _Value(node.id, self.facts.get(node.id, _UNKNOWN), owned=False)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self._negative(node.operand)
        if isinstance(node, ast.Constant):
            facts = _Facts(False, False, real=isinstance(node.value, int | float))
            return _Value(repr(node.value), facts, owned=False)
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Y":
            return _Value(ast.unparse(node), _FLOAT_ARRAY, owned=False)
        if isinstance(node, ast.Attribute):  # np.pi, np.nan, np.inf
            return _Value(ast.unparse(node), _FLOAT_SCALAR, owned=False)
        return self._new(ast.unparse(node), _UNKNOWN)

    def _arithmetic(self, node: ast.BinOp) -> _Value:
        left, right = self._value(node.left), self._value(node.right)
        symbol, ufunc = _ARITHMETIC[type(node.op)]
        real = left.facts.real and right.facts.real
        facts = _Facts(
            floating=real and (left.facts.floating or right.facts.floating),
            per_member=left.facts.per_member or right.facts.per_member,
            real=real,
        )
        if not facts.floating:  # e.g. a complex operand: the result cannot go in place
            return self._new(f"{left.text} {symbol} {right.text}", facts)
        if left.reusable:
            self._lines.append(f"{left.text} {symbol}= {right.text}")
            return _Value(left.text, facts, owned=True)
        if right.reusable and isinstance(node.op, _COMMUTATIVE):
            self._lines.append(f"{right.text} {symbol}= {left.text}")
            return _Value(right.text, facts, owned=True)
        if right.reusable:
            self._lines.append(f"{ufunc}({left.text}, {right.text}, out={right.text})")
            return _Value(right.text, facts, owned=True)
        return self._new(
            f"{left.text} {symbol} {right.text}", facts, (ufunc, f"{left.text}, {right.text}")
        )

    def _power(self, node: ast.BinOp) -> _Value:
        # Never in place: "x**2" takes NumPy's fast path for a few exponents.
        left, right = self._value(node.left), self._value(node.right)
        # Python's power of two Python numbers may be complex: (-8)**(1/3).
        python = _python_number(node.left) and _python_number(node.right)
        real = left.facts.real and right.facts.real and not python
        facts = _Facts(
            floating=real and (left.facts.floating or right.facts.floating),
            per_member=left.facts.per_member or right.facts.per_member,
            real=real,
        )
        return self._new(f"{left.text} ** {right.text}", facts)

    def _negative(self, operand_node: ast.expr) -> _Value:
        operand = self._value(operand_node)
        if isinstance(operand_node, ast.Constant):
            return _Value(f"(-{operand.text})", operand.facts, owned=False)
        if operand.reusable:
            self._lines.append(f"np.negative({operand.text}, out={operand.text})")
            return operand
        return self._new(f"-{operand.text}", operand.facts, ("np.negative", operand.text))

    def _call(self, node: ast.Call) -> _Value:
        function = ast.unparse(node.func)
        arguments = [self._value(argument) for argument in node.args]
        if function in _MIN_MAX and any(argument.facts.per_member for argument in arguments):
            arguments = [self._full_array(argument) for argument in arguments]
        texts = ", ".join(argument.text for argument in arguments)
        facts = _call_facts(function, arguments)
        if not (function in _MIN_MAX or function in _FLOAT_UFUNCS or function == "np.abs"):
            return self._new(f"{function}({texts})", facts)
        reusable = [argument for argument in arguments if argument.reusable]
        if reusable and facts.floating:
            self._lines.append(f"{function}({texts}, out={reusable[0].text})")
            return _Value(reusable[0].text, facts, owned=True)
        return self._new(f"{function}({texts})", facts, (function, texts))

    def _full_array(self, argument: _Value) -> _Value:
        # NumPy's minimum and maximum run about twice as fast on two full
        # arrays as on an array and a scalar: paired with an array, a bound
        # value that may be a scalar gets a full-array copy, made once per
        # run (same values).
        if argument.text not in self.bound or argument.facts.per_member:
            return argument
        self.full_arrays.add(argument.text)
        facts = _Facts(argument.facts.floating, per_member=True, real=argument.facts.real)
        return _Value(f"_full_{argument.text}", facts, owned=False)

    def _new(
        self, expression: str, facts: _Facts, ufunc: tuple[str, str] | None = None
    ) -> _Value:
        """Allocate a temporary; ``ufunc`` = (function, arguments) if the expression is one call."""
        self._count += 1
        name = f"_t{self._count}"
        self.temporaries.add(name)
        if ufunc is not None:
            self._ufunc_lines[name] = (len(self._lines), *ufunc)
        self._lines.append(f"{name} = {expression}")
        return _Value(name, facts, owned=True)


def _repeated_operations(expressions: Iterable[str]) -> frozenset[str]:
    """Return the operations (as ``ast.dump``) that the expressions compute more than once.

    Within a step every name has one value, so equal operations give equal
    results: the writer computes each once (e.g. ``1 - v_entropy_r`` of two
    entropy flows). Operations inside a repeated one are not listed for it:
    computed once with it, they need no name of their own.
    """
    trees = [ast.parse(expression, mode="eval").body for expression in expressions]
    counts = Counter(
        ast.dump(node) for tree in trees for node in ast.walk(tree) if _is_operation(node)
    )
    repeated: set[str] = set()
    pending: list[ast.AST] = list(trees)
    while pending:
        node = pending.pop()
        if _is_operation(node) and counts[ast.dump(node)] > 1:
            repeated.add(ast.dump(node))
        else:
            pending.extend(ast.iter_child_nodes(node))
    return frozenset(repeated)


def _is_operation(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp):
        return not isinstance(node.operand, ast.Constant)  # -2 is a literal
    return isinstance(node, ast.BinOp | ast.Call | ast.Compare | ast.BoolOp)


def _python_number(node: ast.expr) -> bool:
    """Tell whether an expression is computed from Python numbers only, not NumPy values."""
    return not any(
        isinstance(part, ast.Call) or (isinstance(part, ast.Name) and part.id != "_dt")
        for part in ast.walk(node)
    )


def _call_facts(function: str, arguments: list[_Value]) -> _Facts:
    per_member = any(argument.facts.per_member for argument in arguments)
    # NumPy functions of real values are real; complex values stay complex.
    real = all(argument.facts.real for argument in arguments)
    if function in _MIN_MAX or function == "np.abs":
        floating = any(argument.facts.floating for argument in arguments)
    elif function in _FLOAT_UFUNCS:  # float64 from float64 (but float16 from bool)
        floating = all(argument.facts.floating for argument in arguments)
    elif function in _FLOAT_HELPERS:  # the quotient's type
        floating = arguments[0].facts.floating or arguments[1].facts.floating
    elif function.startswith("_lk_"):  # np.interp: always float64
        floating = True
    elif function == "_h_if_then_else":  # np.where(condition, a, b): IF THEN ELSE(c, 1, 0) is int
        floating = arguments[1].facts.floating or arguments[2].facts.floating
    elif function == "_h_step":  # height * (time > start): STEP(1, 5) is an integer
        floating = arguments[2].facts.floating
    else:  # INTEGER, PULSE...: a real number of either kind
        floating = False
    return _Facts(real and floating, per_member, real)


def _node_facts(plan: Plan, inputs: frozenset[str]) -> dict[str, _Facts]:
    """Return what is known about every node's value during a step."""
    facts: dict[str, _Facts] = {
        "time": _FLOAT_SCALAR,
        "_dt": _Facts(floating=False, per_member=False),  # a Python float
        # MIN and MAX literals are bound as full float arrays in the step code.
        **{name: _FLOAT_ARRAY for name in plan.literals.values()},
    }
    writer = _StepWriter(facts)  # records the facts of what it assigns
    for name in _topological_order(plan, plan.nodes, _all_deps):
        node = plan.nodes[name]
        if name in inputs or node.kind in ("param", "control", "initial"):
            writer.facts[name] = _FLOAT_SCALAR  # a float, or a float array (unknown)
        elif node.kind == "state":
            writer.facts[name] = _FLOAT_ARRAY
        elif node.kind == "aux":
            writer.assign(name, node.expr)
    return writer.facts

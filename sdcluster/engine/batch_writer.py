"""Write one equation of a step as NumPy calls that reuse their own temporaries.

The code generator (:mod:`sdcluster.engine.batch_codegen`) assembles the
step functions; the lines that compute each equation come from here. A
:class:`StepWriter` writes ``v = a * b * (1 - c)`` as one NumPy operation
per line (``v = a * b``, ``_t1 = 1 - c``, ``v *= _t1``), in Python's own
order of evaluation, so every value is the same to the bit, while an
intermediate array is overwritten by the next operation instead of being
freed after a new one is allocated. What it may do rests on what is known
about each value (:class:`Facts`, :func:`node_facts`: float64 or not, a
per-member array or maybe a scalar, real or maybe complex), and operations
that occur more than once in a step are computed once
(:func:`repeated_operations`).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sdcluster.engine.batch_plan import Plan, init_deps, topological_order

__all__ = ["FLOAT_ARRAY", "FLOAT_SCALAR", "UNKNOWN", "Facts", "StepWriter", "node_facts",
           "repeated_operations"]


@dataclass(frozen=True)
class Facts:
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


#: Nothing known: any type, a scalar or an array.
UNKNOWN = Facts(floating=False, per_member=False, real=False)
#: A float64 value, a scalar or an array (unknown which).
FLOAT_SCALAR = Facts(floating=True, per_member=False)
#: A float64 array of shape ``(N,)``.
FLOAT_ARRAY = Facts(floating=True, per_member=True)


@dataclass(frozen=True)
class _Value:
    """A name, literal or temporary holding the value of a subexpression."""

    text: str
    facts: Facts
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


class StepWriter:
    """Write an equation as one NumPy operation per line, reusing temporaries.

    ``v = a * b * (1 - c)`` becomes ``v = a * b``, ``_t1 = 1 - c``,
    ``v *= _t1``: the operations of Python's own evaluation of the
    expression, in the same order and on the same operands, so every result
    is the same to the bit; but an intermediate array is overwritten by the
    next operation instead of being freed after a new one is allocated,
    which halves the memory a step touches. Anything the writer does not
    know stays one plain expression.
    """

    def __init__(self, facts: dict[str, Facts], bound: frozenset[str] = frozenset()) -> None:
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
        """Compute these operations (see :func:`repeated_operations`) once each from now on."""
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
            return _Value(node.id, self.facts.get(node.id, UNKNOWN), owned=False)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self._negative(node.operand)
        if isinstance(node, ast.Constant):
            facts = Facts(False, False, real=isinstance(node.value, int | float))
            return _Value(repr(node.value), facts, owned=False)
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Y":
            return _Value(ast.unparse(node), FLOAT_ARRAY, owned=False)
        if isinstance(node, ast.Attribute):  # np.pi, np.nan, np.inf
            return _Value(ast.unparse(node), FLOAT_SCALAR, owned=False)
        return self._new(ast.unparse(node), UNKNOWN)

    def _arithmetic(self, node: ast.BinOp) -> _Value:
        left, right = self._value(node.left), self._value(node.right)
        symbol, ufunc = _ARITHMETIC[type(node.op)]
        real = left.facts.real and right.facts.real
        facts = Facts(
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
        facts = Facts(
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
        facts = Facts(argument.facts.floating, per_member=True, real=argument.facts.real)
        return _Value(f"_full_{argument.text}", facts, owned=False)

    def _new(
        self, expression: str, facts: Facts, ufunc: tuple[str, str] | None = None
    ) -> _Value:
        """Allocate a temporary; ``ufunc`` = (function, arguments) if the expression is one call."""
        self._count += 1
        name = f"_t{self._count}"
        self.temporaries.add(name)
        if ufunc is not None:
            self._ufunc_lines[name] = (len(self._lines), *ufunc)
        self._lines.append(f"{name} = {expression}")
        return _Value(name, facts, owned=True)


def repeated_operations(expressions: Iterable[str]) -> frozenset[str]:
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


def _call_facts(function: str, arguments: list[_Value]) -> Facts:
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
    return Facts(real and floating, per_member, real)


def node_facts(plan: Plan, inputs: frozenset[str]) -> dict[str, Facts]:
    """Return what is known about every node's value during a step."""
    facts: dict[str, Facts] = {
        "time": FLOAT_SCALAR,
        "_dt": Facts(floating=False, per_member=False),  # a Python float
        # MIN and MAX literals are bound as full float arrays in the step code.
        **{name: FLOAT_ARRAY for name in plan.literals.values()},
    }
    writer = StepWriter(facts)  # records the facts of what it assigns
    for name in topological_order(plan, plan.nodes, init_deps(plan)):
        node = plan.nodes[name]
        if name in inputs or node.kind in ("param", "control", "initial"):
            writer.facts[name] = FLOAT_SCALAR  # a float, or a float array (unknown)
        elif node.kind == "state":
            writer.facts[name] = FLOAT_ARRAY
        elif node.kind == "aux":
            writer.assign(name, node.expr)
    return writer.facts

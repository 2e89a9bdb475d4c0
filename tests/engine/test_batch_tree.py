"""The batch engine's expression tree: passes, NumPy rendering, Python's order of evaluation."""

from __future__ import annotations

import ast
import random

from sdcluster.engine.batch_tree import (
    SCALAR,
    Call,
    Constant,
    Operation,
    Reference,
    Tree,
    constant,
    references,
    rename,
    transform,
)
from sdcluster.engine.batch_tree_numpy import numpy_text, python_order

A, B, C = (Reference(name, "element") for name in ("v_a", "v_b", "v_c"))


def _negative(tree: Tree) -> Operation:
    return Operation(("negative",), (tree,))


def test_passes_return_new_trees() -> None:
    tree = Operation(("+",), (A, Call("max", (B, Reference("time", "time")))))
    renamed = rename(tree, {"v_b": "h_b"})
    assert numpy_text(renamed) == "v_a + np.maximum(h_b, time)"
    assert numpy_text(tree) == "v_a + np.maximum(v_b, time)"
    assert references(tree) == {"v_a", "v_b", "time"}
    assert references(Reference("_dt", "dt")) == frozenset()
    doubled = transform(tree, lambda part: Constant(2, integer=True)
                        if isinstance(part, Reference) and part.kind == "time" else part)
    assert numpy_text(doubled) == "v_a + np.maximum(v_b, 2)"
    assert tree.shape == SCALAR


def test_numpy_rendering_is_pysds() -> None:
    # PySD's OperationBuilder: -(a*b) is written -a*b, (a*b)*c keeps its parentheses.
    assert numpy_text(_negative(Operation(("*",), (A, B)))) == "-v_a*v_b"
    assert numpy_text(Operation(("*",), (Operation(("*",), (A, B)), C))) == "(v_a*v_b)*v_c"
    assert numpy_text(Operation(("^",), (_negative(A), B))) == "(-v_a)**v_b"
    assert numpy_text(constant(float("-inf"))) == "(-np.inf)"
    assert numpy_text(constant(True)) == "1"


def _tree(rng: random.Random, depth: int) -> Tree:
    if depth == 0 or rng.random() < 0.2:
        leaves: list[Tree] = [A, B, C, constant(2), constant(-2), constant(-1.5), constant(0.5)]
        return rng.choice(leaves)
    if rng.random() < 0.2:
        return _negative(_tree(rng, depth - 1))
    level = rng.choice([("+", "-"), ("*", "/"), ("^",), ("<", "=")])
    size = 2 if level[0] in "<=" else rng.choice([2, 3])
    return Operation(tuple(rng.choice(level) for _ in range(size - 1)),
                     tuple(_tree(rng, depth - 1) for _ in range(size)))


def _explicit(tree: Tree) -> str:
    """Python source of a python_order tree with every operation parenthesized."""
    if isinstance(tree, Operation):
        parts = [_explicit(operand) for operand in tree.operands]
        if tree.operators == ("negative",):
            return f"(-{parts[0]})"
        symbols = {"^": "**", "=": "==", "<>": "!="}
        text = parts[0]
        for operator, part in zip(tree.operators, parts[1:], strict=True):
            assert operator != "^" or len(tree.operators) == 1  # powers are binary
            text = f"({text} {symbols.get(operator, operator)} {part})"
        return text
    return numpy_text(tree)


def test_python_order_is_how_python_reads_the_rendering() -> None:
    rng = random.Random(12)
    for _ in range(3000):
        tree = _tree(rng, 4)
        expected = ast.dump(ast.parse(numpy_text(tree), mode="eval"))
        assert ast.dump(ast.parse(_explicit(python_order(tree)), mode="eval")) == expected

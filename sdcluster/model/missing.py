"""Which variables may be Vensim's ``:NA:`` (missing) by construction.

Vensim writes ``:NA:`` for a value that does not exist (data not yet
observed, an undefined ratio); PySD translates it to NaN, and NaN propagates
to every variable computed from it. Such a NaN is a result, not a failure:
Vensim and PySD both report it. A NaN anywhere else still means the run broke
(0/0, log of a negative number), so the runners refuse it as before.

A variable *may be missing* when its translated equation holds ``np.nan``
(PySD's ``:NA:``) or when it depends, directly or through other variables
and stocks, on one that may be missing.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _nan_functions(source: str) -> set[str]:
    """Return the functions of a translated module whose body (not decorators) uses np.nan."""
    found = set()
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for statement in node.body:
            if any(isinstance(sub, ast.Attribute) and sub.attr == "nan"
                   and isinstance(sub.value, ast.Name) and sub.value.id == "np"
                   for sub in ast.walk(statement)):
                found.add(node.name)
                break
    return found


def _dependents(dependencies: Mapping[str, Any]) -> dict[str, set[str]]:
    """Invert PySD's dependency map: for each element, the elements computed from it."""
    users: dict[str, set[str]] = {}

    def uses(element: str, needed: Any) -> None:
        if isinstance(needed, Mapping):
            for name, value in needed.items():
                if isinstance(value, Mapping):  # a stateful object's 'initial' / 'step'
                    uses(element, value)
                else:
                    users.setdefault(str(name), set()).add(element)

    for element, needed in dependencies.items():
        uses(str(element), needed)
    return users


def missing_value_variables(translated: Path, dependencies: Mapping[str, Any],
                            names: Mapping[str, str]) -> frozenset[str]:
    """Return the model names of the variables that may be ``:NA:``.

    Parameters
    ----------
    translated : Path
        PySD's translated module.
    dependencies : Mapping
        PySD's ``Model.dependencies`` (python names).
    names : Mapping[str, str]
        Python name → model name.

    """
    sources = _nan_functions(translated.read_text(encoding="utf-8")) & set(names)
    users = _dependents(dependencies)
    # Walk every element, stateful objects ('_integ_<stock>', delays) included.
    reached, frontier = set(sources), list(sources)
    while frontier:
        for user in users.get(frontier.pop(), ()):
            if user not in reached:
                reached.add(user)
                frontier.append(user)
    return frozenset(names[p] for p in reached if p in names)

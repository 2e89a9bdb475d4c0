"""From a caller's names and values to a batch plan's nodes: the arguments of one run.

:class:`~sdcluster.engine.batch.BatchModel` accepts model names (or Python
names, or names that differ in case, spaces or underscores), per-member
constants, input series and a choice of outputs; the plan works on node
names and NumPy values. This module is that conversion, and what a batch
model derives from its plan once to do it: the backend choice, the name
index and the constants' values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from sdcluster.engine.batch_inputs import member_values, series_values
from sdcluster.engine.batch_numba import NumbaRun, compile_numba, numba_available
from sdcluster.engine.batch_plan import Plan, static_nodes
from sdcluster.engine.batch_runtime import RUNTIME_NAMESPACE, make_lookup
from sdcluster.engine.batch_variables import VariableInfo
from sdcluster.errors import ModelFileError, SpecError, UnsupportedConstructError, with_article
from sdcluster.names import normalize_name

__all__ = [
    "Backend",
    "checked_backend",
    "constant_node",
    "default_values",
    "input_series",
    "name_index",
    "numba_run_for",
    "output_nodes",
    "parameter_values",
]

#: How the steps are computed: ``"numpy"`` (NumPy calls on arrays of members),
#: ``"numba"`` (the run compiled with Numba, see :mod:`sdcluster.engine.batch_numba`)
#: or ``"auto"`` (Numba where it can be imported and compiles the model, NumPy
#: otherwise). Measured on the built-in model (``bench/bench_backends.py``, 2
#: cores): the compiled run is 28 times faster for 32 members over 512 steps
#: (a NumPy step costs its few hundred calls whatever the members), and still
#: 1.5 to 1.8 times faster for 10,000 members; it costs a compilation of about
#: 1.5 s the first time a model runs with a choice of inputs and outputs on a
#: machine, then 0.3 s per process to load it from the translation cache.
Backend = Literal["auto", "numpy", "numba"]

#: Looks a variable up by any of its names (``BatchModel.info``).
InfoOf = Callable[[str], VariableInfo]
NumbaKey = tuple[frozenset[str], tuple[str, ...]]


def checked_backend(backend: str) -> Backend:
    """Return ``backend`` if it is one of :data:`Backend`; raise :class:`SpecError` if not."""
    if backend not in get_args(Backend):
        raise SpecError(
            f"backend must be one of {', '.join(map(repr, get_args(Backend)))}, got {backend!r}"
        )
    return backend  # type: ignore[return-value]


def name_index(variables: Sequence[VariableInfo]) -> dict[str, VariableInfo]:
    """Index the variables by model name, Python name and their normalized forms."""
    index: dict[str, VariableInfo] = {}
    for info in variables:
        index.setdefault(normalize_name(info.vensim_name), info)
        index.setdefault(normalize_name(info.python_name), info)
    for info in variables:  # exact names win over loose matches
        index[info.vensim_name] = info
        index[info.python_name] = info
    return index


def default_values(plan: Plan) -> dict[str, float]:
    """Return the control variables' values (the plan's clock) and evaluate the constants."""
    namespace: dict[str, Any] = dict(RUNTIME_NAMESPACE)
    for lookup in plan.lookups:
        namespace[lookup.name] = make_lookup(lookup.x, lookup.y, lookup.method)  # type: ignore[arg-type]
    for text, name in plan.literals.items():
        namespace[name] = eval(text, namespace)
    values: dict[str, float] = dict(plan.clock)
    pending = [node for node in plan.nodes.values()
               if node.kind == "param" or (node.kind == "control" and node.name not in values)]
    while pending:
        ready = [node for node in pending if node.deps <= values.keys()]
        if not ready:
            node = pending[0]
            raise ModelFileError(
                f"{plan.source_path}: {plan.element_of_node.get(node.name, node.name)!r} "
                "must be a number or depend on constants only"
            )
        for node in ready:
            try:
                values[node.name] = float(eval(node.expr, namespace, dict(values)))
            except ArithmeticError as error:
                raise ModelFileError(
                    f"{plan.source_path}: cannot evaluate "
                    f"{plan.element_of_node.get(node.name, node.name)!r}: {error}"
                ) from error
            pending.remove(node)
    return values


def constant_node(info: VariableInfo, path: Path, what: str) -> str:
    """Return the node of a constant; refuse any other kind, saying it cannot be ``what``."""
    if info.kind == "constant":
        return info.node
    if info.kind == "control":
        raise SpecError(
            f"{path.name}: {info.vensim_name!r} is a control variable; "
            "pass final_time= to change FINAL TIME (the others are fixed by the model)"
        )
    kind = "DATA variable" if info.kind == "data" else info.kind
    raise SpecError(
        f"{path.name}: {info.vensim_name!r} is {with_article(kind)}, not a constant; "
        f"only constants can be {what}"
    )


def parameter_values(defaults: Mapping[str, float], params: Mapping[str, ArrayLike], n: int,
                     final_time: float | None, info_of: InfoOf, path: Path) -> dict[str, Any]:
    """Return every constant's value for ``n`` members: the defaults with ``params`` set."""
    # NumPy scalars rather than Python floats: a division by zero in an
    # expression of scalars gives inf or NaN, as with arrays, instead of
    # raising ZeroDivisionError (and then run() names the variable).
    values: dict[str, Any] = {name: np.float64(value) for name, value in defaults.items()}
    if final_time is not None:
        values["v_final_time"] = np.float64(final_time)
    for name, value in params.items():
        info = info_of(name)
        values[constant_node(info, path, "set per member")] = member_values(
            info.vensim_name, value, n)
    return values


def input_series(inputs: Mapping[str, ArrayLike], n: int, n_times: int, info_of: InfoOf,
                 path: Path, *, time_major: bool) -> dict[str, Any]:
    """Return the input series by node, ``(n_times, n)`` if ``time_major`` else ``(n, n_times)``."""
    series: dict[str, Any] = {}
    for name, value in inputs.items():
        info = info_of(name)
        series[constant_node(info, path, "replaced by input series")] = series_values(
            info.vensim_name, value, n, n_times, time_major=time_major)
    return series


def output_nodes(plan: Plan, names: Sequence[str] | None, inputs: frozenset[str],
                 info_of: InfoOf) -> tuple[str, ...]:
    """Return the nodes to save: those of ``names``, or every node that changes in the run."""
    if names is None:
        static = static_nodes(plan.nodes, inputs)
        return tuple(info.node for info in plan.variables if info.node not in static)
    if isinstance(names, str):
        names = [names]
    return tuple(dict.fromkeys(info_of(name).node for name in names))


def numba_run_for(cache: dict[NumbaKey, NumbaRun | None], plan: Plan, inputs: frozenset[str],
                  outputs: tuple[str, ...], chosen: Backend) -> NumbaRun | None:
    """Return the compiled run for a backend choice, or None for the NumPy backend.

    Compiled once per choice of inputs and outputs and kept in ``cache``
    (None where Numba cannot compile the model: ``"auto"`` then runs NumPy,
    ``"numba"`` raises :class:`UnsupportedConstructError`).
    """
    if chosen == "numpy" or (chosen == "auto" and not numba_available()):
        return None
    key = (inputs, outputs)
    if key not in cache:
        try:
            cache[key] = compile_numba(plan, inputs, outputs)
        except UnsupportedConstructError:
            if chosen == "numba":
                raise
            cache[key] = None
    found = cache[key]
    if found is None and chosen == "numba":
        raise UnsupportedConstructError(
            f"{Path(plan.source_path).name}: Numba cannot compile the model; use backend='numpy'"
        )
    return found

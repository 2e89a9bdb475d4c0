"""The batch engine's compiled backend: the whole run as one Numba function.

The NumPy backend (:mod:`sdcluster.engine.batch_codegen`) evaluates every
equation as NumPy calls on arrays of members, so a time step costs a few
hundred NumPy dispatches whatever the number of members: about 50 ms for the
built-in model's 512 steps, be there 1 member or 500. This backend writes the
same equations as scalar Python for one member, wraps them in a loop over the
time steps inside a loop over the members, and compiles that with
``numba.njit``: a step then costs the arithmetic alone.

The generated module holds

``_run(S, Y, X0, X1, ..., times, saved, _dt, O)``
    ``S`` the static values the steps read, one column per name of
    :attr:`NumbaRun.static_names` (shape ``(N, n_static)``); ``Y`` the initial
    state matrix ``(n_rows, N)`` (written by the NumPy backend's ``_init``,
    which also checks delays and computes every static value); ``X0``... one
    per input of :attr:`NumbaRun.input_names`, its series ``(N, T)`` or
    ``(1, T)`` (shared by every member); ``times`` and ``saved`` the
    schedule; ``O`` the output buffer ``(N, n_outputs, n_saved)``.

Members outside, time steps inside: a member's state and static values stay
in registers for its whole run, it reads its own static values and series and
writes its own outputs in one block of memory each (with 100 outputs of
10,000 members, writing ``O[j, m, s]`` instead cost 45 % more time).

The arithmetic is the same: the expressions are the plan's, evaluated in
Python's order on float64 scalars (``error_model="numpy"``: a division by
zero gives inf or NaN, as with arrays), and the runtime helpers (XIDZ, MIN,
lookups...) are written out with NumPy's element-wise semantics, including NaN
handling (:mod:`sdcluster.engine.batch_numba_scalar`). Values agree with the
NumPy backend and PySD to the last bit or within a rounding of ``exp``,
``log`` or ``pow`` (NumPy may use its own SIMD versions of those for arrays).

Numba compiles a model's function in a few seconds; with ``cache=True`` the
machine code is kept beside the generated source, which is written into the
translation cache (:func:`sdcluster.model.loaded.default_cache_dir`), named by
a hash of its text, so the next process loads it in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdcluster.engine.batch_checks import check_fixed_times
from sdcluster.engine.batch_numba_scalar import HELPERS, scalar
from sdcluster.engine.batch_plan import (
    Plan,
    StateObject,
    derivative_roots,
    dynamic_nodes,
    static_nodes,
    step_deps,
)
from sdcluster.errors import UnsupportedConstructError
from sdcluster.model.cache import default_cache_dir

__all__ = ["NumbaRun", "compile_numba", "numba_available"]


def numba_available() -> bool:
    """Tell whether Numba can be imported (it is a dependency, but may fail to load)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class NumbaRun:
    """A compiled run for one (inputs, outputs) choice.

    Attributes
    ----------
    run
        ``run(S, Y, X0, ..., times, saved, dt, O)``, see the module docstring.
    static_names
        The columns of ``S``: static nodes the steps read.
    input_names
        The input nodes, sorted, in the order of the arguments ``X0``....
    dynamic_outputs
        The second axis of ``O``.
    source
        The generated code.
    path
        Where the code was written (Numba's cache is beside it).

    """

    run: Callable[..., None]
    static_names: tuple[str, ...]
    input_names: tuple[str, ...]
    dynamic_outputs: tuple[str, ...]
    source: str
    path: Path


def _derivatives(state: StateObject, lookups: dict[str, str]) -> list[str]:
    """Return the lines computing ``d_<row>`` for a state object, as ``_derivative_lines``."""
    row, order = state.row, state.order_text
    if state.kind == "integ":
        return [f"d_{row} = {state.flow}"]
    if state.kind == "sample":  # PySD's SampleIfTrue.update, as _derivative_lines
        return [f"d_{row} = 0.0", f"y_{row} = y_{row} * 0.0 + {state.name}"]
    if state.kind == "fixed":  # PySD's DelayFixed.update, after every read of the step
        return [f"_ring_{state.name}[k % _len_{state.name}] = {state.flow}"]
    time = str(state.time)
    if state.kind in ("trend", "forecast"):  # PySD's Trend.ddt and Forecast.ddt
        return [f"d_{row} = ({state.flow} - y_{row}) / {time}"]
    if state.kind == "smooth":
        lines = []
        for i in range(state.order):
            target = state.flow if i == 0 else f"y_{row + i - 1}"
            lines.append(f"d_{row + i} = ({target} - y_{row + i}) * {order} / {time}")
        return lines
    outflow = [f"_o_{state.name}_{i}" for i in range(state.order)]
    lines = [f"{outflow[i]} = y_{row + i} / {time}" for i in range(state.order)]
    for i in range(state.order):
        inflow = state.flow if i == 0 else outflow[i - 1]
        lines.append(f"d_{row + i} = ({inflow} - {outflow[i]}) * {order}")
    return lines


def _member_lines(
    plan: Plan,
    static_names: tuple[str, ...],
    input_names: tuple[str, ...],
    rings: list[StateObject],
) -> list[str]:
    """Return what a member's run starts with: its values, states and rings, then the loop."""
    # A series is one member's row, or one row shared by every member.
    member = [f"r_{j} = m if X{j}.shape[0] > 1 else 0" for j in range(len(input_names))]
    member += [f"{name} = S[m, {j}]" for j, name in enumerate(static_names)]
    member += [f"{name} = np.float64({text})" for text, name in plan.literals.items()]
    member += [f"y_{row} = Y[{row}, m]" for row in range(plan.n_rows)]
    for state in rings:  # PySD's DelayFixed pipe: every slot at the initial value
        member += [f"_len_{state.name} = int({state.ring_length})",
                   f"_ring_{state.name} = np.full(_len_{state.name}, {state.initial})"]
    return [*member, "s = 0", "for k in range(n_times):"]


def numba_source(
    plan: Plan, inputs: frozenset[str], outputs: tuple[str, ...]
) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Return the generated module, the static names, the input names and the dynamic outputs.

    Raises
    ------
    UnsupportedConstructError
        If an expression uses something this backend does not write out.

    """
    static = static_nodes(plan.nodes, inputs)
    check_fixed_times(plan, static)  # an input series may move a DELAY N's time
    dynamic_outputs = tuple(name for name in outputs if name not in static)
    deps = step_deps(plan, static)
    roots = [root for state in plan.states for root in derivative_roots(state)]
    nodes = dynamic_nodes(plan, [*roots, *dynamic_outputs], static, deps)
    # What the derivatives need is computed at every step, the rest at saving steps.
    every_step = set(dynamic_nodes(plan, roots, static, deps))
    rings = {state.name: state for state in plan.states if state.kind == "fixed"}
    static_names = tuple(
        sorted(
            {dep for name in nodes for dep in deps(plan.nodes[name]) if dep in static}
            | {root for root in roots if root in static}
            # A DELAY FIXED's ring is made per member from its length and initial value.
            | {name for state in rings.values() for name in (str(state.ring_length),
                                                              state.initial)}
        )
    )
    input_names = tuple(sorted(inputs))
    lookups = {lookup.name: lookup.method for lookup in plan.lookups}
    header = ["import numpy as np", "from numba import njit", HELPERS]
    for lookup in plan.lookups:
        header.append(f"{lookup.name}_x = np.array({list(lookup.x)!r}, dtype=np.float64)")
        header.append(f"{lookup.name}_y = np.array({list(lookup.y)!r}, dtype=np.float64)")
        if lookup.method == "extrapolate":
            x, y = lookup.x, lookup.y
            header.append(f"{lookup.name}_low = {float((y[1] - y[0]) / (x[1] - x[0]))!r}")
            header.append(f"{lookup.name}_high = {float((y[-1] - y[-2]) / (x[-1] - x[-2]))!r}")
    body = ["n_times = times.shape[0]", "for m in range(Y.shape[1]):"]
    member = _member_lines(plan, static_names, input_names, list(rings.values()))
    def assign(name: str) -> str:
        if name in inputs:
            j = input_names.index(name)
            return f"{name} = X{j}[r_{j}, k]"
        if name in rings:  # the slot the step then writes its input into
            return f"{name} = _ring_{name}[k % _len_{name}]"
        return f"{name} = {scalar(plan.nodes[name].tree, lookups)}"

    step = ["time = times[k]"]
    step += [assign(name) for name in nodes if name in every_step]
    step.append("if saved[k]:")
    step += [f"    {assign(name)}" for name in nodes if name not in every_step]
    step += [f"    O[m, {j}, s] = {name}" for j, name in enumerate(dynamic_outputs)]
    step += ["    s += 1", "if k == n_times - 1:", "    break"]
    for state in plan.states:
        step += _derivatives(state, lookups)
    for state in plan.states:
        for row in range(state.row, state.row + state.order):
            step.append(f"y_{row} = y_{row} + d_{row} * _dt")  # PySD's Euler step
            if state.non_negative:
                step.append(f"y_{row} = _nb_max(y_{row}, 0.0)")
    body += [f"    {line}" for line in member] + [f"        {line}" for line in step]
    series = "".join(f"X{j}, " for j in range(len(input_names)))
    run = [
        # nogil: threads of a local Dask cluster run their chunks at once.
        '@njit(cache=True, error_model="numpy", nogil=True)',
        f"def _run(S, Y, {series}times, saved, _dt, O):",
        *(f"    {line}" for line in body),
    ]
    source = "\n".join([*header, "", *run]) + "\n"
    return source, static_names, input_names, dynamic_outputs


def compile_numba(plan: Plan, inputs: frozenset[str], outputs: tuple[str, ...]) -> NumbaRun:
    """Generate, write, import and compile the run for one (inputs, outputs) choice.

    Raises
    ------
    UnsupportedConstructError
        If the code cannot be written out or Numba cannot compile it.

    """
    import numba

    source, static_names, input_names, dynamic_outputs = numba_source(plan, inputs, outputs)
    path = _write_source(source)
    module = _import(path)
    run = module._run
    array2 = numba.types.Array(numba.float64, 2, "C")
    signature = (
        array2,
        array2,
        *(array2 for _ in input_names),
        numba.types.Array(numba.float64, 1, "C", readonly=True),  # the schedule's
        numba.types.Array(numba.boolean, 1, "C", readonly=True),
        numba.float64,
        numba.types.Array(numba.float64, 3, "C"),
    )
    try:
        run.compile(signature)
    except numba.core.errors.NumbaError as error:
        raise UnsupportedConstructError(
            f"{plan.source_path}: Numba cannot compile the model "
            f"({str(error).splitlines()[0]}); use backend='numpy'"
        ) from error
    return NumbaRun(run, static_names, input_names, dynamic_outputs, source, path)


def _write_source(source: str) -> Path:
    """Write the code into the cache, named by its hash; return its path.

    An existing file is left as it is, so Numba's cache beside it stays valid
    (Numba checks the source file's time stamp).
    """
    import numba

    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    name = f"batch_{digest}.py"
    folder = default_cache_dir() / f"numba-{numba.__version__}"
    try:
        return _write_once(folder, name, source)
    except OSError:  # a read-only cache: compile in a folder of this process's own
        return _write_once(Path(tempfile.mkdtemp(prefix="sdcluster-numba-")), name, source)


def _write_once(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        descriptor, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(source)
        os.replace(temporary, path)  # atomic: another process may write the same file
    return path


def _import(path: Path) -> Any:
    name = f"_sdcluster_numba_{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

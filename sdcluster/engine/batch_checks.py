"""The batch engine's refusals of plans whose PySD result depends on PySD's evaluation order.

A :class:`~sdcluster.engine.batch_plan.Plan` may hold constructs that PySD
runs with values the engine cannot reproduce: a DELAY N whose delay time
changes (:func:`check_fixed_times`), a DELAY FIXED whose input PySD reads
while it updates other delays (:func:`check_delay_fixed_inputs`), a SAMPLE
IF TRUE whose condition or value PySD reads after updating the objects they
depend on (:func:`check_sample_inputs`). Each check raises the engine's
one-line refusal (:func:`~sdcluster.engine.batch_plan.refusal`).
"""

from __future__ import annotations

from pathlib import Path

from sdcluster.engine.batch_plan import Plan, StateObject, refusal

__all__ = [
    "FIXED_TIME_CONSTRUCTS",
    "SAMPLED_AFTER",
    "check_delay_fixed_inputs",
    "check_fixed_times",
    "check_sample_inputs",
    "fixed_time_constants",
]


#: Constructs whose time argument must not change during a run (see :func:`check_fixed_times`).
FIXED_TIME_CONSTRUCTS = frozenset({"DELAY N"})


def check_fixed_times(plan: Plan, static: frozenset[str]) -> None:
    """Refuse a DELAY N whose delay time is not static (given the run's inputs).

    PySD's ``DelayN`` keeps one delay time per stage, shifted at every call
    of its derivative, and its output divides by the time of the latest
    such call: with a delay time that changes, the value depends on the
    order in which PySD evaluates its objects and on its caches. With a
    fixed delay time every stage holds the same value and DELAY N is
    DELAY's arithmetic, which the engine runs.

    Raises
    ------
    UnsupportedConstructError
        If a DELAY N's delay time is not in ``static``.

    """
    for state in plan.states:
        if state.construct in FIXED_TIME_CONSTRUCTS and state.time not in static:
            raise refusal(Path(plan.source_path),
                          f"{state.construct} with a delay time that changes during the run",
                          state.element)



# The state objects PySD updates before a DELAY FIXED reads its input.
UPDATED_FIRST = frozenset({"DELAY", "DELAY FIXED"})


def check_delay_fixed_inputs(plan: Plan) -> None:
    """Refuse a DELAY FIXED whose input reads a DELAY1/DELAY3 or another DELAY FIXED.

    PySD reads a DELAY FIXED's input while it updates its objects one by one
    (in the order of their names: ``_delay_...``, ``_delayfixed_...``, then
    the others), so such an input may see the other delay's next value or
    this step's, depending on PySD's caches. Inputs of anything else read
    this step's values, as the engine does.
    """
    for state in plan.states:
        if state.kind != "fixed":
            continue
        other = _state_read_upstream(plan, [state.flow], UPDATED_FIRST, state)
        if other is not None:
            raise refusal(Path(plan.source_path),
                          f"DELAY FIXED of the {other.construct} {other.element!r}",
                          state.element)


def _state_read_upstream(plan: Plan, start: list[str], constructs: frozenset[str],
                         exclude: StateObject | None = None) -> StateObject | None:
    """Return a state object of ``constructs`` that ``start`` reads, through auxiliaries.

    The walk follows the dependencies of auxiliaries and state reads (not of
    constants or INITIAL values, fixed for the run); ``exclude`` is skipped.
    """
    by_node = {state.name: state for state in plan.states}
    seen: set[str] = set()
    pending = list(start)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        other = by_node.get(name)
        if other is not None and other is not exclude and other.construct in constructs:
            return other
        if plan.nodes[name].kind in ("aux", "state"):
            pending.extend(plan.nodes[name].deps)
    return None


def fixed_time_constants(plan: Plan) -> dict[str, list[str]]:
    """Return, by DELAY N element, the constants its delay time is computed from.

    An emitter that lets constants follow input series (the explorer's
    scenario steps) refuses a series for one of them, see
    :func:`check_fixed_times`.
    """
    found: dict[str, list[str]] = {}
    for state in plan.states:
        if state.construct not in FIXED_TIME_CONSTRUCTS or state.time is None:
            continue
        seen: set[str] = set()
        pending = [state.time]
        while pending:
            name = pending.pop()
            if name not in seen:
                seen.add(name)
                pending.extend(plan.nodes[name].deps)
        params = sorted(name for name in seen if plan.nodes[name].kind == "param")
        found.setdefault(state.element, []).extend(params)
    return found


#: The state objects PySD updates before a SAMPLE IF TRUE (its ``_sampleiftrue_...``
#: comes after ``_delay...``, ``_forecast...`` and ``_integ...`` in name order).
SAMPLED_AFTER = frozenset({"INTEG", "DELAY", "DELAY N", "DELAY FIXED", "FORECAST",
                           "SAMPLE IF TRUE"})


def check_sample_inputs(plan: Plan) -> None:
    """Refuse a SAMPLE IF TRUE whose condition or input reads a state PySD updates first.

    PySD's ``SampleIfTrue.update`` evaluates the condition and the input
    again while PySD updates its objects one by one, in the order of their
    names: a value read from a stock, a DELAY, a FORECAST or another SAMPLE
    IF TRUE is then the next step's or this step's, depending on PySD's
    caches. Values of SMOOTH and TREND objects (updated later), of
    constants, INITIAL values and TIME are this step's, as the engine reads
    them.

    Raises
    ------
    UnsupportedConstructError
        If such a SAMPLE IF TRUE is in the plan.

    """
    for state in plan.states:
        if state.sampled is None:
            continue
        other = _state_read_upstream(plan, list(state.sampled), SAMPLED_AFTER)
        if other is not None:
            raise refusal(Path(plan.source_path),
                          f"SAMPLE IF TRUE of the {other.construct} {other.element!r}",
                          state.element)

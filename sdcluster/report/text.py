"""How the report writes numbers, so text, tables and tests agree on one spelling."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

#: Shown where a value does not exist (a phase never reached, an open bound).
MISSING = "–"


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_time(value: Any) -> str:
    """Return a time (model units) with two decimals, or :data:`MISSING`."""
    return MISSING if _is_missing(value) else f"{float(value):.2f}"


def fmt_number(value: Any) -> str:
    """Return a number with four significant digits (thousands separated), or :data:`MISSING`."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, bool | str):
        return str(value)
    number = float(value)
    if 1e4 <= abs(number) < 1e15:
        # 47,420 reads at a glance where 4.742e+04 does not (and never breaks mid-number).
        digits = 3 - math.floor(math.log10(abs(number)))
        return f"{round(number, digits):,.0f}"
    return f"{number:.4g}"


def fmt_level(value: Any) -> str:
    """Return a lever value (e.g. an openness) with three decimals, or :data:`MISSING`.

    Three, because the sweep's bisection stops at a bracket of 0.001: a fourth
    decimal would claim a precision the run did not reach.
    """
    return MISSING if _is_missing(value) else f"{float(value):.3f}"


def fmt_duration(value: Any, units: str) -> str:
    """Return a length of time in the model's units: ``1 year``, ``2.5 years``, ``3 time units``."""
    number = float(value)
    unit = units.strip().lower() if units.strip().isalpha() else ""
    if not unit:
        return f"{number:g} time unit{'' if number == 1 else 's'}"
    return f"{number:g} {unit}{'' if number == 1 or unit.endswith('s') else 's'}"


def fmt_share(value: Any) -> str:
    """Return a proportion as a percentage with one decimal, or :data:`MISSING`."""
    return MISSING if _is_missing(value) else f"{100.0 * float(value):.1f} %"


def join_names(names: Iterable[str]) -> str:
    """Return names as ``a, b and c``."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


_PLURALS = {"auxiliary": "auxiliaries"}


def plural(count: int, word: str) -> str:
    """Return ``"1 stock"``, ``"2 stocks"``, ``"3 auxiliaries"``."""
    if count == 1:
        return f"1 {word}"
    last = word.rsplit(" ", 1)[-1]
    return f"{count} {word[: len(word) - len(last)]}{_PLURALS.get(last, last + 's')}"


def changes_text(scenario: Mapping[str, Any]) -> str:
    """Return a scenario's overrides and steps as one line, e.g. ``openness = 0.8; ...``."""
    parts = [f"{name} = {fmt_number(value)}"
             for name, value in scenario.get("overrides", {}).items()]
    parts += [f"{name} → {fmt_number(step['to'])} at {fmt_time(step['at'])}"
              for name, step in scenario.get("steps", {}).items()]
    return "; ".join(parts) or "none (model values)"


def fmt_uncertain(estimate: Any, half_width: Any) -> str:
    """Return ``estimate ± half_width`` with the digits the interval supports.

    The half-width is given to one significant digit (two when it starts with
    a 1) and the estimate to the same decimal place: ``0.94 ± 0.07``, not
    ``0.9399 ± 0.06765``. Without a finite half-width, :func:`fmt_number`.
    """
    if _is_missing(estimate) or _is_missing(half_width) or not math.isfinite(float(half_width)) \
            or float(half_width) <= 0:
        return fmt_number(estimate)
    width = float(half_width)
    first = math.floor(math.log10(width))
    digits = 1 if f"{width:e}".startswith("1") else 0
    places = max(0, digits - first)
    return f"{float(estimate):.{places}f} ± {width:.{places}f}"

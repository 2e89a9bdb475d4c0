"""One parser for the numbers and ranges a user types or writes in a file.

Every number that comes from outside (a TOML value of a scenario or checks
file, a ``NAME=LOW:HIGH`` option) goes through :func:`finite_number` or
:func:`number_text`, so an integer too large for a float, ``nan``, ``inf``
or text where a number belongs is one :class:`~sdcluster.errors.SpecError`
naming the place, never an ``OverflowError`` or a silently wrong result.
:func:`range_within` is the one rule for a sampling range of a constant
(``sensitivity`` and ``loops`` use it): finite, low below high, inside the
range the model declares.
"""

from __future__ import annotations

import math
from typing import Any

from sdcluster.errors import SpecError
from sdcluster.model.variables import Variable

__all__ = ["finite_number", "number_text", "parameter_option", "range_within", "type_name"]


def type_name(value: Any) -> str:
    """Return how a TOML value's type reads in an error message (``"text"``, ...)."""
    names = {bool: "a boolean", str: "text", list: "an array", dict: "a table"}
    for kind, text in names.items():
        if isinstance(value, kind):
            return text
    return type(value).__name__


def finite_number(value: Any, where: str, *, minimum: float | None = None) -> float:
    """Return a TOML value as a finite float.

    Parameters
    ----------
    value : Any
        The parsed value.
    where : str
        The file and item, for the error message.
    minimum : float, optional
        The smallest value allowed.

    Raises
    ------
    SpecError
        ``"<where>: expected a ..."`` for a boolean, text, an integer too large
        for a float, NaN, infinity, or a value below ``minimum``.

    """
    # bool is an int subclass; "true" is never a meaningful number.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where}: expected a number, got {type_name(value)} {value!r}")
    try:
        number = float(value)
    except OverflowError:
        digits = len(str(abs(value)))
        raise SpecError(f"{where}: expected a finite number, got an integer of "
                            f"{digits} digits") from None
    if not math.isfinite(number):
        raise SpecError(f"{where}: expected a finite number, got {value!r}")
    if minimum is not None and number < minimum:
        raise SpecError(f"{where}: expected a number >= {minimum:g}, got {value!r}")
    return number


def number_text(text: str, where: str) -> float:
    """Return typed text (a command-line value) as a finite float.

    Raises
    ------
    SpecError
        If the text is not a number, or is NaN or infinite (``1e400``).

    """
    try:
        number = float(text)
    except ValueError:
        raise SpecError(f"{where}: expected a number, got {text.strip()!r}") from None
    if not math.isfinite(number):
        raise SpecError(f"{where}: expected a finite number, got {text.strip()!r}")
    return number


def parameter_option(text: str, option: str = "--parameter") -> tuple[str, tuple[float, float]
                                                                       | None]:
    """Parse ``NAME`` or ``NAME=LOW:HIGH`` (a ``--parameter`` option).

    Returns
    -------
    tuple
        The name and ``(low, high)``, or ``None`` when only a name is given.

    Raises
    ------
    SpecError
        If the name is empty, the range is not two numbers, or a bound is not finite.

    """
    name, equals, bounds = text.partition("=")
    where = f"{option} {text!r}"
    if not name.strip():
        raise SpecError(f"{where}: expected NAME or NAME=LOW:HIGH, e.g. openness=0.2:0.8")
    if not equals:
        return name.strip(), None
    low, colon, high = bounds.partition(":")
    if not colon:
        raise SpecError(f"{where}: expected NAME=LOW:HIGH with numbers, e.g. "
                            "openness=0.2:0.8")
    return name.strip(), (number_text(low, where), number_text(high, where))


def range_within(variable: Variable, low: float, high: float, where: str) -> tuple[float, float]:
    """Check a sampling range of a constant against the range its model declares.

    Raises
    ------
    SpecError
        If a bound is not finite, ``low`` is not below ``high``, or the range
        leaves the declared one.

    """
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise SpecError(f"{where}: range [{low:g}, {high:g}] must be finite with "
                            "low < high")
    if not (variable.in_range(low) and variable.in_range(high)):
        raise SpecError(f"{where}: range [{low:g}, {high:g}] is outside the declared range "
                            f"{variable.range_text()}")
    return float(low), float(high)

"""The validation suite: reality checks, invariants, units and structure.

Three kinds of checks, each giving :class:`CheckResult` rows:

- *reality checks*, declared as data in ``models/checks/*.toml`` (format in
  ``models/checks/README.md``): a test input (overrides and steps, as in a
  scenario) and the conditions it implies, e.g. "with openness 0, dS total
  equals diS total at all times";
- *invariants* that hold in every run of the innovation-cluster model (the
  model spec, "Extreme conditions and invariants"): diS j >= 0,
  0 <= Entropy j <= 1, Knowledge Sharing Firms <= Innovative Firms, and no
  NaN or infinity. Invariants whose variables a model lacks are skipped;
- *units and structure*, from pysimlin's model checker.

This module holds the pure part (Dataset in, rows out): the result rows,
the conditions and their evaluation, the invariants. Reading the checks and
running them is :mod:`sdcluster.studies.validation` (``sdcluster check``).
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import xarray as xr

from sdcluster.analysis.entropy import SUBSYSTEMS

CheckGroup = Literal["reality", "invariant", "units", "structure"]

#: Conditions a reality check may state, as ``lhs <condition> rhs``.
CONDITIONS: Mapping[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}

#: Default absolute slack for ``<=``, ``>=``, ``==`` and ``!=`` (rounding of Euler sums).
DEFAULT_TOLERANCE = 1e-9
#: Conditions the tolerance loosens.
_SLACK_CONDITIONS = ("<=", ">=", "==", "!=")



@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """One row of the validation table.

    Attributes
    ----------
    group : str
        ``"reality"``, ``"invariant"``, ``"units"`` or ``"structure"``.
    check : str
        Which check file or run the row belongs to.
    condition : str
        What was tested, in words.
    passed : bool
        Whether it held.
    detail : str
        Evidence: the worst value and where, or the checker's message.

    """

    group: CheckGroup
    check: str
    condition: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class Expectation:
    """A condition a reality check implies: ``variable <condition> value``.

    Attributes
    ----------
    variable : str
        Model variable on the left.
    condition : str
        One of ``<  <=  >  >=  ==  !=``.
    value : float or str
        A number, or the name of another model variable.
    at : str or float
        ``"all"`` (every saved time), ``"end"`` (the last saved time) or a time.
    tolerance : float
        Absolute slack for ``<=``, ``>=``, ``==`` and ``!=``.

    """

    variable: str
    condition: str
    value: float | str
    at: str | float = "all"
    tolerance: float = DEFAULT_TOLERANCE

    def describe(self) -> str:
        """Return the condition as text, e.g. ``'dS total' >= 0 at all times``."""
        value = repr(self.value) if isinstance(self.value, str) else f"{self.value:g}"
        when = {"all": "at all times", "end": "at the end"}.get(str(self.at), f"at t={self.at}")
        # Say the slack when it is more than rounding: "== 0.0277" alone would hide a 0.001.
        slack = (f" (tolerance {self.tolerance:g})"
                 if self.condition in _SLACK_CONDITIONS and self.tolerance > DEFAULT_TOLERANCE
                 else "")
        return f"{self.variable!r} {self.condition} {value} {when}{slack}"


def evaluate(run: xr.Dataset, expectation: Expectation, *, check: str = "") -> CheckResult:
    """Evaluate one expectation on the output of one run (dimension ``time``)."""
    left = _at(run[expectation.variable], expectation.at)
    right: Any = expectation.value
    if isinstance(right, str):
        right = _at(run[right], expectation.at)
    holds = _holds(left, right, expectation.condition, expectation.tolerance)
    failing = ~holds
    if bool(failing.any()):
        detail = _first_failure(left, right, failing)
    else:
        detail = f"range [{float(left.min()):.6g}, {float(left.max()):.6g}]"
    return CheckResult(group="reality", check=check, condition=expectation.describe(),
                       passed=not bool(failing.any()), detail=detail)


def _at(values: xr.DataArray, at: str | float) -> xr.DataArray:
    if at == "all":
        return values
    if at == "end":
        finite_times = values.dropna("time")
        last = finite_times if finite_times.sizes["time"] else values
        return last.isel(time=[-1])
    return values.sel(time=[float(at)], method="nearest")


def _holds(left: xr.DataArray, right: Any, condition: str, tolerance: float) -> xr.DataArray:
    if condition == "<=":
        holds = left <= right + tolerance
    elif condition == ">=":
        holds = left >= right - tolerance
    elif condition == "==":
        holds = abs(left - right) <= tolerance
    elif condition == "!=":
        holds = abs(left - right) > tolerance
    else:
        holds = CONDITIONS[condition](left, right)
    # NaN compares False, so a NaN value fails every condition.
    return xr.DataArray(holds) & np.isfinite(left)


def _first_failure(left: xr.DataArray, right: Any, failing: xr.DataArray) -> str:
    index = np.unravel_index(int(np.argmax(failing.values)), failing.shape)
    where = ", ".join(f"{dim}={_coordinate_text(failing[dim].values[i])}"
                      for dim, i in zip(failing.dims, index, strict=True))
    value = float(left.values[index])
    against = float(right.values[index]) if isinstance(right, xr.DataArray) else float(right)
    count = int(failing.sum())
    return f"fails at {where}: {value:.6g} vs {against:.6g} ({count} points fail)"


def _coordinate_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def invariant_results(run: xr.Dataset, *, check: str = "",
                      tolerance: float = DEFAULT_TOLERANCE) -> list[CheckResult]:
    """Evaluate the model's invariants on any results Dataset.

    Invariants (model spec): diS j >= 0 and 0 <= Entropy j <= 1 for j in
    R, K, U; Knowledge Sharing Firms <= Innovative Firms; no NaN or
    infinity in any variable. Invariants whose variables are missing are
    skipped, so the function works on any model's results.
    """
    expectations = [Expectation(variable=f"diS {j}", condition=">=", value=0.0,
                                tolerance=tolerance) for j in SUBSYSTEMS]
    for j in SUBSYSTEMS:
        expectations += [
            Expectation(variable=f"Entropy {j}", condition=">=", value=0.0, tolerance=tolerance),
            Expectation(variable=f"Entropy {j}", condition="<=", value=1.0, tolerance=tolerance),
        ]
    expectations.append(Expectation(variable="Knowledge Sharing Firms", condition="<=",
                                    value="Innovative Firms", tolerance=tolerance))
    rows = [_no_nan_row(run, check)]
    for expectation in expectations:
        needed = [expectation.variable] + ([expectation.value]
                                           if isinstance(expectation.value, str) else [])
        if all(name in run.data_vars for name in needed):
            row = evaluate(run, expectation, check=check)
            rows.append(dataclasses.replace(row, group="invariant"))
    return rows


def _no_nan_row(run: xr.Dataset, check: str) -> CheckResult:
    # Runs that end early are NaN-padded to a longer scenario's time axis;
    # only values inside a run count, so look for infinity and for NaN
    # before each run's last finite time.
    bad = [str(name) for name, values in run.data_vars.items() if _has_inner_nan_or_inf(values)]
    return CheckResult(group="invariant", check=check, condition="no NaN or infinity",
                       passed=not bad, detail=", ".join(bad[:5]) if bad else "all finite")


def _has_inner_nan_or_inf(values: xr.DataArray) -> bool:
    array = np.asarray(values.transpose(..., "time").values, dtype=float)
    if np.isinf(array).any():
        return True
    finite = np.isfinite(array)
    # A NaN counts when some later time in the same run is finite.
    later_finite = np.flip(np.logical_or.accumulate(np.flip(finite, -1), -1), -1)
    return bool((~finite & later_finite).any())



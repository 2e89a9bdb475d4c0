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

The functions that evaluate conditions and invariants are pure (Dataset in,
rows out). :func:`run_checks` is the one place that runs the model: it is
the library call behind ``sdcluster check``.
"""

from __future__ import annotations

import dataclasses
import operator
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr
from tqdm import tqdm

from sdcluster.analysis.entropy import SUBSYSTEMS
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.errors import ScenarioError, SimulationError, did_you_mean, first_line
from sdcluster.inputs import finite_number
from sdcluster.model import LoadedModel
from sdcluster.paths import builtin_checks_dir
from sdcluster.scenarios import Scenario, read_toml, scenario_from_dict
from sdcluster.simlin_io import load_project

CheckGroup = Literal["reality", "invariant", "units", "structure"]

#: Conditions a reality check may state, as ``lhs <condition> rhs``.
CONDITIONS: Mapping[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}

#: Default absolute slack for ``<=``, ``>=``, ``==`` and ``!=`` (rounding of Euler sums).
DEFAULT_TOLERANCE = 1e-9

_EXPECT_KEYS = ("variable", "condition", "value", "at", "tolerance")
_CHECK_ONLY_KEYS = ("expect", "seed")


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
        return f"{self.variable!r} {self.condition} {value} {when}"


@dataclass(frozen=True, kw_only=True)
class RealityCheck:
    """A test input and the behaviour it implies.

    Attributes
    ----------
    scenario : Scenario
        The test input (overrides, steps, final time); its name is the check's.
    expectations : tuple of Expectation
        Conditions the run must meet.
    seed : int or None
        Noise seed for the run; ``None`` runs without noise.

    """

    scenario: Scenario
    expectations: tuple[Expectation, ...]
    seed: int | None = None

    @property
    def name(self) -> str:
        """Return the check's name (its file stem)."""
        return self.scenario.name


def check_from_dict(data: Mapping[str, Any], *, name: str, source: str) -> RealityCheck:
    """Build a :class:`RealityCheck` from a TOML-shaped dictionary.

    Raises
    ------
    ScenarioError
        If a key is unknown, an expectation is malformed or there is none.

    """
    scenario = scenario_from_dict(
        {k: v for k, v in data.items() if k not in _CHECK_ONLY_KEYS}, name=name, source=source
    )
    where = f"{source}: check {scenario.name!r}"
    entries = data.get("expect")
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(f"{where}: needs at least one [[expect]] table")
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ScenarioError(f"{where}: seed must be a non-negative integer, got {seed!r}")
    expectations = tuple(
        _expectation(entry, f"{where}: [[expect]] #{index + 1}")
        for index, entry in enumerate(entries)
    )
    return RealityCheck(scenario=scenario, expectations=expectations, seed=seed)


def _expectation(entry: Any, where: str) -> Expectation:
    if not isinstance(entry, Mapping):
        raise ScenarioError(f"{where}: expected a table")
    unknown = [key for key in entry if key not in _EXPECT_KEYS]
    if unknown:
        raise ScenarioError(f"{where}: unknown key {unknown[0]!r}; expected one of "
                            f"{', '.join(_EXPECT_KEYS)}{did_you_mean(unknown[0], _EXPECT_KEYS)}")
    variable, condition, value = entry.get("variable"), entry.get("condition"), entry.get("value")
    if not isinstance(variable, str):
        raise ScenarioError(f"{where}: variable must be a model variable name")
    if not isinstance(condition, str) or condition not in CONDITIONS:
        raise ScenarioError(f"{where}: condition must be one of {' '.join(CONDITIONS)}, "
                            f"got {condition!r}")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ScenarioError(f"{where}: value must be a number or a variable name, got {value!r}")
    at = entry.get("at", "all")
    if at not in ("all", "end") and (isinstance(at, bool) or not isinstance(at, int | float)):
        raise ScenarioError(f"{where}: at must be \"all\", \"end\" or a time, got {at!r}")
    tolerance = finite_number(entry.get("tolerance", DEFAULT_TOLERANCE), f"{where}: tolerance",
                              minimum=0.0)
    return Expectation(variable=variable, condition=condition,
                       value=value if isinstance(value, str) else finite_number(
                           value, f"{where}: value"),
                       at=at if isinstance(at, str) else finite_number(at, f"{where}: at"),
                       tolerance=tolerance)


def validated_check(check: RealityCheck, model: LoadedModel) -> RealityCheck:
    """Check names and times against the model; return the check with the model's spelling.

    Raises
    ------
    UnknownVariableError
        If an expectation names a variable the model lacks.
    ScenarioError
        If the test input is invalid, or an expectation's ``at`` time lies
        outside the run (it would silently be read at the nearest saved time).

    """
    scenario = check.scenario.validated(model)
    context = f"{scenario.source}: check {scenario.name!r}: [[expect]] "
    start = model.time.initial_time
    end = model.time.final_time if scenario.final_time is None else scenario.final_time
    for index, expectation in enumerate(check.expectations):
        if isinstance(expectation.at, float) and not start <= expectation.at <= end:
            raise ScenarioError(f"{context}#{index + 1}: at = {expectation.at:g} is outside "
                                f"the run [{start:g}, {end:g}]")
    expectations = tuple(
        Expectation(
            variable=model.resolve(e.variable, context=context),
            condition=e.condition,
            value=model.resolve(e.value, context=context) if isinstance(e.value, str) else e.value,
            at=e.at,
            tolerance=e.tolerance,
        )
        for e in check.expectations
    )
    return RealityCheck(scenario=scenario, expectations=expectations, seed=check.seed)


def load_checks(model: LoadedModel, directory: str | Path | None = None
                ) -> tuple[RealityCheck, ...]:
    """Read and validate every ``*.toml`` reality check in ``directory`` (built-in by default).

    Raises
    ------
    ScenarioError
        If the folder is missing or a file is invalid.
    UnknownVariableError
        If a file names a variable the model lacks.

    """
    folder = Path(directory) if directory is not None else builtin_checks_dir()
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: checks folder not found")
    checks = []
    for file in sorted(folder.glob("*.toml")):
        parsed = check_from_dict(read_toml(file), name=file.stem, source=str(file))
        checks.append(validated_check(parsed, model))
    return tuple(checks)


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


def model_file_results(path: Path) -> list[CheckResult]:
    """Check units and structure with pysimlin.

    Every unit issue pysimlin reports (errors and warnings alike) fails the
    units check; only errors fail the structure check, warnings are listed.
    """
    from simlin.errors import ErrorKind, ErrorSeverity

    try:
        project = load_project(path)
        issues = list(project.get_errors())
        unit_definitions = project.get_model().check_units()
    except Exception as error:  # pysimlin raises many types for files it cannot read
        return [CheckResult(group="structure", check=path.name,
                            condition="pysimlin reads the model", passed=False,
                            detail=first_line(error))]
    units = [i.message for i in issues if i.kind == ErrorKind.UNITS]
    units += [u.message for u in unit_definitions]
    others = [i for i in issues if i.kind != ErrorKind.UNITS]
    errors = [i.message for i in others if i.severity != ErrorSeverity.WARNING]
    warnings = [i.message for i in others if i.severity == ErrorSeverity.WARNING]
    return [
        CheckResult(group="units", check=path.name, condition="units are consistent (pysimlin)",
                    passed=not units, detail=_issues_text(units, "no unit issues")),
        CheckResult(group="structure", check=path.name, condition="no model errors (pysimlin)",
                    passed=not errors, detail=_issues_text(errors or warnings, "no issues")),
    ]


def _issues_text(messages: Iterable[str], empty: str) -> str:
    lines = [" ".join(m.split()) for m in messages]
    if not lines:
        return empty
    more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
    return lines[0][:200] + more


def run_checks(model: LoadedModel, directory: str | Path | None = None, *,
               progress: bool = False) -> list[CheckResult]:
    """Run the whole validation suite on a model.

    Runs every reality check in ``directory`` (by default the built-in
    checks for the built-in model, none for other models) and the baseline
    (the model as it is), evaluates each check's expectations and the
    invariants on every run, and adds pysimlin's units and structure checks.

    Returns
    -------
    list of CheckResult
        One row per condition; the suite passes when every row passed.

    """
    if directory is None and not model.is_builtin:
        checks: tuple[RealityCheck, ...] = ()
    else:
        checks = load_checks(model, directory)
    baseline = RealityCheck(scenario=Scenario(name="baseline", title="model as it is"),
                            expectations=())
    rows: list[CheckResult] = []
    for check in _with_progress((baseline, *checks), progress):
        rows += _check_rows(model, check)
    return rows + model_file_results(model.path)


def _check_rows(model: LoadedModel, check: RealityCheck) -> list[CheckResult]:
    try:
        run = run_scenario(model, check.scenario, noise_seed=check.seed)
    except SimulationError as error:
        return [CheckResult(group="invariant", check=check.name, condition="run completes",
                            passed=False, detail=str(error))]
    rows = [evaluate(run, e, check=check.name) for e in check.expectations]
    return rows + invariant_results(run, check=check.name)


def _with_progress(checks: tuple[RealityCheck, ...], progress: bool) -> Iterable[RealityCheck]:
    return tqdm(checks, desc="checks", unit="run", file=sys.stderr, disable=not progress)

"""Validation: read the reality checks, run them and the model-file checks.

The library call behind ``sdcluster check``. A reality check
(``models/checks/*.toml``, format in ``models/checks/README.md``) is a test
input, exactly like a scenario, plus the conditions it implies; every run is
also held to the invariants, and the model file to pysimlin's units and
structure checks. Evaluating conditions and invariants on a run is pure
analysis (:mod:`sdcluster.analysis.checks`); this module reads, runs and
collects.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from sdcluster.analysis.checks import (
    CONDITIONS,
    DEFAULT_TOLERANCE,
    CheckResult,
    Expectation,
    evaluate,
    invariant_results,
)
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.errors import SimulationError, SpecError, did_you_mean, first_line
from sdcluster.experiments.parsing import finite_number
from sdcluster.experiments.scenarios import Scenario, read_toml, scenario_from_dict
from sdcluster.model.loaded import LoadedModel
from sdcluster.model.paths import builtin_checks_dir
from sdcluster.model.simlin_io import load_project

_EXPECT_KEYS = ("variable", "condition", "value", "at", "tolerance")
_CHECK_ONLY_KEYS = ("expect", "seed")


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
    SpecError
        If a key is unknown, an expectation is malformed or there is none.

    """
    scenario = scenario_from_dict(
        {k: v for k, v in data.items() if k not in _CHECK_ONLY_KEYS}, name=name, source=source
    )
    where = f"{source}: check {scenario.name!r}"
    entries = data.get("expect")
    if not isinstance(entries, list) or not entries:
        raise SpecError(f"{where}: needs at least one [[expect]] table")
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise SpecError(f"{where}: seed must be a non-negative integer, got {seed!r}")
    expectations = tuple(
        _expectation(entry, f"{where}: [[expect]] #{index + 1}")
        for index, entry in enumerate(entries)
    )
    return RealityCheck(scenario=scenario, expectations=expectations, seed=seed)


def _expectation(entry: Any, where: str) -> Expectation:
    if not isinstance(entry, Mapping):
        raise SpecError(f"{where}: expected a table")
    unknown = [key for key in entry if key not in _EXPECT_KEYS]
    if unknown:
        raise SpecError(f"{where}: unknown key {unknown[0]!r}; expected one of "
                            f"{', '.join(_EXPECT_KEYS)}{did_you_mean(unknown[0], _EXPECT_KEYS)}")
    variable, condition, value = entry.get("variable"), entry.get("condition"), entry.get("value")
    if not isinstance(variable, str):
        raise SpecError(f"{where}: variable must be a model variable name")
    if not isinstance(condition, str) or condition not in CONDITIONS:
        raise SpecError(f"{where}: condition must be one of {' '.join(CONDITIONS)}, "
                            f"got {condition!r}")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SpecError(f"{where}: value must be a number or a variable name, got {value!r}")
    at = entry.get("at", "all")
    if at not in ("all", "end") and (isinstance(at, bool) or not isinstance(at, int | float)):
        raise SpecError(f"{where}: at must be \"all\", \"end\" or a time, got {at!r}")
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
    SpecError
        If the test input is invalid, or an expectation's ``at`` time lies
        outside the run (it would silently be read at the nearest saved time).

    """
    scenario = check.scenario.validated(model)
    context = f"{scenario.source}: check {scenario.name!r}: [[expect]] "
    start = model.time.initial_time
    end = model.time.final_time if scenario.final_time is None else scenario.final_time
    for index, expectation in enumerate(check.expectations):
        if isinstance(expectation.at, float) and not start <= expectation.at <= end:
            raise SpecError(f"{context}#{index + 1}: at = {expectation.at:g} is outside "
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
    SpecError
        If the folder is missing or a file is invalid.
    UnknownVariableError
        If a file names a variable the model lacks.

    """
    folder = Path(directory) if directory is not None else builtin_checks_dir()
    if not folder.is_dir():
        raise SpecError(f"{folder}: checks folder not found")
    checks = []
    for file in sorted(folder.glob("*.toml")):
        parsed = check_from_dict(read_toml(file), name=file.stem, source=str(file))
        checks.append(validated_check(parsed, model))
    return tuple(checks)


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

"""Scenarios as data: TOML files of constant overrides and timed steps.

A scenario file (format documented in ``models/scenarios/README.md``)::

    title = "Closed cluster"
    description = "Openness 0: no exchange with the outside."
    final_time = 60                     # optional, model time units

    [overrides]                         # constants, by model name
    openness = 0.0

    [steps]                             # optional: a constant jumps at a time
    "university cooperation" = { at = 60, to = 0.6 }

The file name (without ``.toml``) is the scenario's name unless the file sets
``name``. Files are read with :mod:`tomllib`; nothing in them is evaluated.
Parsing checks the shape and types of a file; :meth:`Scenario.validated`
checks it against a loaded model (names, kinds, declared ranges).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sdcluster.errors import ScenarioError, SpecError, did_you_mean, with_article
from sdcluster.experiments.parsing import finite_number, type_name
from sdcluster.model.loaded import LoadedModel
from sdcluster.model.paths import builtin_scenarios_dir
from sdcluster.model.variables import Variable

#: Scenario names are used on the command line and as coordinates.
SCENARIO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")

_TOP_LEVEL_KEYS = ("name", "title", "description", "final_time", "overrides", "steps")
_STEP_KEYS = ("at", "to")


@dataclass(frozen=True, kw_only=True)
class Step:
    """A constant that takes a new value from a given time on.

    Attributes
    ----------
    at : float
        Time (model units) from which the new value holds.
    to : float
        The new value. Before ``at`` the constant keeps its override (or
        model default).

    """

    at: float
    to: float


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A named set of changes to a model's constants.

    Attributes
    ----------
    name : str
        Short identifier (letters, digits, ``_ . -``).
    title : str
        One-line human title.
    description : str
        What the scenario represents and why (cite the source).
    overrides : Mapping[str, float]
        Constant values by model name.
    steps : Mapping[str, Step]
        Constants that change value during the run.
    final_time : float or None
        End of the run; the model's FINAL TIME when ``None``.
    source : str
        Where the scenario came from (a file path), for error messages.

    """

    name: str
    title: str = ""
    description: str = ""
    overrides: Mapping[str, float] = field(default_factory=dict)
    steps: Mapping[str, Step] = field(default_factory=dict)
    final_time: float | None = None
    source: str = "<scenario>"

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as the dictionary its TOML file would hold."""
        data: dict[str, Any] = {"name": self.name, "title": self.title,
                                "description": self.description}
        if self.final_time is not None:
            data["final_time"] = self.final_time
        data["overrides"] = dict(self.overrides)
        data["steps"] = {k: {"at": s.at, "to": s.to} for k, s in self.steps.items()}
        return data

    def validated(self, model: LoadedModel) -> Scenario:
        """Check the scenario against a model; return it with the model's spelling of names.

        Raises
        ------
        UnknownVariableError
            If a name matches no model variable (the message lists the closest).
        ScenarioError
            If a target is not a constant, a value is outside the declared
            range, a step time lies outside the run, or ``final_time`` is not
            after the initial time.

        """
        where = f"{self.source}: scenario {self.name!r}"
        final_time = model.time.final_time if self.final_time is None else self.final_time
        if final_time <= model.time.initial_time:
            raise ScenarioError(f"{where}: final_time {final_time:g} is not after the initial "
                                f"time {model.time.initial_time:g}")
        overrides = {
            _checked_constant(model, key, value, f"{where}: [overrides]").name: value
            for key, value in self.overrides.items()
        }
        steps: dict[str, Step] = {}
        for key, step in self.steps.items():
            variable = _checked_constant(model, key, step.to, f"{where}: [steps]")
            if not model.time.initial_time <= step.at <= final_time:
                raise ScenarioError(
                    f"{where}: [steps] {key!r}: at = {step.at:g} is outside the run "
                    f"[{model.time.initial_time:g}, {final_time:g}]"
                )
            steps[variable.name] = step
        return replace(self, overrides=overrides, steps=steps)


def _checked_constant(model: LoadedModel, key: str, value: float, where: str) -> Variable:
    variable = model.variables[model.resolve(key, context=f"{where} ")]
    if variable.kind != "constant":
        raise ScenarioError(
            f"{where} {key!r} is {with_article(variable.kind)}; only constants can be set"
            f"{did_you_mean(key, model.constants)}"
        )
    if not variable.in_range(value):
        raise ScenarioError(
            f"{where} {key!r} = {value:g} is outside its declared range {variable.range_text()}"
        )
    return variable


def scenario_from_dict(data: Mapping[str, Any], *, name: str | None = None,
                       source: str = "<scenario>") -> Scenario:
    """Build a :class:`Scenario` from a TOML-shaped dictionary.

    Parameters
    ----------
    data : Mapping
        The parsed TOML document (see the module docstring).
    name : str, optional
        Name to use when ``data`` has no ``name`` (a file's stem).
    source : str
        Where ``data`` came from, for error messages.

    Raises
    ------
    ScenarioError
        If a key is unknown or a value has the wrong type.

    """
    _reject_unknown_keys(data, _TOP_LEVEL_KEYS, f"{source}: ")
    scenario_name = data.get("name", name)
    if not isinstance(scenario_name, str) or not SCENARIO_NAME.match(scenario_name):
        raise ScenarioError(f"{source}: name must be letters, digits, '_', '.' or '-' "
                            f"(starting with a letter or digit), got {scenario_name!r}")
    where = f"{source}: scenario {scenario_name!r}"
    final_time = data.get("final_time")
    return Scenario(
        name=scenario_name,
        title=_text(data, "title", where) or scenario_name,
        description=_text(data, "description", where),
        overrides=_overrides(_table(data, "overrides", where), f"{where}: [overrides]"),
        steps=_steps(_table(data, "steps", where), f"{where}: [steps]"),
        final_time=None if final_time is None else _number(final_time, f"{where}: final_time"),
        source=source,
    )


def _reject_unknown_keys(data: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    allowed = tuple(allowed)
    for key in data:
        if key not in allowed:
            raise ScenarioError(f"{where}unknown key {key!r}; expected one of "
                                f"{', '.join(allowed)}{did_you_mean(key, allowed)}")


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: {key} must be text, got {type_name(value)}")
    return value.strip()


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where}: [{key}] must be a table, got {type_name(value)}")
    return value


def _overrides(table: Mapping[str, Any], where: str) -> dict[str, float]:
    return {key: _number(value, f"{where} {key!r}") for key, value in table.items()}


def _steps(table: Mapping[str, Any], where: str) -> dict[str, Step]:
    steps: dict[str, Step] = {}
    for key, value in table.items():
        here = f"{where} {key!r}"
        if not isinstance(value, Mapping):
            raise ScenarioError(f"{here}: expected a table like {{at = 60, to = 0.0}}, "
                                f"got {type_name(value)}")
        _reject_unknown_keys(value, _STEP_KEYS, f"{here}: ")
        missing = [k for k in _STEP_KEYS if k not in value]
        if missing:
            raise ScenarioError(f"{here}: missing {', '.join(missing)}")
        steps[key] = Step(at=_number(value["at"], f"{here}: at"),
                          to=_number(value["to"], f"{here}: to"))
    return steps


def _number(value: Any, where: str) -> float:
    try:
        return finite_number(value, where)
    except SpecError as error:  # a bad number in a scenario is a scenario error
        raise ScenarioError(str(error)) from None


def read_toml(path: Path, error: type[ScenarioError] = ScenarioError) -> dict[str, Any]:
    """Read a TOML file, turning every failure into one-line ``error``."""
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except OSError as problem:
        raise error(f"{path}: cannot read file ({problem.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as problem:
        raise error(f"{path}: not valid TOML: {problem}") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read one scenario file (not yet checked against a model)."""
    file = Path(path)
    return scenario_from_dict(read_toml(file), name=file.stem, source=str(file))


def available_scenarios(directory: str | Path | None = None) -> dict[str, Path]:
    """Return scenario names and their files in ``directory`` (built-in by default)."""
    folder = Path(directory) if directory is not None else builtin_scenarios_dir()
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: scenario folder not found")
    return {file.stem: file for file in sorted(folder.glob("*.toml"))}


def load_scenarios(
    model: LoadedModel,
    names: Iterable[str] | None = None,
    *,
    directory: str | Path | None = None,
) -> tuple[Scenario, ...]:
    """Load and validate scenarios from a folder.

    Parameters
    ----------
    model : LoadedModel
        The model the scenarios must fit.
    names : iterable of str, optional
        Scenario names to load, in this order; all files in the folder
        (sorted, ``baseline`` first) when omitted.
    directory : str or Path, optional
        The folder of ``*.toml`` files; the built-in scenarios by default.

    Raises
    ------
    ScenarioError
        If a requested name has no file (the message lists the closest), or
        a file is invalid.
    UnknownVariableError
        If a file names a variable the model does not have.

    """
    files = available_scenarios(directory)
    wanted = list(names) if names is not None else sorted(files, key=lambda n: n != "baseline")
    scenarios = []
    for name in wanted:
        if name not in files:
            folder = directory if directory is not None else builtin_scenarios_dir()
            raise ScenarioError(f"no scenario {name!r} in {folder}{did_you_mean(name, files)}")
        loaded = load_scenario(files[name])
        scenarios.append(loaded.validated(model))
    return tuple(scenarios)

"""Parameter ranges read from a model: a :class:`SensitivityProblem` over its constants.

Kept apart from :mod:`sdcluster.experiments.designs` so that designs (and the
analysis that reads them) need no model loading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from sdcluster.errors import ScenarioError, did_you_mean, with_article
from sdcluster.experiments.designs import ParameterRange, SensitivityProblem
from sdcluster.experiments.parsing import range_within
from sdcluster.model.loaded import LoadedModel, load_model


def problem_from_model(
    model: LoadedModel | str | Path,
    parameters: Iterable[str] | Mapping[str, tuple[float, float] | None],
) -> SensitivityProblem:
    """Build a problem from model constants and their declared ranges.

    Parameters
    ----------
    model : LoadedModel or path
        The model (loaded, or its file).
    parameters : iterable of str, or mapping of str to (low, high) or None
        Constants to vary. A name alone (or ``None``) uses the declared
        range; ``(low, high)`` narrows it.

    Raises
    ------
    UnknownVariableError
        For a name that is not in the model (the message lists the closest).
    ScenarioError
        If a name is not a constant, has no (or a half-open) declared range
        and no explicit one, or an explicit range leaves the declared one.

    """
    loaded = model if isinstance(model, LoadedModel) else load_model(model)
    if isinstance(parameters, Mapping):
        wanted: dict[str, tuple[float, float] | None] = dict(parameters)
    else:
        wanted = dict.fromkeys(parameters)
    return SensitivityProblem(parameters=tuple(
        _parameter_range(loaded, name, bounds) for name, bounds in wanted.items()
    ))


def _parameter_range(model: LoadedModel, name: str,
                     bounds: tuple[float, float] | None) -> ParameterRange:
    variable = model.variable(model.resolve(name, context="sensitivity: "))
    where = f"sensitivity: {model.path.name}: {variable.name!r}"
    if variable.kind != "constant":
        raise ScenarioError(f"{where} is {with_article(variable.kind)}; only constants can be "
                            "varied"
                            f"{did_you_mean(name, model.constants)}")
    if bounds is None:
        declared = variable.range
        if declared is None or declared[0] is None or declared[1] is None:
            raise ScenarioError(f"{where} has no closed declared range "
                                f"({variable.range_text() or 'none'}); give one as NAME=LOW:HIGH")
        return ParameterRange(name=variable.name, low=declared[0], high=declared[1])
    low, high = range_within(variable, float(bounds[0]), float(bounds[1]), where)
    return ParameterRange(name=variable.name, low=low, high=high)

"""Parameter ranges read from a model: a :class:`SensitivityProblem` over its constants.

Kept apart from :mod:`sdcluster.experiments.designs` so that designs (and the
analysis that reads them) need no model loading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from sdcluster.errors import SpecError, did_you_mean, with_article
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
    SpecError
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


def parameter_ranges(model: LoadedModel, names: Iterable[str] | None = None,
                     overrides: Mapping[str, tuple[float, float]] | None = None, *,
                     context: str = "") -> dict[str, tuple[float, float]]:
    """Return ``{constant: (low, high)}``: declared ranges, or overrides within them.

    Parameters
    ----------
    model : LoadedModel
        The model.
    names : iterable of str, optional
        Constants to sample; the policy levers (:attr:`LoadedModel.levers`)
        when omitted. Overridden constants are added.
    overrides : mapping of str to (float, float), optional
        Ranges that replace the declared ones (e.g. a narrower study range).
    context : str
        Prefix of error messages (what asked for the ranges).

    Raises
    ------
    UnknownVariableError
        If a name is not a model variable (with the closest names).
    SpecError
        If a name is not a constant, has no closed declared range and no
        override, or an override leaves the declared range.

    """
    replaced = {model.resolve(k, context=context): v for k, v in (overrides or {}).items()}
    chosen = [model.resolve(n, context=context) for n in (model.levers if names is None
                                                          else names)]
    ranges = {}
    for name in dict.fromkeys([*chosen, *replaced]):
        found = _parameter_range(model, name, replaced.get(name), context=context)
        ranges[found.name] = (found.low, found.high)
    return ranges


def _parameter_range(model: LoadedModel, name: str, bounds: tuple[float, float] | None, *,
                     context: str = "sensitivity: ") -> ParameterRange:
    variable = model.variable(model.resolve(name, context=context))
    where = f"{context}{model.path.name}: {variable.name!r}"
    if variable.kind != "constant":
        raise SpecError(f"{where} is {with_article(variable.kind)}; only constants can be "
                            "varied"
                            f"{did_you_mean(name, model.constants)}")
    if bounds is None:
        declared = variable.range
        if declared is None or declared[0] is None or declared[1] is None:
            raise SpecError(f"{where} has no closed declared range "
                                f"({variable.range_text() or 'none'}); give one as NAME=LOW:HIGH")
        return ParameterRange(name=variable.name, low=declared[0], high=declared[1])
    low, high = range_within(variable, float(bounds[0]), float(bounds[1]), where)
    return ParameterRange(name=variable.name, low=low, high=high)

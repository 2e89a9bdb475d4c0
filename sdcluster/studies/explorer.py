"""What the live policy explorer shows: the model as JavaScript, its levers, presets and charts.

The explorer (:mod:`sdcluster.report.explorer` writes the page) runs the
model in the browser: :func:`explorer_model` translates the model file with
the batch engine's translation and emits it as JavaScript
(:func:`sdcluster.engine.batch_js.javascript_model`), and collects what the
page needs around it, as plain data: a slider per lever (the model's policy
levers, or its constants with a declared range), a preset per scenario
(its overrides, steps and horizon), and the four variables to chart.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sdcluster.analysis.entropy import ORDER_DEGREE
from sdcluster.analysis.phases import FIRMS
from sdcluster.engine.batch import BatchModel
from sdcluster.engine.batch_js import javascript_model
from sdcluster.errors import UnsupportedConstructError
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.model.variables import Variable

__all__ = ["BUILTIN_CHARTS", "Chart", "ExplorerModel", "Lever", "Preset", "explorer_model"]

#: The built-in model's charts: firms, knowledge, order and entropy change.
BUILTIN_CHARTS = (FIRMS, "Knowledge Stock", ORDER_DEGREE, "dS total")
#: Charts for any other model: its first stocks, in the file's order.
CHART_COUNT = 4

# The batch engine's refusal: "...: {construct} in {variable} (model {file}); run it with ...".
_REFUSAL = re.compile(r"not supported by the vectorized engine: (?P<what>.*) \(model [^)]*\)")


@dataclass(frozen=True)
class Lever:
    """A constant the page sets with a slider."""

    name: str
    low: float
    high: float
    default: float
    units: str
    documentation: str


@dataclass(frozen=True)
class Preset:
    """A scenario as the page applies it: lever values, other constants, steps, horizon."""

    name: str
    title: str
    description: str
    values: dict[str, float]
    steps: dict[str, tuple[float, float]] = field(default_factory=dict)
    final_time: float | None = None


@dataclass(frozen=True)
class Chart:
    """A variable the page plots."""

    name: str
    units: str


@dataclass(frozen=True)
class ExplorerModel:
    """Everything the explorer page shows, as plain data.

    Attributes
    ----------
    file_name
        The model file's name, for the title.
    script
        JavaScript defining ``sdclusterModel`` (see
        :func:`~sdcluster.engine.batch_js.javascript_model`).
    levers, presets, charts
        What the page offers and plots.
    time_units
        Units of the time axis.

    """

    file_name: str
    script: str
    levers: tuple[Lever, ...]
    presets: tuple[Preset, ...]
    charts: tuple[Chart, ...]
    time_units: str


def explorer_model(
    model: LoadedModel | str | os.PathLike[str] | None = None,
    scenarios: Iterable[Scenario] | None = None,
) -> ExplorerModel:
    """Translate a model for the explorer and collect its levers, presets and charts.

    Parameters
    ----------
    model
        A loaded model or a model file; the built-in model if omitted.
    scenarios
        Scenarios to offer as presets (validated against the model), in order.

    Returns
    -------
    ExplorerModel

    Raises
    ------
    UnsupportedConstructError
        If the model uses a construct the explorer cannot compute in the
        browser (the batch engine's, or the JavaScript emitter's, refusal).
    ModelFileError
        If the file is missing or malformed.

    """
    loaded = model if isinstance(model, LoadedModel) else load_model(model)
    batch = _batch_model(loaded)
    try:
        script = javascript_model(batch)
    except UnsupportedConstructError as error:
        raise UnsupportedConstructError(f"{loaded.path.name}: {error}") from None
    return ExplorerModel(
        file_name=loaded.path.name,
        script=script,
        levers=tuple(_lever(loaded.variables[name]) for name in loaded.levers),
        presets=tuple(_preset(scenario) for scenario in scenarios or ()),
        charts=_charts(loaded, batch),
        time_units=loaded.time.units,
    )


def _batch_model(loaded: LoadedModel) -> BatchModel:
    try:
        return BatchModel.from_model(loaded)
    except UnsupportedConstructError as error:
        found = _REFUSAL.search(str(error))
        what = found.group("what") if found else str(error)
        raise UnsupportedConstructError(
            f"{loaded.path.name}: the explorer cannot compute this model in the browser: {what}"
        ) from None


def _lever(variable: Variable) -> Lever:
    default = variable.default if variable.default is not None else 0.0
    low, high = variable.range or (None, None)
    # An open bound: a span around the default as wide as the default (at least 1).
    span = max(abs(default), 1.0)
    low = default - span if low is None else low
    high = default + span if high is None else high
    return Lever(name=variable.name, low=float(low), high=float(high), default=float(default),
                 units=variable.units, documentation=variable.documentation)


def _preset(scenario: Scenario) -> Preset:
    return Preset(
        name=scenario.name,
        title=scenario.title or scenario.name,
        description=" ".join(scenario.description.split()),
        values=dict(scenario.overrides),
        steps={name: (step.at, step.to) for name, step in scenario.steps.items()},
        final_time=scenario.final_time,
    )


def _charts(loaded: LoadedModel, batch: BatchModel) -> tuple[Chart, ...]:
    if loaded.is_builtin and all(name in loaded for name in BUILTIN_CHARTS):
        names: Sequence[str] = BUILTIN_CHARTS
    else:
        stocks = [info.vensim_name for info in batch.plan.variables if info.kind == "stock"]
        others = [info.vensim_name for info in batch.plan.variables
                  if info.kind in ("flow", "auxiliary")]
        names = (stocks or others)[:CHART_COUNT]
    return tuple(Chart(name=name, units=batch.info(name).units) for name in names)

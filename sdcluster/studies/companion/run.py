"""The runs of a report: its scenarios, then every companion part in order.

:func:`run_report_scenarios` runs the scenarios through PySD (the engine of
record) without noise, so that differences between scenarios come from the
policies alone. :func:`make_parts` makes the companion parts in
:data:`PART_MAKERS` order and hands each to ``save`` as soon as it is done,
so a later failure never loses an earlier part. A part the model does not
support (another model than the innovation cluster), or that fails with a
user error, comes back unavailable with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sdcluster.engine.run import run_scenarios
from sdcluster.errors import SdclusterError
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel
from sdcluster.results.dataset import Results
from sdcluster.studies.companion.context import RunContext
from sdcluster.studies.companion.loops import make_loops
from sdcluster.studies.companion.part import PARTS, Part
from sdcluster.studies.companion.parts import (
    make_checks,
    make_ensemble,
    make_sensitivity,
    make_sweep,
    make_takeoff,
)
from sdcluster.studies.companion.policies import make_policies
from sdcluster.studies.companion.thresholds import make_thresholds

#: Part name -> (progress title, function that makes it), in run order.
PART_MAKERS: Mapping[str, tuple[str, Callable[[RunContext], Part]]] = {
    "policies": ("every scenario against the baseline, with fluctuations (batch engine)",
                 make_policies),
    "sweep": ("openness sweep with bisection (batch engine)", make_sweep),
    "thresholds": ("formation and persistence thresholds (bifurcation, batch engine)",
                   make_thresholds),
    "ensemble": ("fluctuation ensemble", make_ensemble),
    "takeoff": ("take-off probability against openness", make_takeoff),
    "sensitivity": ("Sobol' sensitivity of the policy levers", make_sensitivity),
    "checks": ("validation checks (sdcluster check)", make_checks),
    "loops": ("loop dominance (Loops That Matter, pysimlin)", make_loops),
}


def run_report_scenarios(model: LoadedModel, scenarios: Sequence[Scenario], *,
                         progress: bool = True) -> Results:
    """Run the report's scenarios with PySD, without noise (see the module docstring)."""
    return run_scenarios(model, scenarios, progress=progress)


def make_parts(context: RunContext, save: Callable[[Part], object]) -> dict[str, Part]:
    """Make every companion part in :data:`PARTS` order, saving each when it is done.

    Parameters
    ----------
    context : RunContext
        What the experiments share.
    save : callable
        Receives each part (available or not) as soon as it exists.

    Returns
    -------
    dict
        Part name -> part.

    """
    return {name: _made_and_saved(name, context, save) for name in PARTS}


def _made_and_saved(name: str, context: RunContext, save: Callable[[Part], object]) -> Part:
    title, maker = PART_MAKERS[name]
    with context.progress.stage(title):
        try:
            part = maker(context)
        except SdclusterError as error:
            part = Part.missing(name, " ".join(str(error).split()))
    save(part)
    if part.reason:
        context.progress.say(f"report: {name} not available: {part.reason}")
    return part

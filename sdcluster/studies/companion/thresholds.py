"""The report's formation and persistence thresholds: a bifurcation study in openness.

The openness sweep finds where the default start self-organizes; it cannot say
how far openness may fall once a cluster has formed. The bifurcation study
(:func:`sdcluster.studies.bifurcation.run_bifurcation`, through
:func:`sdcluster.run`) runs long deterministic runs from many initial numbers
of mature firms at every openness value: the
*formation* threshold is the lowest openness at which a cluster forms from the
smallest start, the *persistence* threshold the lowest at which a fully formed
one survives, and between them the outcome depends on history (hysteresis).
"""

from __future__ import annotations

from sdcluster.analysis.entropy import ORDER_DEGREE
from sdcluster.experiments.bifurcation import BifurcationSpec
from sdcluster.studies.companion.context import SWEEP_LEVER, RunContext
from sdcluster.studies.companion.part import Part

#: The stock whose equilibria the study seeks: the mature firms that spin off new ones.
THRESHOLD_STATE = "Mature Firms"
#: Long enough for every run to settle on its attractor (model years).
THRESHOLD_HORIZON = 300.0


def make_thresholds(context: RunContext) -> Part:
    """Return the bifurcation in openness of the model's defaults (see the module docstring)."""
    context.require([SWEEP_LEVER, THRESHOLD_STATE, ORDER_DEGREE],
                    "the formation and persistence thresholds")
    spec = BifurcationSpec(lever=SWEEP_LEVER, state=THRESHOLD_STATE,
                           values=context.sizes.threshold_values,
                           initial_states=context.sizes.threshold_initial_states,
                           horizon=THRESHOLD_HORIZON, outputs=(ORDER_DEGREE,), noise_levels=())
    from sdcluster.studies.run import run  # the one entry point (it imports the studies)

    result = run(context.batch, spec)
    metadata = {
        "lever": SWEEP_LEVER, "state": THRESHOLD_STATE, "horizon": THRESHOLD_HORIZON,
        "values": spec.values, "initial_states": spec.initial_states,
        "formation": result.formation, "persistence": result.persistence,
        "hysteresis": result.hysteresis, "notes": result.notes,
        "smallest_start": float(result.dataset["initial"].values[0]),
        "largest_start": float(result.dataset["initial"].values[-1]),
        # The study runs the model's defaults: the base scenario's overrides are not applied.
        "base_overrides_ignored": sorted(context.base.overrides),
    }
    return Part(name="thresholds", dataset=result.dataset, metadata=metadata)

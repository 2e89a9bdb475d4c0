"""How many runs each companion experiment makes: the full and the quick sizes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ExperimentSizes:
    """How many runs each experiment of the report makes.

    Attributes
    ----------
    sweep_points : int
        Openness values of the deterministic sweep (evenly spaced on the
        lever's range).
    sweep_tolerance : float
        Width of openness bracket at which bisection stops.
    ensemble_members : int
        Seeded members per ensemble (fan charts, and each point of the
        take-off curve).
    takeoff_points : int
        Openness values of the take-off probability curve.
    sensitivity_samples : int
        Base sample size of the sensitivity design (Sobol' N, a power of 2).
    loop_members : int
        Members of the loop-dominance ensemble (Latin hypercube over the levers).
    threshold_values : int
        Openness values of the bifurcation study (formation and persistence thresholds).
    threshold_initial_states : int
        Initial numbers of mature firms per openness value of that study.

    """

    sweep_points: int
    sweep_tolerance: float
    ensemble_members: int
    takeoff_points: int
    sensitivity_samples: int
    loop_members: int
    threshold_values: int
    threshold_initial_states: int


#: Sizes of the full report.
FULL_SIZES = ExperimentSizes(sweep_points=41, sweep_tolerance=1e-3, ensemble_members=300,
                             takeoff_points=21, sensitivity_samples=512, loop_members=40,
                             threshold_values=101, threshold_initial_states=10)


#: Sizes of a ``--quick`` draft: the same sections from fewer runs.
QUICK_SIZES = ExperimentSizes(sweep_points=11, sweep_tolerance=1e-2, ensemble_members=24,
                              takeoff_points=6, sensitivity_samples=16, loop_members=4,
                              threshold_values=21, threshold_initial_states=4)

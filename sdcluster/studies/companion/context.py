"""What every experiment of a report run needs: :class:`RunContext`."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sdcluster.analysis.entropy import ORDER_DEGREE
from sdcluster.analysis.phases import PHASE_NEEDS
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.analysis.thresholds import SWEEP_LEVER
from sdcluster.engine.batch import BatchModel
from sdcluster.engine.pysd_runner import WHITE_NOISE_INPUT
from sdcluster.errors import ReportError, SdclusterError
from sdcluster.experiments.noise import NOISE_INPUT_RULE, noise_inputs
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel
from sdcluster.studies.companion.sizes import ExperimentSizes
from sdcluster.studies.progress import Progress

#: What the report's sweeps and ensembles record: the order degree and what phases need.
REPORT_RUN_VARIABLES = (ORDER_DEGREE, *PHASE_NEEDS)

__all__ = ["REPORT_RUN_VARIABLES", "SWEEP_LEVER", "WHITE_NOISE_INPUT", "RunContext"]

@dataclass(frozen=True, kw_only=True)
class RunContext:
    """The model, sizes, seed, base scenario and settings shared by the experiments.

    Attributes
    ----------
    model : LoadedModel
        The model.
    sizes : ExperimentSizes
        How many runs each experiment makes.
    seed : int
        Root seed of every random draw (noise streams, designs).
    scenarios : tuple of Scenario
        The scenarios of the report.
    base : Scenario
        The scenario the sweeps, ensembles and designs start from (the first
        scenario of the report).
    settings : AnalysisSettings
        Phase and regime thresholds.
    progress : Progress
        Where progress lines go.

    """

    model: LoadedModel
    sizes: ExperimentSizes
    seed: int
    scenarios: tuple[Scenario, ...]
    base: Scenario
    settings: AnalysisSettings
    progress: Progress
    checks_dir: Path | None = None

    @functools.cached_property
    def batch(self) -> BatchModel:
        """The model compiled for the vectorized batch engine, once per report run.

        Raises
        ------
        ReportError
            If the batch engine cannot run the model (the reason says why).

        """
        try:
            return BatchModel.from_model(self.model)
        except SdclusterError as error:
            raise ReportError(f"the vectorized batch engine cannot run "
                              f"{self.model.path.name}: {error}") from None

    def base_parameters(self) -> dict[str, float]:
        """Return the base scenario's constant overrides."""
        return dict(self.base.overrides)

    def lever_range(self, name: str) -> tuple[float, float]:
        """Return the declared range of a constant, [0, 1] where a bound is open."""
        variable = self.model.variable(name)
        low, high = variable.range or (None, None)
        return (0.0 if low is None else low, 1.0 if high is None else high)

    def require(self, names: Sequence[str], purpose: str) -> None:
        """Raise :class:`ReportError` naming the variables ``purpose`` needs and the model lacks."""
        missing = [name for name in names if name not in self.model]
        if missing:
            raise ReportError(f"{purpose} needs {', '.join(repr(n) for n in missing)}, which "
                              f"{self.model.path.name} does not have (a part specific to the "
                              "innovation-cluster model)")

    def require_noise_inputs(self, purpose: str) -> tuple[str, ...]:
        """Return the model's white-noise inputs (:func:`sdcluster.experiments.noise.noise_inputs`).

        Raises
        ------
        ReportError
            If the model has none; the message says what ``purpose`` expects.

        """
        inputs = noise_inputs(self.model)
        if not inputs:
            raise ReportError(f"{purpose} needs a white noise input ({NOISE_INPUT_RULE}), "
                              f"which {self.model.path.name} does not have (a part specific to "
                              "the innovation-cluster model)")
        return inputs

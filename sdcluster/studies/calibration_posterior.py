"""The log-posterior of a calibration: the evaluators that run the walkers, priors, likelihood.

:func:`make_evaluator` returns the :class:`Evaluator` that runs one member per
walker: :class:`BatchEvaluator` (all walkers in one batch-engine run) or, where
the batch engine refuses the model, :class:`PysdEvaluator` (walker by walker).
:class:`Posterior` is ``prior x likelihood`` of a validated
:class:`~sdcluster.experiments.calibration.CalibrationSpec`, vectorized over
walkers, as :func:`~sdcluster.studies.calibration.run_calibration` hands it to
emcee.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from sdcluster.analysis.fit import lognormal_loglik, negbinom_loglik
from sdcluster.engine.batch import BatchModel
from sdcluster.engine.options import Engine
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.errors import SimulationError, UnsupportedConstructError
from sdcluster.experiments.calibration import CalibrationSpec
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel

__all__ = ["BatchEvaluator", "Evaluator", "Posterior", "PysdEvaluator", "make_evaluator"]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]



# ------------------------------------------------------------------ engines


class Evaluator:
    """Runs members (one per walker) and returns the mapped variables at saved times.

    Parameters
    ----------
    variables : sequence of str
        Model names to return.
    final_time : float
        End of every run.

    """

    engine = "none"

    def __init__(self, variables: Sequence[str], final_time: float) -> None:
        self.variables = tuple(dict.fromkeys(variables))
        self.final_time = final_time
        self.times: FloatArray = np.empty(0)

    def run(self, params: Mapping[str, FloatArray], n: int) -> dict[str, FloatArray]:
        """Return variable → array ``(n, len(self.times))``; NaN rows for failed members."""
        raise NotImplementedError


class BatchEvaluator(Evaluator):
    """All walkers as one batch-engine run of that many members."""

    engine = "batch"

    def __init__(self, batch: BatchModel, variables: Sequence[str], final_time: float) -> None:
        super().__init__(variables, final_time)
        self._batch = batch
        self.times = np.asarray(batch.schedule(final_time).labels, dtype=np.float64)

    def run(self, params: Mapping[str, FloatArray], n: int) -> dict[str, FloatArray]:
        """Run ``n`` members at once (see :meth:`Evaluator.run`)."""
        try:
            return self._arrays(params, n)
        except SimulationError:
            # One member's arithmetic error stops the whole batch: isolate it.
            rows = [self._one(params, i) for i in range(n)]
            return {v: np.stack([row[v] for row in rows]) for v in self.variables}

    def _arrays(self, params: Mapping[str, FloatArray], n: int) -> dict[str, FloatArray]:
        arrays = self._batch.run_arrays(params, n, return_variables=list(self.variables),
                                        final_time=self.final_time)
        return {v: np.asarray(arrays[v], dtype=np.float64) for v in self.variables}

    def _one(self, params: Mapping[str, FloatArray], i: int) -> dict[str, FloatArray]:
        try:
            arrays = self._arrays({k: v[i:i + 1] for k, v in params.items()}, 1)
            return {v: arrays[v][0] for v in self.variables}
        except SimulationError:
            return {v: np.full(self.times.size, np.nan) for v in self.variables}


class PysdEvaluator(Evaluator):
    """The walkers one by one through PySD (where the batch engine refuses the model)."""

    engine = "pysd"

    def __init__(self, model: LoadedModel, variables: Sequence[str], final_time: float) -> None:
        super().__init__(variables, final_time)
        self._model = model
        self.times = model.time.save_times(final_time)

    def run(self, params: Mapping[str, FloatArray], n: int) -> dict[str, FloatArray]:
        """Run ``n`` members one by one (see :meth:`Evaluator.run`)."""
        out = {v: np.full((n, self.times.size), np.nan) for v in self.variables}
        for i in range(n):
            scenario = Scenario(name="walker", final_time=self.final_time,
                                overrides={k: float(v[i]) for k, v in params.items()})
            try:
                dataset = run_scenario(self._model, scenario, variables=self.variables)
            except SimulationError:
                continue  # stays NaN: log-probability -inf
            for v in self.variables:
                values = np.asarray(dataset[v].values, dtype=np.float64)
                out[v][i, :values.size] = values[:self.times.size]
        return out


def make_evaluator(model: LoadedModel, variables: Sequence[str], final_time: float,
                   engine: Engine = "auto") -> Evaluator:
    """Return the batch-engine evaluator, or PySD's where the batch engine refuses the model.

    Raises
    ------
    UnsupportedConstructError
        With ``engine="batch"`` for a model the batch engine cannot run.

    """
    if engine == "pysd":
        return PysdEvaluator(model, variables, final_time)
    try:
        return BatchEvaluator(BatchModel.from_model(model), variables, final_time)
    except UnsupportedConstructError as error:
        if engine == "batch":
            raise
        logger.warning("the batch engine cannot run %s (%s); calibrating with PySD, one "
                       "walker at a time (slow)", model.path.name, error)
        return PysdEvaluator(model, variables, final_time)


# --------------------------------------------------------------- posterior


def _interpolate(grid: FloatArray, values: FloatArray, query: FloatArray) -> FloatArray:
    """Linear interpolation of ``values (n, G)`` on ``grid`` at ``query (n, T)``; NaN outside."""
    tolerance = 1e-9 * max(1.0, float(np.abs(grid).max()))
    if grid.size == 1:
        inside = np.abs(query - grid[0]) <= tolerance
        return np.where(inside, values[:, :1], np.nan)
    position = np.clip(np.searchsorted(grid, query, side="right") - 1, 0, grid.size - 2)
    left, right = grid[position], grid[position + 1]
    weight = (query - left) / (right - left)
    low = np.take_along_axis(values, position, axis=1)
    high = np.take_along_axis(values, position + 1, axis=1)
    result = low + weight * (high - low)
    inside = (query >= grid[0] - tolerance) & (query <= grid[-1] + tolerance)
    return np.where(inside, result, np.nan)


class Posterior:
    """The log-posterior of a validated spec, vectorized over walkers."""

    def __init__(self, spec: CalibrationSpec, evaluator: Evaluator) -> None:
        self.spec = spec
        self.evaluator = evaluator
        self.priors = spec.priors()
        self.names = tuple(p.name for p in self.priors)
        self.index = {name: j for j, name in enumerate(self.names)}
        bounds = np.array([p.sampling_bounds for p in self.priors])
        self.low, self.high = bounds[:, 0], bounds[:, 1]
        self.model_parameters = tuple(spec.parameters)
        self.times = spec.times
        self.observed = {m.column: spec.observed(m.column) for m in spec.mappings}
        self.likelihood = lognormal_loglik if spec.likelihood == "lognormal" else negbinom_loglik
        self.dispersion = "sigma" if spec.likelihood == "lognormal" else "alpha"

    @property
    def ndim(self) -> int:
        """Return the number of sampled quantities."""
        return len(self.priors)

    def to_values(self, theta: FloatArray) -> FloatArray:
        """Sampler coordinates ``(n, ndim)`` → values in natural units."""
        return np.column_stack([p.from_sampling(theta[:, j]) for j, p in enumerate(self.priors)])

    def to_theta(self, values: FloatArray) -> FloatArray:
        """Values ``(n, ndim)`` → sampler coordinates."""
        return np.column_stack([p.to_sampling(values[:, j]) for j, p in enumerate(self.priors)])

    def __call__(self, theta: FloatArray) -> FloatArray:
        """Return the log-posterior of each walker (``-inf`` outside the priors)."""
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        inside = (np.isfinite(theta).all(axis=1) & (theta >= self.low).all(axis=1)
                  & (theta <= self.high).all(axis=1))
        out = np.full(theta.shape[0], -np.inf)
        if inside.any():
            values = self.to_values(theta[inside])
            out[inside] = self.log_likelihood(values)
        # Uniform priors in the sampler's space: the log-prior is a constant, left out.
        out[~np.isfinite(out)] = -np.inf
        return out

    def column(self, values: FloatArray, name: str, default: float) -> FloatArray:
        """One free quantity's values, or a fixed value for every member."""
        j = self.index.get(name)
        return values[:, j] if j is not None else np.full(values.shape[0], default)

    def predictions(self, values: FloatArray, times: FloatArray | None = None
                    ) -> dict[str, FloatArray]:
        """Run the members; return column → ``scale * variable(t - offset)``, shape ``(n, T)``."""
        n = values.shape[0]
        params = {name: np.ascontiguousarray(values[:, self.index[name]])
                  for name in self.model_parameters}
        outputs = self.evaluator.run(params, n)
        when = self.times if times is None else times
        predicted = {}
        for mapping in self.spec.mappings:
            offset = self.column(values, f"offset[{mapping.column}]", mapping.time_offset)
            scale = self.column(values, f"scale[{mapping.column}]", mapping.scale)
            query = when[np.newaxis, :] - offset[:, np.newaxis]
            model_values = _interpolate(self.evaluator.times, outputs[mapping.variable], query)
            predicted[mapping.column] = scale[:, np.newaxis] * model_values
        return predicted

    def log_likelihood(self, values: FloatArray) -> FloatArray:
        """Return the log-likelihood of each row of natural-unit ``values``."""
        predicted = self.predictions(values)
        total = np.zeros(values.shape[0])
        for mapping in self.spec.mappings:
            spread = values[:, self.index[f"{self.dispersion}[{mapping.column}]"]]
            total += self.likelihood(self.observed[mapping.column], predicted[mapping.column],
                                     spread)
        return total

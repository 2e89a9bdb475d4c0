"""Bayesian calibration of a model to observed series with emcee's ensemble sampler.

:func:`run_calibration` samples the posterior of a
:class:`~sdcluster.experiments.calibration.CalibrationSpec` with
``emcee.EnsembleSampler(..., vectorize=True)``: the log-probability receives
the positions of all the walkers the stretch move updates at once (half the
ensemble), and runs them as **one** batch-engine run of that many members.
Where the batch engine refuses the model
(:class:`~sdcluster.errors.UnsupportedConstructError`) the walkers run one
by one through PySD, with the same numbers and far more time.

The posterior is ``prior x likelihood``: priors uniform (log-uniform for
scales and dispersions, see :mod:`sdcluster.experiments.calibration`), a
position outside them, or a run that is not finite or not positive where
the likelihood needs it, has log-probability ``-inf``.

Reproducible: ``numpy.random.default_rng(spec.seed)`` draws the initial
walkers (uniform over the priors) and seeds the sampler's own generator
(``sampler.random_state``), and the engine is deterministic, so one seed
gives the same chain bit for bit. Ctrl-C keeps the steps sampled so far
(``result.interrupted`` is then true).

Diagnostics: the integrated autocorrelation time (emcee), the effective
sample size and the rank-normalized R-hat across walkers (ArviZ; the walkers
of one ensemble are not independent chains, so R-hat near 1 is necessary,
not sufficient), the acceptance fraction per walker. A free quantity whose
posterior 90 % interval is at least 0.8 times its prior's (in the sampler's
space) is flagged ``unidentified``: the data do not inform it, and its
posterior is the prior, not a finding.

References
----------
Foreman-Mackey, D., Hogg, D. W., Lang, D., Goodman, J. (2013). emcee: the
MCMC hammer. *PASP* 125, 306-312. https://doi.org/10.1086/670067

Goodman, J., Weare, J. (2010). Ensemble samplers with affine invariance.
*Communications in Applied Mathematics and Computational Science* 5, 65-80.

Vehtari, A., Gelman, A., Simpson, D., Carpenter, B., Bürkner, P.-C. (2021).
Rank-normalization, folding, and localization: an improved R-hat.
*Bayesian Analysis* 16, 667-718. https://doi.org/10.1214/20-BA1221

Oliva, R. (2003). Model calibration as a testing strategy for system
dynamics models. *European Journal of Operational Research* 151, 552-568.

"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import emcee
import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray
from scipy import stats
from tqdm import tqdm

from sdcluster.analysis.fit import lognormal_loglik, negbinom_loglik, r_squared, theil_statistics
from sdcluster.engine.batch import BatchModel
from sdcluster.engine.options import Engine
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.errors import AnalysisError, SimulationError, UnsupportedConstructError
from sdcluster.experiments.calibration import CalibrationError, CalibrationSpec, Prior, SeriesMap
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.atomic import (
    refuse_overwriting_inputs,
    require_writable_folder,
    write_atomically,
)

__all__ = [
    "UNIDENTIFIED_WIDTH_RATIO",
    "CalibrationResult",
    "Evaluator",
    "make_evaluator",
    "run_calibration",
]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

#: Posterior 90 % width over prior 90 % width from which a quantity counts as unidentified.
UNIDENTIFIED_WIDTH_RATIO = 0.8
#: Posterior draws run for the predictive band (evenly spaced over the kept chain).
BAND_DRAWS = 200
#: Prior draws per walker among which the initial walkers are the most probable.
CANDIDATES_PER_WALKER = 8


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


class _BatchEvaluator(Evaluator):
    engine = "batch"

    def __init__(self, batch: BatchModel, variables: Sequence[str], final_time: float) -> None:
        super().__init__(variables, final_time)
        self._batch = batch
        self.times = np.asarray(batch.schedule(final_time).labels, dtype=np.float64)

    def run(self, params: Mapping[str, FloatArray], n: int) -> dict[str, FloatArray]:
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


class _PysdEvaluator(Evaluator):
    engine = "pysd"

    def __init__(self, model: LoadedModel, variables: Sequence[str], final_time: float) -> None:
        super().__init__(variables, final_time)
        self._model = model
        self.times = model.time.save_times(final_time)

    def run(self, params: Mapping[str, FloatArray], n: int) -> dict[str, FloatArray]:
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
        return _PysdEvaluator(model, variables, final_time)
    try:
        return _BatchEvaluator(BatchModel.from_file(model.path), variables, final_time)
    except UnsupportedConstructError as error:
        if engine == "batch":
            raise
        logger.warning("the batch engine cannot run %s (%s); calibrating with PySD, one "
                       "walker at a time (slow)", model.path.name, error)
        return _PysdEvaluator(model, variables, final_time)


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


class _Posterior:
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
        return len(self.priors)

    def to_values(self, theta: FloatArray) -> FloatArray:
        """Sampler coordinates ``(n, ndim)`` → values in natural units."""
        return np.column_stack([p.from_sampling(theta[:, j]) for j, p in enumerate(self.priors)])

    def to_theta(self, values: FloatArray) -> FloatArray:
        """Values ``(n, ndim)`` → sampler coordinates."""
        return np.column_stack([p.to_sampling(values[:, j]) for j, p in enumerate(self.priors)])

    def __call__(self, theta: FloatArray) -> FloatArray:
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
        predicted = self.predictions(values)
        total = np.zeros(values.shape[0])
        for mapping in self.spec.mappings:
            spread = values[:, self.index[f"{self.dispersion}[{mapping.column}]"]]
            total += self.likelihood(self.observed[mapping.column], predicted[mapping.column],
                                     spread)
        return total


# ------------------------------------------------------------------ result


@dataclass
class CalibrationResult:
    """The sampled posterior, its diagnostics and the fit of its median run.

    Attributes
    ----------
    spec : CalibrationSpec
        The validated spec.
    names : tuple of str
        The free quantities, in sampling order.
    chain : ndarray, shape (steps, walkers, ndim)
        Every sampled position, in natural units (burn-in included).
    log_prob : ndarray, shape (steps, walkers)
        Log-posterior (up to a constant) of every position.
    acceptance : ndarray, shape (walkers,)
        Acceptance fraction of each walker.
    burn : int
        Steps discarded before the summaries (fewer than asked if interrupted early).
    autocorr : ndarray, shape (ndim,)
        Integrated autocorrelation time of each quantity, in steps (emcee).
    ess, rhat : ndarray, shape (ndim,)
        Bulk effective sample size and rank-normalized R-hat across walkers (ArviZ).
    table : pandas.DataFrame
        One row per quantity: ``median``, ``q05``, ``q95``, prior bounds,
        ``width_ratio`` (posterior over prior 90 % width), ``identified``,
        ``ess``, ``rhat``, ``autocorr``.
    fit : pandas.DataFrame
        One row per mapped series: Theil statistics (``mse``, ``rmse_percent``,
        ``um``, ``us``, ``uc``) and ``r2`` of the posterior-median run.
    median_run : pandas.DataFrame
        ``time``, then per series the observed and predicted values.
    band : xarray.Dataset
        Posterior-predictive band on a fine time grid (dims ``series``,
        ``time``): ``model_q05/q50/q95`` (the scaled model output) and
        ``predictive_q05/q95`` (with observation noise), ``median_run``.
    engine : str
        ``"batch"`` or ``"pysd"``.
    interrupted : bool
        Sampling was stopped early (Ctrl-C); the chain holds what was sampled.
    seconds : float
        Sampling wall time.

    """

    spec: CalibrationSpec
    names: tuple[str, ...]
    chain: FloatArray
    log_prob: FloatArray
    acceptance: FloatArray
    burn: int
    autocorr: FloatArray
    ess: FloatArray
    rhat: FloatArray
    table: pd.DataFrame
    fit: pd.DataFrame
    median_run: pd.DataFrame
    band: xr.Dataset
    engine: str
    interrupted: bool = False
    seconds: float = 0.0
    model_path: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def unidentified(self) -> tuple[str, ...]:
        """Free quantities whose posterior is (about) their prior."""
        return tuple(self.table.loc[~self.table["identified"], "name"])

    @property
    def steps_done(self) -> int:
        """Steps actually sampled."""
        return int(self.chain.shape[0])

    def posterior(self) -> FloatArray:
        """Return the kept draws, shape ``(draws, walkers, ndim)`` (burn-in removed)."""
        return self.chain[self.burn:]

    def summary(self) -> str:
        """Return a few lines: convergence, the posterior table, the fit, the flags."""
        status = "interrupted after" if self.interrupted else "sampled"
        lines = [
            f"{status} {self.steps_done} steps x {self.chain.shape[1]} walkers "
            f"({self.engine} engine, {self.seconds:.1f} s); burn {self.burn}; "
            f"acceptance {self.acceptance.mean():.2f}; "
            f"max R-hat {_largest(self.rhat):.3f}; min ESS {-_largest(-self.ess):.0f}",
        ]
        tau = _largest(self.autocorr)
        kept = self.steps_done - self.burn
        if not np.isfinite(tau) or kept < 50 * tau:
            lines.append(f"warning: chain of {kept} kept steps is shorter than 50 "
                         f"autocorrelation times ({tau:.0f} steps): run longer before "
                         "trusting the intervals")
        if self.unidentified:
            lines.append("unidentified (posterior ~ prior): " + ", ".join(self.unidentified))
        return "\n".join(lines)

    def to_inference_data(self) -> Any:
        """Return an :class:`arviz.InferenceData` (posterior, sample stats, observed data).

        Walkers are ArviZ's chains; the burn-in goes to the ``warmup_*`` groups.
        """
        az = _arviz()
        kept, warm = self.chain[self.burn:], self.chain[:self.burn]

        def by_name(steps: FloatArray) -> dict[str, FloatArray]:
            return {n: steps[:, :, j].T for j, n in enumerate(self.names)}

        observed = {m.column: self.spec.observed(m.column) for m in self.spec.mappings}
        dims = {m.column: ["time"] for m in self.spec.mappings}
        groups: dict[str, Any] = {
            "posterior": by_name(kept),
            "sample_stats": {"lp": self.log_prob[self.burn:].T},
            "observed_data": observed,
            "dims": dims,
            "coords": {"time": self.spec.times},
            "attrs": {"inference_library": "emcee",
                      "inference_library_version": emcee.__version__},
        }
        if self.burn:
            groups["warmup_posterior"] = by_name(warm)
            groups["warmup_sample_stats"] = {"lp": self.log_prob[:self.burn].T}
            groups["save_warmup"] = True
        with _quiet_arviz():  # "more chains than draws" for short runs: known, and fine
            return az.from_dict(**groups)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the result as netCDF (ArviZ-readable) atomically; return the path.

        Groups: ArviZ's ``posterior``, ``sample_stats``, ``observed_data``
        (and ``warmup_*``), then ``calibration_table``, ``calibration_fit``,
        ``calibration_band`` and ``calibration_diagnostics``. ``az.from_netcdf``
        reads it.

        Raises
        ------
        ResultsFileError
            If the file cannot be written, or it is the model or the observations file.

        """
        target = Path(path)
        inputs = [self.model_path or None]
        if not self.spec.source.startswith("<"):
            inputs.append(self.spec.source)
        refuse_overwriting_inputs({"the calibration results": target}, inputs)
        require_writable_folder(target)
        idata = self.to_inference_data()
        extra = {
            "calibration_table": _table_dataset(self.table, "quantity"),
            "calibration_fit": _table_dataset(self.fit, "series"),
            "calibration_band": self.band,
            "calibration_diagnostics": xr.Dataset(
                {"acceptance_fraction": ("chain", self.acceptance)},
                attrs=_plain_attrs(self.metadata)),
        }

        def write(temporary: Path) -> None:
            with _quiet_arviz():
                idata.to_netcdf(str(temporary), engine="netcdf4")
            for group, dataset in extra.items():
                dataset.to_netcdf(temporary, mode="a", group=group, engine="netcdf4")

        return write_atomically(target, write, what="the calibration results")


def _largest(values: FloatArray) -> float:
    """Return the largest finite value, NaN if there is none (a chain too short to tell)."""
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else float("nan")


def _table_dataset(frame: pd.DataFrame, dim: str) -> xr.Dataset:
    data = {}
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.dtype == bool:
            values = values.astype(np.int8)  # netCDF has no boolean
        elif values.dtype.kind not in "fiu":
            values = values.astype(str)
        data[str(column)] = (dim, values)
    return xr.Dataset(data)


def _plain_attrs(metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, int | float | str) else str(v)) for k, v in metadata.items()}


@contextlib.contextmanager
def _quiet_arviz() -> Iterator[None]:
    # ArviZ 0.2x announces its 1.0 refactor with a FutureWarning on import, and
    # warns about empty dims; neither is the user's business here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield


def _arviz() -> Any:
    with _quiet_arviz():
        import arviz

    return arviz


# --------------------------------------------------------------- sampling


def _final_time(model: LoadedModel, spec: CalibrationSpec) -> float:
    """Return the end of every run: the latest model time needed, on the saving grid."""
    _, latest = spec.horizon()
    start, saveper = model.time.initial_time, model.time.saveper
    periods = max(1, math.ceil((latest - start) / saveper - 1e-9))
    return start + periods * saveper


def _initial_walkers(posterior: _Posterior, rng: np.random.Generator,
                     n: int) -> emcee.State:
    """Return the ``n`` best of ``CANDIDATES_PER_WALKER * n`` uniform draws over the priors.

    The candidates run as one batch; starting from the more plausible of
    them shortens the warm-up without confining the walkers to one region.
    """
    candidates = rng.uniform(posterior.low, posterior.high,
                             size=(CANDIDATES_PER_WALKER * n, posterior.ndim))
    log_prob = posterior(candidates)
    if not np.isfinite(log_prob).any():
        raise CalibrationError("calibration: no initial walker gives finite, positive "
                               "predictions where the likelihood needs them; expected priors "
                               "under which the model runs (check the mapping and scales)")
    # A stable sort, so ties keep the draw order and the seed decides everything.
    best = np.argsort(-log_prob, kind="stable")[:n]
    return emcee.State(candidates[best], log_prob=log_prob[best])


def _regrouped(posterior: _Posterior, sampler: emcee.EnsembleSampler,
               rng: np.random.Generator) -> FloatArray:
    """Move walkers stuck far below the best onto good walkers, with a small jitter.

    An ensemble started over a wide prior can leave a few walkers in a
    region of negligible probability, from which the stretch move rarely
    frees them: they inflate R-hat and the intervals. Halfway through the
    warm-up (which is discarded), a walker whose log-probability is more than
    the chi-square 99.99 % point below the best takes the place of a random
    good walker, jittered by 1e-3 of the good walkers' spread.
    """
    state = sampler.get_last_sample()
    coords = np.array(state.coords, dtype=np.float64)
    log_prob = np.asarray(state.log_prob, dtype=np.float64)
    threshold = float(np.max(log_prob)) - 0.5 * float(stats.chi2.ppf(0.9999, posterior.ndim))
    good = np.flatnonzero(log_prob >= threshold)
    stuck = np.flatnonzero(log_prob < threshold)
    if stuck.size == 0 or good.size < 2:
        return coords
    spread = coords[good].std(axis=0)
    spread = np.where(spread > 0, spread, 1e-6 * (posterior.high - posterior.low))
    donors = good[rng.integers(good.size, size=stuck.size)]
    moved = coords[donors] + 1e-3 * spread * rng.standard_normal((stuck.size, posterior.ndim))
    coords[stuck] = np.clip(moved, posterior.low, posterior.high)
    return coords


def _sample(sampler: emcee.EnsembleSampler, posterior: _Posterior, start: emcee.State,
            spec: CalibrationSpec, rng: np.random.Generator, progress: bool) -> bool:
    """Run the warm-up in two halves (regrouping in between), then the kept steps.

    Returns whether the run was interrupted (Ctrl-C); the steps so far are kept.
    """
    first = spec.burn_steps // 2
    stages = [(start, first), (None, spec.steps - first)] if first else [(start, spec.steps)]
    # One bar over both stages (emcee's own would show one bar per stage).
    bar = tqdm(total=spec.steps, desc="calibration", unit="step", file=sys.stderr,
               disable=not progress)
    try:
        for initial, steps in stages:
            position: Any = _regrouped(posterior, sampler, rng) if initial is None else initial
            for _ in sampler.sample(position, iterations=steps):
                bar.update()
    except KeyboardInterrupt:
        if sampler.iteration == 0:
            raise
        return True
    finally:
        bar.close()
    return False


def run_calibration(model: LoadedModel | str | os.PathLike[str], spec: CalibrationSpec, *,
                    progress: bool = True, engine: Engine = "auto") -> CalibrationResult:
    """Sample the posterior of a calibration and summarize it.

    Parameters
    ----------
    model : LoadedModel or path
        The model (loaded, or its file).
    spec : CalibrationSpec
        What to calibrate; validated against ``model`` here.
    progress : bool
        Show a progress bar of the steps (tqdm, on stderr).
    engine : {"auto", "batch", "pysd"}
        ``"auto"``: the batch engine, PySD where it refuses the model.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    CalibrationError
        For an invalid spec, or priors under which no walker has a finite likelihood.
    KeyboardInterrupt
        Only if interrupted before the first step; later, the result keeps
        the steps sampled (``interrupted`` true).

    Examples
    --------
    >>> spec = CalibrationSpec(observations=frame, mappings=(SeriesMap("Population", "pop"),),
    ...                        parameters={"growth rate": None})     # doctest: +SKIP
    >>> result = run_calibration("logistic.mdl", spec)               # doctest: +SKIP
    >>> result.table[["name", "median", "q05", "q95"]]               # doctest: +SKIP

    """
    loaded = model if isinstance(model, LoadedModel) else load_model(model)
    spec = spec.validated(loaded)
    variables = [m.variable for m in spec.mappings]
    evaluator = make_evaluator(loaded, variables, _final_time(loaded, spec), engine)
    posterior = _Posterior(spec, evaluator)
    rng = np.random.default_rng(spec.seed)
    start = _initial_walkers(posterior, rng, spec.walkers)
    sampler = emcee.EnsembleSampler(spec.walkers, posterior.ndim, posterior, vectorize=True)
    # emcee wraps the function in a helper that prints the walkers' positions
    # and a traceback on any exception, Ctrl-C included; the posterior raises
    # nothing else on purpose, so it is called directly.
    sampler.log_prob_fn = posterior
    sampler.random_state = np.random.RandomState(int(rng.integers(2**32))).get_state()
    began = datetime.now(UTC)
    interrupted = _sample(sampler, posterior, start, spec, rng, progress)
    seconds = (datetime.now(UTC) - began).total_seconds()
    return _summarize(loaded, spec, posterior, sampler, rng, interrupted=interrupted,
                      seconds=seconds)


def _summarize(model: LoadedModel, spec: CalibrationSpec, posterior: _Posterior,
               sampler: emcee.EnsembleSampler, rng: np.random.Generator, *,
               interrupted: bool, seconds: float) -> CalibrationResult:
    theta = np.asarray(sampler.get_chain(), dtype=np.float64)
    steps, walkers, ndim = theta.shape
    chain = posterior.to_values(theta.reshape(-1, ndim)).reshape(steps, walkers, ndim)
    burn = spec.burn_steps if spec.burn_steps < steps else steps // 2
    autocorr = _autocorr(sampler, burn)
    ess, rhat = _ess_rhat(chain[burn:], posterior.names)
    table = _posterior_table(posterior.priors, theta[burn:], chain[burn:])
    table["ess"], table["rhat"], table["autocorr"] = ess, rhat, autocorr
    medians = table["median"].to_numpy()[np.newaxis, :]
    median_run, fit = _median_fit(posterior, medians)
    band = _band(posterior, chain[burn:], medians, rng)
    metadata = {"model_path": str(model.path), "model_sha256": model.sha256,
                "observations": spec.source, "likelihood": spec.likelihood,
                "seed": spec.seed, "walkers": walkers, "steps_requested": spec.steps,
                "steps_done": steps, "burn": burn, "engine": posterior.evaluator.engine,
                "interrupted": int(interrupted), "seconds": seconds,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "spec": spec.describe()}
    return CalibrationResult(
        spec=spec, names=posterior.names, chain=chain,
        log_prob=np.asarray(sampler.get_log_prob(), dtype=np.float64),
        acceptance=np.asarray(sampler.acceptance_fraction, dtype=np.float64), burn=burn,
        autocorr=autocorr, ess=ess, rhat=rhat, table=table, fit=fit, median_run=median_run,
        band=band, engine=posterior.evaluator.engine, interrupted=interrupted,
        seconds=seconds, model_path=str(model.path), metadata=metadata,
    )


def _autocorr(sampler: emcee.EnsembleSampler, burn: int) -> FloatArray:
    # quiet=True: a short chain gives an estimate and a logged warning, not an
    # error; the summary says when the chain is too short to trust it.
    emcee_logger = logging.getLogger("emcee.autocorr")
    level = emcee_logger.level
    emcee_logger.setLevel(logging.ERROR)
    try:
        with np.errstate(all="ignore"):
            tau = sampler.get_autocorr_time(discard=burn, quiet=True)
    finally:
        emcee_logger.setLevel(level)
    return np.asarray(tau, dtype=np.float64)


def _ess_rhat(kept: FloatArray, names: Sequence[str]) -> tuple[FloatArray, FloatArray]:
    if kept.shape[0] < 4:
        nan = np.full(len(names), np.nan)
        return nan, nan.copy()
    az = _arviz()
    with _quiet_arviz(), np.errstate(all="ignore"):
        # ArviZ wants (chain, draw): a walker is a chain.
        data = az.from_dict(posterior={n: kept[:, :, j].T for j, n in enumerate(names)})
        ess = az.ess(data, method="bulk")
        rhat = az.rhat(data, method="rank")
    return (np.array([float(ess[n]) for n in names]), np.array([float(rhat[n]) for n in names]))


def _posterior_table(priors: Sequence[Prior], theta: FloatArray,
                     values: FloatArray) -> pd.DataFrame:
    rows = []
    for j, prior in enumerate(priors):
        draws = values[:, :, j].ravel()
        coords = theta[:, :, j].ravel()
        low, high = prior.sampling_bounds
        # Widths compared in the sampler's space, where the prior is uniform.
        width = float(np.quantile(coords, 0.95) - np.quantile(coords, 0.05))
        ratio = width / (0.9 * (high - low))
        rows.append({
            "name": prior.name, "median": float(np.median(draws)),
            "q05": float(np.quantile(draws, 0.05)), "q95": float(np.quantile(draws, 0.95)),
            "prior": "log-uniform" if prior.log else "uniform",
            "prior_low": prior.low, "prior_high": prior.high,
            "width_ratio": ratio, "identified": bool(ratio < UNIDENTIFIED_WIDTH_RATIO),
        })
    return pd.DataFrame(rows)


def _median_fit(posterior: _Posterior,
                medians: FloatArray) -> tuple[pd.DataFrame, pd.DataFrame]:
    predicted = posterior.predictions(medians)
    run = pd.DataFrame({posterior.spec.time_column: posterior.times})
    rows = []
    for mapping in posterior.spec.mappings:
        observed = posterior.observed[mapping.column]
        values = predicted[mapping.column][0]
        run[f"{mapping.column} observed"] = observed
        run[f"{mapping.column} predicted"] = values
        rows.append(_fit_row(mapping, values, observed))
    return run, pd.DataFrame(rows)


def _fit_row(mapping: SeriesMap, predicted: FloatArray, observed: FloatArray) -> dict[str, Any]:
    row: dict[str, Any] = {"series": mapping.column, "variable": mapping.variable}
    try:
        theil = theil_statistics(predicted, observed)
        row.update(mse=theil.mse, rmse_percent=theil.rmse_percent, um=theil.um, us=theil.us,
                   uc=theil.uc, r2=r_squared(predicted, observed), n=theil.n)
    except AnalysisError:  # fewer than two finite pairs: the fit is undefined
        row.update(mse=np.nan, rmse_percent=np.nan, um=np.nan, us=np.nan, uc=np.nan,
                   r2=np.nan, n=0)
    return row


def _band(posterior: _Posterior, kept: FloatArray, medians: FloatArray,
          rng: np.random.Generator) -> xr.Dataset:
    """Quantiles of the posterior predictions on a fine grid over the observed span."""
    flat = kept.reshape(-1, kept.shape[-1])
    picks = np.unique(np.linspace(0, flat.shape[0] - 1, min(BAND_DRAWS, flat.shape[0]))
                      .round().astype(int))
    draws = flat[picks]
    times = posterior.times
    step = posterior.evaluator.times[1] - posterior.evaluator.times[0] \
        if posterior.evaluator.times.size > 1 else 1.0
    grid = np.arange(times.min(), times.max() + step / 2, step)
    predicted = posterior.predictions(draws, grid)
    median = posterior.predictions(medians, grid)
    columns = [m.column for m in posterior.spec.mappings]
    data: dict[str, list[FloatArray]] = {k: [] for k in
                                         ("model_q05", "model_q50", "model_q95",
                                          "predictive_q05", "predictive_q95", "median_run")}
    for column in columns:
        mean = predicted[column]
        noisy = _noisy(posterior, draws, column, mean, rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
            for key, source, q in (("model_q05", mean, 0.05), ("model_q50", mean, 0.5),
                                   ("model_q95", mean, 0.95), ("predictive_q05", noisy, 0.05),
                                   ("predictive_q95", noisy, 0.95)):
                data[key].append(np.nanquantile(source, q, axis=0))
        data["median_run"].append(median[column][0])
    return xr.Dataset({k: (("series", "time"), np.array(v)) for k, v in data.items()},
                      coords={"series": np.array(columns, dtype=str), "time": grid})


def _noisy(posterior: _Posterior, draws: FloatArray, column: str, mean: FloatArray,
           rng: np.random.Generator) -> FloatArray:
    spread = posterior.column(draws, f"{posterior.dispersion}[{column}]", 1.0)[:, np.newaxis]
    valid = np.isfinite(mean) & (mean > 0)
    safe = np.where(valid, mean, 1.0)
    if posterior.spec.likelihood == "lognormal":
        noisy = safe * np.exp(spread * rng.standard_normal(mean.shape))
    else:
        size = 1.0 / spread
        noisy = rng.negative_binomial(size * np.ones_like(safe), size / (size + safe)) * 1.0
    return np.where(valid, noisy, np.nan)

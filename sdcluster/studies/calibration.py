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

The study's parts: :mod:`~sdcluster.studies.calibration_posterior` (the
evaluators that run the walkers and the log-posterior),
:mod:`~sdcluster.studies.calibration_sampling` (initial walkers, moves,
warm-up, Ctrl-C) and :mod:`~sdcluster.studies.calibration_tempering`
(parallel tempering, ``spec.temperatures > 1``),
:mod:`~sdcluster.studies.calibration_result` (:class:`CalibrationResult`, its
summary and files), this module (sampling, diagnostics, summaries).

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

import logging
import math
import os
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import emcee
import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from sdcluster.analysis.fit import r_squared, theil_statistics
from sdcluster.engine.options import RunOptions
from sdcluster.errors import AnalysisError
from sdcluster.experiments.calibration import CalibrationSpec
from sdcluster.experiments.calibration_inputs import Prior, SeriesMap
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.studies.calibration_posterior import Evaluator, Posterior, make_evaluator
from sdcluster.studies.calibration_result import CalibrationResult, load_arviz, quiet_arviz
from sdcluster.studies.calibration_sampling import Sampled, sample_posterior

__all__ = [
    "UNIDENTIFIED_WIDTH_RATIO",
    "CalibrationResult",
    "Evaluator",
    "make_evaluator",
    "run_calibration",
]

FloatArray = NDArray[np.float64]

#: Posterior 90 % width over prior 90 % width from which a quantity counts as unidentified.
UNIDENTIFIED_WIDTH_RATIO = 0.8
#: Posterior draws run for the predictive band (evenly spaced over the kept chain).
BAND_DRAWS = 200


def _final_time(model: LoadedModel, spec: CalibrationSpec) -> float:
    """Return the end of every run: the latest model time needed, on the saving grid."""
    _, latest = spec.horizon()
    start, saveper = model.time.initial_time, model.time.saveper
    periods = max(1, math.ceil((latest - start) / saveper - 1e-9))
    return start + periods * saveper


def run_calibration(model: LoadedModel | str | os.PathLike[str], spec: CalibrationSpec,
                    options: RunOptions | None = None) -> CalibrationResult:
    """Sample the posterior of a calibration and summarize it.

    Parameters
    ----------
    model : LoadedModel or path
        The model (loaded, or its file).
    spec : CalibrationSpec
        What to calibrate; validated against ``model`` here.
    options : RunOptions, optional
        How it runs, as for every study: ``engine`` (``"auto"``: the batch
        engine, PySD where it refuses the model) and ``progress`` (a bar of the
        steps on stderr). The sampler's walkers of a step are one engine call,
        so chunking and executors do not apply.

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
    options = options or RunOptions()
    evaluator = make_evaluator(loaded, variables, _final_time(loaded, spec), options.engine)
    posterior = Posterior(spec, evaluator)
    rng = np.random.default_rng(spec.seed)
    began = datetime.now(UTC)
    sampled = sample_posterior(posterior, spec, rng, options.progress)
    seconds = (datetime.now(UTC) - began).total_seconds()
    return _summarize(loaded, spec, posterior, sampled, rng, seconds=seconds)


def _summarize(model: LoadedModel, spec: CalibrationSpec, posterior: Posterior,
               sampled: Sampled, rng: np.random.Generator, *,
               seconds: float) -> CalibrationResult:
    sampler, interrupted = sampled.sampler, sampled.interrupted
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
                "spec": spec.describe(), **sampled.metadata}
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
    az = load_arviz()
    with quiet_arviz(), np.errstate(all="ignore"):
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


def _median_fit(posterior: Posterior,
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


def _band(posterior: Posterior, kept: FloatArray, medians: FloatArray,
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


def _noisy(posterior: Posterior, draws: FloatArray, column: str, mean: FloatArray,
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

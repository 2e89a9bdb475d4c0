"""The sampling of a calibration: initial walkers, moves, warm-up, tempering, Ctrl-C.

:func:`sample_posterior` runs emcee's ensemble sampler on a
:class:`~sdcluster.studies.calibration_posterior.Posterior` and returns the
ensemble whose chain is the posterior sample: without tempering, one
``emcee.EnsembleSampler`` whose warm-up is split in two halves (walkers stuck
far below the best regrouped in between); with ``spec.temperatures > 1``, the
cold ensemble of a :class:`~sdcluster.studies.calibration_tempering.TemperedEnsembles`
ladder. Either way one bar counts the steps and Ctrl-C keeps those sampled.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import emcee
import numpy as np
from numpy.typing import NDArray
from scipy import stats
from tqdm import tqdm

from sdcluster.errors import CalibrationError
from sdcluster.experiments.calibration import CalibrationSpec
from sdcluster.studies.calibration_posterior import Posterior
from sdcluster.studies.calibration_tempering import TemperedEnsembles, temperature_ladder

__all__ = ["CANDIDATES_PER_WALKER", "Sampled", "initial_walkers", "sample_posterior"]

FloatArray = NDArray[np.float64]

#: Prior draws per walker among which the initial walkers are the most probable.
CANDIDATES_PER_WALKER = 8


@dataclass
class Sampled:
    """What the sampling left: the posterior's ensemble and how the run went."""

    sampler: emcee.EnsembleSampler
    interrupted: bool
    #: Facts for the result's metadata (the tempering ladder and its swap rates).
    metadata: dict[str, Any] = field(default_factory=dict)


def initial_walkers(posterior: Posterior, rng: np.random.Generator, n: int) -> emcee.State:
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


def moves(spec: CalibrationSpec) -> list[tuple[emcee.moves.Move, float]]:
    """Return the proposals and their weights (:data:`~sdcluster.experiments.calibration.MOVES`)."""
    if spec.moves == "de":
        return [(emcee.moves.DEMove(), 0.8), (emcee.moves.DEMove(gamma0=1.0), 0.1),
                (emcee.moves.DESnookerMove(), 0.1)]
    return [(emcee.moves.StretchMove(), 1.0)]


def regrouped(posterior: Posterior, sampler: emcee.EnsembleSampler,
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


def _sampler(posterior: Posterior, spec: CalibrationSpec,
             rng: np.random.Generator) -> emcee.EnsembleSampler:
    sampler = emcee.EnsembleSampler(spec.walkers, posterior.ndim, posterior, vectorize=True,
                                    moves=moves(spec))
    # emcee wraps the function in a helper that prints the walkers' positions
    # and a traceback on any exception, Ctrl-C included; the posterior raises
    # nothing else on purpose, so it is called directly.
    sampler.log_prob_fn = posterior
    sampler.random_state = np.random.RandomState(int(rng.integers(2**32))).get_state()
    return sampler


def _drive(stages: Iterable[Callable[[], Iterator[Any]]], total: int, progress: bool,
           started: Callable[[], bool]) -> bool:
    """Exhaust each stage's iterator under one bar; return whether Ctrl-C stopped it.

    An interrupt before the first step is re-raised: there is nothing to keep.
    """
    bar = tqdm(total=total, desc="calibration", unit="step", file=sys.stderr,
               disable=not progress)
    try:
        for stage in stages:
            for _ in stage():
                bar.update()
    except KeyboardInterrupt:
        if not started():
            raise
        return True
    finally:
        bar.close()
    return False


def sample_posterior(posterior: Posterior, spec: CalibrationSpec, rng: np.random.Generator,
                     progress: bool) -> Sampled:
    """Sample ``spec.steps`` steps from the best of the prior draws; see the module notes."""
    start = initial_walkers(posterior, rng, spec.walkers)
    if spec.temperatures > 1:
        return _sample_tempered(posterior, spec, rng, start, progress)
    sampler = _sampler(posterior, spec, rng)
    first = spec.burn_steps // 2
    if first:
        stages = [lambda: sampler.sample(start, iterations=first),
                  lambda: sampler.sample(regrouped(posterior, sampler, rng),
                                         iterations=spec.steps - first)]
    else:
        stages = [lambda: sampler.sample(start, iterations=spec.steps)]
    interrupted = _drive(stages, spec.steps, progress, lambda: sampler.iteration > 0)
    return Sampled(sampler, interrupted)


def _sample_tempered(posterior: Posterior, spec: CalibrationSpec, rng: np.random.Generator,
                     start: emcee.State, progress: bool) -> Sampled:
    """Parallel tempering; no regrouping, the hot ensembles do that job by design."""
    betas = temperature_ladder(spec.temperatures, spec.max_temperature)
    ensembles = TemperedEnsembles(posterior, spec.walkers, posterior.ndim, betas,
                                  lambda: moves(spec), rng)
    # Flat priors in the sampler's space: the log-posterior is the log-likelihood.
    stages = [lambda: ensembles.sample(start.coords, start.log_prob, spec.steps)]
    interrupted = _drive(stages, spec.steps, progress, lambda: ensembles.cold.iteration > 0)
    rates = " ".join(f"{rate:.3f}" for rate in ensembles.swap_acceptance)
    metadata = {"temperatures": spec.temperatures, "max_temperature": spec.max_temperature,
                "swap_acceptance": rates}
    return Sampled(ensembles.cold, interrupted, metadata)

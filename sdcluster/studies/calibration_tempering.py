"""Parallel tempering over emcee ensembles, so walkers cross between separated modes.

A calibration whose posterior has separated modes (the cluster model's "took
off, small scale" and "never formed, large scale") leaves emcee's walkers in
the mode each found during the warm-up; the modes' weights are then the
sampler's, not the posterior's, and R-hat across walkers stays above 1.1.
Parallel tempering (Swendsen & Wang 1986; Earl & Deem 2005) runs one ensemble
per temperature ``T``, each sampling ``prior x likelihood ** (1 / T)``; hot
ensembles roam between the modes, and swaps of positions between neighbouring
temperatures carry walkers into the cold (``T = 1``) ensemble, whose chain is
the posterior. The swap of walker ``i`` at inverse temperature ``b_hot`` with
walker ``j`` at ``b_cold`` is accepted with probability
``min(1, exp((b_cold - b_hot) * (L_i - L_j)))``, ``L`` the log-likelihood
(Vousden, Farr & Mandel 2016, eq. 5), which keeps every ensemble's target.

Why by hand: emcee 3 no longer has a tempered sampler; ``ptemcee``, its
successor, was last released in 2015 and fails on NumPy >= 1.24 (``np.float``).
What is written here is only the ladder and the swap; every within-temperature
step is emcee's own ``EnsembleSampler`` with the calibration's moves, so the
cold chain is read, stored and diagnosed exactly as without tempering.

References
----------
Earl, D. J., Deem, M. W. (2005). Parallel tempering: theory, applications, and
new perspectives. Phys. Chem. Chem. Phys. 7, 3910-3916.
Vousden, W. D., Farr, W. M., Mandel, I. (2016). Dynamic temperature selection
for parallel tempering in Markov chain Monte Carlo simulations. MNRAS 455,
1919-1937.

"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import emcee
import numpy as np
from numpy.typing import NDArray

__all__ = ["TemperedEnsembles", "TemperedLogProb", "temperature_ladder"]

FloatArray = NDArray[np.float64]


def temperature_ladder(count: int, hottest: float) -> FloatArray:
    """Return ``count`` inverse temperatures, geometric from 1 down to ``1 / hottest``.

    A geometric ladder gives neighbouring ensembles a constant ratio of
    temperatures, the usual choice when nothing is known of the posterior
    (Earl & Deem 2005); ``count = 1`` is the untempered sampler.
    """
    if count == 1:
        return np.ones(1)
    return np.geomspace(1.0, 1.0 / hottest, count)


class TemperedLogProb:
    """``beta`` times a log-likelihood: a flat-prior log-posterior at temperature ``1 / beta``.

    The calibration's priors are uniform in the sampler's coordinates, so
    its log-posterior is the log-likelihood plus a constant (``-inf`` outside
    the priors); tempering the whole of it tempers the likelihood only.
    """

    def __init__(self, log_likelihood: Callable[[FloatArray], FloatArray], beta: float) -> None:
        self.log_likelihood = log_likelihood
        self.beta = float(beta)

    def __call__(self, theta: FloatArray) -> FloatArray:
        """Return ``beta * log_likelihood(theta)`` for each row of ``theta``."""
        return self.beta * np.asarray(self.log_likelihood(theta), dtype=np.float64)


class TemperedEnsembles:
    """One emcee ensemble per temperature, stepped together and swapped after each step.

    Parameters
    ----------
    log_likelihood : callable
        Vectorized: ``(n, ndim)`` sampler coordinates → ``n`` log-likelihoods
        (``-inf`` outside the priors).
    walkers, ndim : int
        Walkers of every ensemble; sampled quantities.
    betas : sequence of float
        Inverse temperatures, the first 1 (the posterior), decreasing.
    moves : callable
        Returns a fresh list of emcee moves with weights, one per ensemble.
    rng : numpy.random.Generator
        Seeds every ensemble's moves and draws the swaps.

    """

    def __init__(self, log_likelihood: Callable[[FloatArray], FloatArray], walkers: int,
                 ndim: int, betas: Sequence[float] | FloatArray,
                 moves: Callable[[], list[tuple[emcee.moves.Move, float]]],
                 rng: np.random.Generator) -> None:
        self.betas = np.asarray(betas, dtype=np.float64)
        self.samplers = []
        for beta in self.betas:
            tempered = TemperedLogProb(log_likelihood, beta)
            sampler = emcee.EnsembleSampler(walkers, ndim, tempered, vectorize=True,
                                            moves=moves())
            # Called directly, as in run_calibration: emcee's wrapper would print the
            # walkers and a traceback on Ctrl-C, which the caller handles.
            sampler.log_prob_fn = tempered
            sampler.random_state = np.random.RandomState(int(rng.integers(2**32))).get_state()
            self.samplers.append(sampler)
        self._rng = rng
        self.swaps_proposed = np.zeros(len(self.betas) - 1, dtype=np.int64)
        self.swaps_accepted = np.zeros(len(self.betas) - 1, dtype=np.int64)

    @property
    def cold(self) -> emcee.EnsembleSampler:
        """The ensemble at temperature 1: its chain is the posterior sample."""
        return self.samplers[0]

    @property
    def swap_acceptance(self) -> FloatArray:
        """Accepted share of the proposed swaps between each pair of neighbouring temperatures."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.swaps_accepted / self.swaps_proposed

    def sample(self, coords: FloatArray, log_likelihood: FloatArray,
               iterations: int) -> Iterator[None]:
        """Step every ensemble ``iterations`` times from one start; yield after each swap.

        Every ensemble starts from the same walkers (their log-likelihood
        given). Each ensemble's emcee generator runs its moves on its live
        state; the swaps exchange positions in those states in place, so
        the next step of each generator continues from the swapped walkers
        (emcee's red-blue moves update and return the state they are given).
        """
        generators = [
            sampler.sample(emcee.State(np.array(coords, dtype=np.float64),
                                       log_prob=beta * np.asarray(log_likelihood)),
                           iterations=iterations)
            for sampler, beta in zip(self.samplers, self.betas, strict=True)
        ]
        for _ in range(iterations):
            states = [next(generator) for generator in generators]
            self._swap(states)
            yield None

    def _swap(self, states: list[emcee.State]) -> None:
        """Propose one swap per walker between each pair of neighbouring temperatures.

        From the hottest pair down, so a good position found hot can travel
        several rungs towards the posterior in one step.
        """
        for k in range(len(self.betas) - 1, 0, -1):
            hot, cold = states[k], states[k - 1]
            b_hot, b_cold = self.betas[k], self.betas[k - 1]
            partner = self._rng.permutation(hot.coords.shape[0])
            like_hot = hot.log_prob / b_hot
            like_cold = cold.log_prob[partner] / b_cold
            with np.errstate(invalid="ignore"):
                log_ratio = (b_cold - b_hot) * (like_hot - like_cold)
            accept = np.log(self._rng.random(partner.size)) < log_ratio
            self.swaps_proposed[k - 1] += partner.size
            self.swaps_accepted[k - 1] += int(accept.sum())
            if not accept.any():
                continue
            mine, theirs = np.flatnonzero(accept), partner[accept]
            hot_coords = hot.coords[mine].copy()
            hot.coords[mine] = cold.coords[theirs]
            cold.coords[theirs] = hot_coords
            hot.log_prob[mine] = b_hot * like_cold[accept]
            cold.log_prob[theirs] = b_cold * like_hot[accept]

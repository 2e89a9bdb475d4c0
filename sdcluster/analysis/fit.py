"""How well a simulated series reproduces an observed one: Theil statistics, R², likelihoods.

Pure functions of arrays (or :class:`xarray.DataArray`, converted with
``numpy.asarray``); missing observations (NaN) are left out pairwise.

Theil inequality statistics (Sterman 1984) split the mean squared error of
simulated ``S`` against actual ``A`` (``n`` points) into three fractions that
sum to 1::

    MSE = mean((S - A)**2)
    UM  = (mean(S) - mean(A))**2 / MSE          bias
    US  = (s_S - s_A)**2 / MSE                  unequal variation
    UC  = 2 * (1 - r) * s_S * s_A / MSE         unequal covariation

with ``s`` the standard deviations with divisor ``n`` and ``r`` the
correlation coefficient. A large UM or US is a systematic error; error
concentrated in UC is point-by-point noise the model need not reproduce.

The log-likelihoods broadcast: observed ``(..., T)``, predicted ``(..., T)``
and a dispersion of shape ``(...)``, summing over the last axis; they are
``-inf`` where a prediction is not positive (log-normal) or not finite.

References
----------
Sterman, J. D. (1984). Appropriate summary statistics for evaluating the
historical fit of system dynamics models. *Dynamica* 10(2), 51-66.

Theil, H. (1966). *Applied Economic Forecasting*. North-Holland.

"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

from sdcluster.errors import AnalysisError

__all__ = [
    "TheilStatistics",
    "lognormal_loglik",
    "negbinom_loglik",
    "r_squared",
    "theil_statistics",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TheilStatistics:
    """Mean squared error and its Theil split (``um + us + uc == 1`` when ``mse > 0``).

    Attributes
    ----------
    mse : float
        Mean squared error.
    rmse_percent : float
        Root mean squared error as a percentage of the mean actual value.
    um, us, uc : float
        Fractions of the MSE due to bias, unequal variation and unequal
        covariation; NaN when the fit is exact (``mse == 0``).
    n : int
        Number of points compared.

    """

    mse: float
    rmse_percent: float
    um: float
    us: float
    uc: float
    n: int


def _paired(simulated: ArrayLike, actual: ArrayLike) -> tuple[FloatArray, FloatArray]:
    s = np.asarray(simulated, dtype=np.float64).ravel()
    a = np.asarray(actual, dtype=np.float64).ravel()
    if s.shape != a.shape:
        raise AnalysisError(f"fit: simulated has {s.size} points and actual {a.size}; "
                            "expected the same times")
    keep = np.isfinite(s) & np.isfinite(a)
    if keep.sum() < 2:
        raise AnalysisError(f"fit: {int(keep.sum())} pair(s) of finite values; expected at "
                            "least 2")
    return s[keep], a[keep]


def theil_statistics(simulated: ArrayLike, actual: ArrayLike) -> TheilStatistics:
    """Return the MSE and its Theil split into bias, variance and covariance.

    Parameters
    ----------
    simulated, actual : array_like
        Series at the same times; pairs with a NaN are left out.

    Raises
    ------
    AnalysisError
        If the shapes differ or fewer than two pairs are finite.

    """
    s, a = _paired(simulated, actual)
    mse = float(np.mean((s - a) ** 2))
    mean_a = float(a.mean())
    rmse_percent = 100.0 * np.sqrt(mse) / abs(mean_a) if mean_a else float("nan")
    if mse == 0.0:
        return TheilStatistics(mse, float(rmse_percent), float("nan"), float("nan"),
                               float("nan"), s.size)
    sd_s, sd_a = float(s.std()), float(a.std())
    # A constant series has no correlation; its covariance term is then 0
    # (the product of the standard deviations is 0) whatever r is taken to be.
    r = _correlation(s, a)
    um = (float(s.mean()) - mean_a) ** 2 / mse
    us = (sd_s - sd_a) ** 2 / mse
    uc = 2.0 * (1.0 - r) * sd_s * sd_a / mse
    return TheilStatistics(mse, float(rmse_percent), um, us, uc, s.size)


def _correlation(s: FloatArray, a: FloatArray) -> float:
    sd_s, sd_a = s.std(), a.std()
    if sd_s == 0 or sd_a == 0:
        return 0.0
    return float(np.mean((s - s.mean()) * (a - a.mean())) / (sd_s * sd_a))


def r_squared(simulated: ArrayLike, actual: ArrayLike) -> float:
    """Return R², the squared correlation of simulated and actual (Sterman 1984).

    It measures how much of the actual variation the simulation tracks,
    not their distance: a series off by a constant factor has R² 1 (the
    Theil bias and variance fractions show that error). NaN if either
    series is constant.
    """
    s, a = _paired(simulated, actual)
    if s.std() == 0 or a.std() == 0:
        return float("nan")
    return _correlation(s, a) ** 2


def _dispersion(value: ArrayLike, observed: FloatArray) -> FloatArray:
    # A dispersion per leading index, broadcast over the time axis.
    return np.asarray(value, dtype=np.float64)[..., np.newaxis] * np.ones(observed.shape[-1])


def lognormal_loglik(observed: ArrayLike, predicted: ArrayLike, sigma: ArrayLike) -> FloatArray:
    """Return the log-likelihood of ``log observed ~ Normal(log predicted, sigma)``.

    Parameters
    ----------
    observed : array_like, shape (..., T)
        Positive observations; NaN entries are missing and left out.
    predicted : array_like, shape (..., T)
        Model predictions (the median of the log-normal).
    sigma : array_like, shape (...)
        Standard deviation of the log errors (> 0).

    Returns
    -------
    ndarray, shape (...)
        The sum over the observed times; ``-inf`` where a prediction at an
        observed time is not positive and finite, or sigma is not positive.

    """
    y = np.asarray(observed, dtype=np.float64)
    mu = np.asarray(predicted, dtype=np.float64)
    y, mu = np.broadcast_arrays(y, mu)
    s = _dispersion(sigma, y)
    present = np.isfinite(y)
    valid = np.where(present, np.isfinite(mu) & (mu > 0), True) & (s > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_y = np.log(np.where(present, y, 1.0))
        z = (log_y - np.log(np.where(valid & present, mu, 1.0))) / s
        terms = -0.5 * z**2 - np.log(s) - 0.5 * np.log(2 * np.pi) - log_y
    total = np.where(present, terms, 0.0).sum(axis=-1)
    return np.where(valid.all(axis=-1), total, -np.inf)


def negbinom_loglik(observed: ArrayLike, predicted: ArrayLike, alpha: ArrayLike) -> FloatArray:
    """Return the log-likelihood of counts under a negative binomial (NB2) of given mean.

    ``observed ~ NB(mean=predicted, variance=predicted + alpha * predicted**2)``;
    ``alpha -> 0`` is the Poisson limit.

    Parameters
    ----------
    observed : array_like, shape (..., T)
        Counts (integers >= 0); NaN entries are missing and left out.
    predicted : array_like, shape (..., T)
        Model means (> 0).
    alpha : array_like, shape (...)
        Overdispersion (> 0).

    Returns
    -------
    ndarray, shape (...)
        The sum over the observed times; ``-inf`` where a prediction is not
        positive and finite, or alpha is not positive.

    """
    y = np.asarray(observed, dtype=np.float64)
    mu = np.asarray(predicted, dtype=np.float64)
    y, mu = np.broadcast_arrays(y, mu)
    a = _dispersion(alpha, y)
    present = np.isfinite(y)
    valid = np.where(present, np.isfinite(mu) & (mu > 0), True) & (a > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = 1.0 / np.where(a > 0, a, 1.0)
        m = np.where(valid & present, mu, 1.0)
        k = np.where(present, y, 0.0)
        terms = (gammaln(k + size) - gammaln(size) - gammaln(k + 1)
                 + size * np.log(size / (size + m)) + k * np.log(m / (size + m)))
    total = np.where(present, terms, 0.0).sum(axis=-1)
    return np.where(valid.all(axis=-1), total, -np.inf)

"""Theil statistics, R² and log-likelihoods on cases computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sdcluster.analysis.fit import (
    lognormal_loglik,
    negbinom_loglik,
    r_squared,
    theil_statistics,
)
from sdcluster.errors import AnalysisError

ACTUAL = np.array([1.0, 2.0, 3.0])


def test_pure_bias_is_all_um() -> None:
    theil = theil_statistics(ACTUAL + 2, ACTUAL)
    assert theil.mse == pytest.approx(4.0)
    assert (theil.um, theil.us, theil.uc) == pytest.approx((1.0, 0.0, 0.0))
    assert theil.rmse_percent == pytest.approx(100.0)  # sqrt(4) / mean 2


def test_pure_unequal_variation_is_all_us() -> None:
    theil = theil_statistics([0.0, 2.0, 4.0], ACTUAL)  # same mean, double spread, r = 1
    assert theil.mse == pytest.approx(2 / 3)
    assert (theil.um, theil.us, theil.uc) == pytest.approx((0.0, 1.0, 0.0))


def test_reversed_series_is_all_uc() -> None:
    theil = theil_statistics([3.0, 2.0, 1.0], ACTUAL)  # same mean and spread, r = -1
    assert theil.mse == pytest.approx(8 / 3)
    assert (theil.um, theil.us, theil.uc) == pytest.approx((0.0, 0.0, 1.0))


def test_mixed_case_by_hand_sums_to_one() -> None:
    # S - A = [1, 0, 2]: MSE 5/3; mean 3 vs 2: UM 3/5; sd sqrt(2) vs sqrt(2/3), r = sqrt(3)/2.
    theil = theil_statistics([2.0, 2.0, 5.0], ACTUAL)
    root3 = math.sqrt(3)
    assert theil.mse == pytest.approx(5 / 3)
    assert theil.um == pytest.approx(0.6)
    assert theil.us == pytest.approx((8 - 4 * root3) / 5)
    assert theil.uc == pytest.approx((4 * root3 - 6) / 5)
    assert theil.um + theil.us + theil.uc == pytest.approx(1.0)
    assert theil.n == 3
    assert r_squared([2.0, 2.0, 5.0], ACTUAL) == pytest.approx(0.75)


def test_missing_values_are_left_out_pairwise() -> None:
    theil = theil_statistics([3.0, np.nan, 4.0, 5.0], [1.0, 7.0, 2.0, np.nan])
    assert theil.n == 2
    assert theil.mse == pytest.approx(4.0)  # (3-1)^2, (4-2)^2


def test_exact_fit_has_zero_mse_and_undefined_split() -> None:
    theil = theil_statistics(ACTUAL, ACTUAL)
    assert theil.mse == 0.0
    assert math.isnan(theil.um) and math.isnan(theil.us) and math.isnan(theil.uc)
    assert r_squared(ACTUAL, ACTUAL) == pytest.approx(1.0)


def test_r_squared_ignores_scale_and_is_nan_for_a_constant() -> None:
    assert r_squared(10 * ACTUAL + 5, ACTUAL) == pytest.approx(1.0)
    assert math.isnan(r_squared([2.0, 2.0, 2.0], ACTUAL))


def test_bad_shapes_and_too_few_points_are_errors() -> None:
    with pytest.raises(AnalysisError, match="3 points and actual 2"):
        theil_statistics(ACTUAL, [1.0, 2.0])
    with pytest.raises(AnalysisError, match="1 pair"):
        theil_statistics([1.0, np.nan], [1.0, 2.0])


def test_lognormal_by_hand_and_against_scipy() -> None:
    # y = e, median 1, sigma 1: z = 1, log density -1/2 - log(e) - log(2 pi)/2.
    value = lognormal_loglik([math.e], [1.0], 1.0)
    assert float(value) == pytest.approx(-1.5 - 0.5 * math.log(2 * math.pi))
    y = np.array([3.0, 5.0, 9.0])
    mu = np.array([[2.0, 6.0, 8.0], [3.0, 5.0, 9.0]])
    sigma = np.array([0.3, 0.7])
    got = lognormal_loglik(y, mu, sigma)
    expected = [stats.lognorm.logpdf(y, s=s, scale=m).sum() for m, s in zip(mu, sigma, strict=True)]
    assert got.shape == (2,)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_lognormal_bad_prediction_is_minus_infinity_and_nan_observation_is_missing() -> None:
    got = lognormal_loglik([1.0, 2.0], [[1.0, 0.0], [1.0, np.nan], [1.0, 2.0]], [0.5, 0.5, 0.5])
    assert got[0] == -np.inf and got[1] == -np.inf and np.isfinite(got[2])
    # A missing observation contributes nothing, whatever the prediction there.
    alone = lognormal_loglik([1.0], [1.2], 0.5)
    assert float(lognormal_loglik([1.0, np.nan], [1.2, -5.0], 0.5)) == pytest.approx(float(alone))


def test_negbinom_by_hand_and_against_scipy() -> None:
    # alpha 1 (size 1), mean 1: P(0) = 1/2.
    assert float(negbinom_loglik([0.0], [1.0], 1.0)) == pytest.approx(math.log(0.5))
    k = np.array([0.0, 4.0, 17.0])
    mu = np.array([1.5, 5.0, 12.0])
    alpha = 0.2
    size = 1 / alpha
    expected = stats.nbinom.logpmf(k, size, size / (size + mu)).sum()
    assert float(negbinom_loglik(k, mu, alpha)) == pytest.approx(expected, rel=1e-12)
    assert negbinom_loglik(k, [1.0, 0.0, 2.0], alpha) == -np.inf

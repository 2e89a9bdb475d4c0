"""Sensitivity indices of one outcome over a parameter design (SALib), as tidy tables.

* :func:`sobol_indices`: first-order, total and (optionally) second-order
  Sobol' indices of a :func:`~sdcluster.experiments.designs.sobol_design`
  (``SALib.analyze.sobol``; Saltelli 2002);
* :func:`morris_indices`: Morris elementary effects (mu*, sigma) of a
  :func:`~sdcluster.experiments.designs.morris_design`
  (``SALib.analyze.morris``; Morris 1991, Campolongo et al. 2007);
* :func:`rank_correlations`: Spearman rank correlations of a Monte Carlo or
  Latin-hypercube design, with Fieller-Hartley-Pearson intervals.

Every function returns the columns :data:`INDEX_COLUMNS`, one row per index.

References
----------
Saltelli, A. (2002). Making best use of model evaluations to compute
sensitivity indices. *Computer Physics Communications* 145, 280-297.
https://doi.org/10.1016/S0010-4655(02)00280-1

Morris, M. D. (1991). Factorial sampling plans for preliminary computational
experiments. *Technometrics* 33, 161-174. https://doi.org/10.1080/00401706.1991.10484804

Campolongo, F., Cariboni, J., Saltelli, A. (2007). An effective screening
design for sensitivity analysis of large models. *Environmental Modelling &
Software* 22, 1509-1518. https://doi.org/10.1016/j.envsoft.2006.10.004

Herman, J., Usher, W. (2017). SALib: An open-source Python library for
sensitivity analysis. *Journal of Open Source Software* 2(9), 97.
https://doi.org/10.21105/joss.00097

Fieller, E. C., Hartley, H. O., Pearson, E. S. (1957). Tests for rank
correlation coefficients. I. *Biometrika* 44, 470-481.
https://doi.org/10.1093/biomet/44.3-4.470

"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sdcluster.errors import AnalysisError, SensitivityWarning
from sdcluster.experiments.designs import ParameterDesign, SensitivityProblem

FloatArray = NDArray[np.float64]


ArrayLike1D = Sequence[float] | FloatArray


#: Columns of every indices table.
INDEX_COLUMNS = ("outcome", "method", "index", "parameter", "parameter_2", "estimate",
                 "confidence", "ci_low", "ci_high", "confidence_level")


def _rows(outcome: str, method: str, index: str, names: Sequence[str], estimate: Any,
          confidence: Any, level: float, second: Sequence[str] | None = None) -> pd.DataFrame:
    estimate = np.asarray(estimate, dtype=float)
    confidence = np.broadcast_to(np.asarray(confidence, dtype=float), estimate.shape)
    return pd.DataFrame({
        "outcome": outcome, "method": method, "index": index, "parameter": list(names),
        "parameter_2": list(second) if second is not None else "",
        "estimate": estimate, "confidence": confidence,
        "ci_low": estimate - confidence, "ci_high": estimate + confidence,
        "confidence_level": level,
    })


def _constant_outcome(outcome: str, y: FloatArray) -> bool:
    if np.ptp(y) > 0:
        return False
    warnings.warn(f"sensitivity: outcome {outcome!r} is the same for every sample; "
                  "its indices are undefined (NaN)", SensitivityWarning, stacklevel=3)
    return True


def sobol_indices(problem: SensitivityProblem, y: ArrayLike1D, *, outcome: str = "outcome",
                  second_order: bool = True, confidence_level: float = 0.95,
                  resamples: int = 100, seed: int | None = None) -> pd.DataFrame:
    """Return first-order (S1), total (ST) and second-order (S2) Sobol' indices.

    ``y`` holds the outcome of every row of :func:`sobol_design` (same
    ``second_order``). Confidence intervals are SALib's bootstrap intervals
    (``estimate ± confidence``).

    Returns
    -------
    pandas.DataFrame
        Tidy: columns :data:`INDEX_COLUMNS`; ``parameter_2`` names the second
        parameter of an S2 row and is empty otherwise.

    """
    values = np.asarray(y, dtype=np.float64)
    names = problem.names
    if _constant_outcome(outcome, values):
        # NaN indices, in the same rows as a varying outcome gets.
        nan = np.full((len(names), len(names)), np.nan)
        found: Mapping[str, Any] = {"S1": nan[0], "S1_conf": nan[0], "ST": nan[0],
                                    "ST_conf": nan[0], "S2": nan, "S2_conf": nan}
    else:
        found = _salib_sobol(problem, values, second_order, confidence_level, resamples, seed)
    parts = [_rows(outcome, "sobol", i, names, found[i], found[f"{i}_conf"], confidence_level)
             for i in ("S1", "ST")]
    if second_order:
        first, second = np.triu_indices(len(names), k=1)
        parts.append(_rows(outcome, "sobol", "S2", [names[i] for i in first],
                           found["S2"][first, second], found["S2_conf"][first, second],
                           confidence_level, second=[names[j] for j in second]))
    return pd.concat(parts, ignore_index=True)


def _salib_sobol(problem: SensitivityProblem, values: FloatArray, second_order: bool,
                 confidence_level: float, resamples: int, seed: int | None) -> Mapping[str, Any]:
    from SALib.analyze import sobol

    # SALib's sobol.analyze tests ``if seed:``, so seed 0 would bootstrap from the global
    # NumPy state; a Generator is always truthy and gives seed s the same draws as before.
    bootstrap_seed = None if seed is None else np.random.default_rng(seed)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        found = sobol.analyze(problem.salib(), values, calc_second_order=second_order,
                              num_resamples=resamples, conf_level=confidence_level,
                              seed=bootstrap_seed)
    return dict(found)


def morris_indices(problem: SensitivityProblem, design: ParameterDesign, y: ArrayLike1D, *,
                   outcome: str = "outcome", levels: int = 4, confidence_level: float = 0.95,
                   resamples: int = 100, seed: int | None = None) -> pd.DataFrame:
    """Return Morris elementary-effect statistics mu, mu_star (with CI) and sigma.

    ``mu_star`` (mean absolute elementary effect, Campolongo et al. 2007)
    ranks the parameters; its confidence interval is SALib's bootstrap
    interval. ``mu`` and ``sigma`` have no interval (NaN ``confidence``).
    """
    from SALib.analyze import morris

    values = np.asarray(y, dtype=np.float64)
    names = problem.names
    nan = np.full(len(names), np.nan)
    if _constant_outcome(outcome, values):
        return pd.concat([_rows(outcome, "morris", i, names, nan, nan, confidence_level)
                          for i in ("mu", "mu_star", "sigma")], ignore_index=True)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        found = morris.analyze(problem.salib(), np.asarray(design.values), values,
                               num_resamples=resamples, conf_level=confidence_level,
                               num_levels=levels, seed=seed)
    return pd.concat([
        _rows(outcome, "morris", "mu", names, found["mu"], nan, confidence_level),
        _rows(outcome, "morris", "mu_star", names, found["mu_star"], found["mu_star_conf"],
              confidence_level),
        _rows(outcome, "morris", "sigma", names, found["sigma"], nan, confidence_level),
    ], ignore_index=True)


def rank_correlations(problem: SensitivityProblem, design: ParameterDesign, y: ArrayLike1D, *,
                      outcome: str = "outcome", method: str = "monte carlo",
                      confidence_level: float = 0.95) -> pd.DataFrame:
    """Return Spearman rank correlations between each parameter and the outcome.

    For Monte Carlo and Latin hypercube designs. The interval comes from
    Fisher's z transform with variance ``1.06 / (n - 3)`` (Fieller et al.
    1957); it needs at least 5 samples.
    """
    from scipy.stats import norm, spearmanr

    values = np.asarray(y, dtype=np.float64)
    names = problem.names
    n = values.size
    if n < 5:
        raise AnalysisError(f"sensitivity: rank correlations need at least 5 samples, got {n}")
    if _constant_outcome(outcome, values):
        nan = np.full(len(names), np.nan)
        return _rows(outcome, method, "spearman", names, nan, nan, confidence_level)
    estimates = np.array([spearmanr(design.column(name), values).statistic for name in names])
    half = float(norm.ppf(0.5 + confidence_level / 2)) * math.sqrt(1.06 / (n - 3))
    with np.errstate(divide="ignore"):
        z = np.arctanh(np.clip(estimates, -1.0, 1.0))
    frame = _rows(outcome, method, "spearman", names, estimates, np.nan, confidence_level)
    frame["ci_low"] = np.tanh(z - half)
    frame["ci_high"] = np.tanh(z + half)
    frame["confidence"] = (frame["ci_high"] - frame["ci_low"]) / 2
    return frame

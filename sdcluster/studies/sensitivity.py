"""Parameter designs and global sensitivity analysis of a model's outcomes.

Four designs over declared parameter ranges, each a plain function of a
problem, a size and a seed, returning a
:class:`~sdcluster.studies.ensemble.ParameterDesign`:

* :func:`monte_carlo` (independent uniform draws) and :func:`latin_hypercube`
  (SALib), analysed with Spearman rank correlations;
* :func:`sobol_design` (Saltelli's scheme on a scrambled Sobol' sequence,
  SALib ``sample.sobol``; ``N * (2D + 2)`` runs with second-order indices,
  ``N * (D + 2)`` without), analysed with ``SALib.analyze.sobol``;
* :func:`morris_design` (``N`` Morris trajectories, ``N * (D + 1)`` runs),
  analysed with ``SALib.analyze.morris``.

:func:`run_sensitivity` samples the design, runs it as an ensemble (batch
engine, chunked, on any executor) and returns the outcome of every sample
and the indices as a tidy table with confidence intervals.

Common random numbers: with the noise on, every parameter sample runs with
the same noise streams (``replicates`` of them, streams ``0 .. R-1``; see
:mod:`sdcluster.studies.ensemble`), and a sample's outcome is the mean over its
replicates. The indices then measure the parameters' effect, not the luck
of the draws.

Outcomes
--------
The analysed quantity is chosen by name (:func:`parse_outcome`):

``VARIABLE@end``
    the variable's value at the last saved time, e.g. ``"Order Degree@end"``;
``VARIABLE@t``
    its value at time ``t`` (a number, linear interpolation between saved
    times), e.g. ``"Innovative Firms@30"``;
``VARIABLE@max``, ``VARIABLE@min``, ``VARIABLE@mean``
    over the saved times of the run;
``final firms``, ``final knowledge``, ``final order``, ``final synergy``
    ``Innovative Firms@end``, ``Knowledge Stock@end``, ``Order Degree@end``,
    ``synergy degree@end``;
``takeoff time``
    time of reaching phase III, "far from equilibrium" (dwell-filtered
    onset, :func:`sdcluster.analysis.phases.phase_onsets`); a member that
    never reaches it counts as the final time (right-censored), so the
    outcome is always defined;
``takeoff``
    1 if the member reaches phase III by the final time, else 0.

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
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from sdcluster.analysis.entropy import ORDER_DEGREE, SYNERGY_DEGREE, TOTAL_CHANGE
from sdcluster.analysis.phases import FAR, FIRMS, KNOWLEDGE, PHASES
from sdcluster.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from sdcluster.engine.batch import DEFAULT_CHUNK_SIZE
from sdcluster.engine.executors import Executor
from sdcluster.engine.resources import check_fits, run_size
from sdcluster.errors import AnalysisError, ScenarioError, did_you_mean, with_article
from sdcluster.experiments.parsing import range_within
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel, load_model, normalize_name
from sdcluster.results.dataset import Results
from sdcluster.studies.ensemble import (
    Engine,
    EnsembleSpec,
    ParameterDesign,
    check_count,
    onset_times,
    run_ensemble,
)

__all__ = [
    "METHODS",
    "NAMED_OUTCOMES",
    "Outcome",
    "ParameterRange",
    "SensitivityProblem",
    "SensitivityResult",
    "SensitivitySpec",
    "SensitivityWarning",
    "evaluate_outcomes",
    "latin_hypercube",
    "make_design",
    "monte_carlo",
    "morris_design",
    "morris_indices",
    "parse_outcome",
    "problem_from_model",
    "rank_correlations",
    "run_sensitivity",
    "sobol_design",
    "sobol_indices",
]

Method = Literal["sobol", "morris", "latin hypercube", "monte carlo"]
METHODS: tuple[str, ...] = ("sobol", "morris", "latin hypercube", "monte carlo")
FloatArray = NDArray[np.float64]
ArrayLike1D = Sequence[float] | FloatArray

#: Columns of every indices table.
INDEX_COLUMNS = ("outcome", "method", "index", "parameter", "parameter_2", "estimate",
                 "confidence", "ci_low", "ci_high", "confidence_level")


class SensitivityWarning(UserWarning):
    """A sensitivity design or analysis that runs but deserves attention."""


# ------------------------------------------------------------------ problem


@dataclass(frozen=True, kw_only=True)
class ParameterRange:
    """A constant varied uniformly between two bounds.

    Attributes
    ----------
    name : str
        The constant's model name.
    low, high : float
        Bounds, ``low < high``, inside the declared range.

    """

    name: str
    low: float
    high: float


@dataclass(frozen=True, kw_only=True)
class SensitivityProblem:
    """The parameters of a sensitivity study and their ranges.

    Raises
    ------
    ScenarioError
        If there are no parameters, names repeat, or a range is empty.

    """

    parameters: tuple[ParameterRange, ...]

    def __post_init__(self) -> None:
        if not self.parameters:
            raise ScenarioError("sensitivity: give at least one parameter")
        names = self.names
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ScenarioError(f"sensitivity: parameters repeat: {', '.join(repeated)}")
        for p in self.parameters:
            if not (math.isfinite(p.low) and math.isfinite(p.high) and p.low < p.high):
                raise ScenarioError(f"sensitivity: range of {p.name!r} must be finite with "
                                    f"low < high, got [{p.low:g}, {p.high:g}]")

    @property
    def names(self) -> tuple[str, ...]:
        """Return the parameter names."""
        return tuple(p.name for p in self.parameters)

    @property
    def bounds(self) -> FloatArray:
        """Return the bounds, shape ``(D, 2)``."""
        return np.array([[p.low, p.high] for p in self.parameters], dtype=np.float64)

    def salib(self) -> dict[str, Any]:
        """Return the problem as SALib's dict (``num_vars``, ``names``, ``bounds``)."""
        return {"num_vars": len(self.parameters), "names": list(self.names),
                "bounds": self.bounds.tolist()}


def problem_from_model(
    model: LoadedModel | str | Path,
    parameters: Iterable[str] | Mapping[str, tuple[float, float] | None],
) -> SensitivityProblem:
    """Build a problem from model constants and their declared ranges.

    Parameters
    ----------
    model : LoadedModel or path
        The model (loaded, or its file).
    parameters : iterable of str, or mapping of str to (low, high) or None
        Constants to vary. A name alone (or ``None``) uses the declared
        range; ``(low, high)`` narrows it.

    Raises
    ------
    UnknownVariableError
        For a name that is not in the model (the message lists the closest).
    ScenarioError
        If a name is not a constant, has no (or a half-open) declared range
        and no explicit one, or an explicit range leaves the declared one.

    """
    loaded = model if isinstance(model, LoadedModel) else load_model(model)
    if isinstance(parameters, Mapping):
        wanted: dict[str, tuple[float, float] | None] = dict(parameters)
    else:
        wanted = dict.fromkeys(parameters)
    return SensitivityProblem(parameters=tuple(
        _parameter_range(loaded, name, bounds) for name, bounds in wanted.items()
    ))


def _parameter_range(model: LoadedModel, name: str,
                     bounds: tuple[float, float] | None) -> ParameterRange:
    variable = model.variable(model.resolve(name, context="sensitivity: "))
    where = f"sensitivity: {model.path.name}: {variable.name!r}"
    if variable.kind != "constant":
        raise ScenarioError(f"{where} is {with_article(variable.kind)}; only constants can be "
                            "varied"
                            f"{did_you_mean(name, model.constants)}")
    if bounds is None:
        declared = variable.range
        if declared is None or declared[0] is None or declared[1] is None:
            raise ScenarioError(f"{where} has no closed declared range "
                                f"({variable.range_text() or 'none'}); give one as NAME=LOW:HIGH")
        return ParameterRange(name=variable.name, low=declared[0], high=declared[1])
    low, high = range_within(variable, float(bounds[0]), float(bounds[1]), where)
    return ParameterRange(name=variable.name, low=low, high=high)


# ------------------------------------------------------------------ designs


def _design(problem: SensitivityProblem, values: FloatArray, method: str,
            seed: int | None) -> ParameterDesign:
    # Keep samples inside the bounds despite rounding in the samplers' scaling.
    bounds = problem.bounds
    clipped = np.clip(values, bounds[:, 0], bounds[:, 1])
    return ParameterDesign(names=problem.names, values=clipped, method=method, seed=seed)


def _check_size(name: str, value: object, minimum: int = 1) -> int:
    return check_count(name, value, minimum=minimum, context="sensitivity: ")


def monte_carlo(problem: SensitivityProblem, n: int, *, seed: int | None = None) -> ParameterDesign:
    """Return ``n`` independent uniform samples over the problem's ranges."""
    _check_size("n", n)
    rng = np.random.default_rng(seed)
    bounds = problem.bounds
    unit = rng.random((n, len(problem.parameters)))
    return _design(problem, bounds[:, 0] + unit * (bounds[:, 1] - bounds[:, 0]),
                   "monte carlo", seed)


def latin_hypercube(problem: SensitivityProblem, n: int, *,
                    seed: int | None = None) -> ParameterDesign:
    """Return an ``n``-point Latin hypercube over the problem's ranges (SALib ``sample.latin``)."""
    from SALib.sample import latin

    _check_size("n", n)
    values = latin.sample(problem.salib(), n, seed=seed)
    return _design(problem, np.asarray(values, dtype=np.float64), "latin hypercube", seed)


def sobol_design(problem: SensitivityProblem, n: int, *, seed: int | None = None,
                 second_order: bool = True) -> ParameterDesign:
    """Return Saltelli's design for Sobol' indices (SALib ``sample.sobol``).

    ``n * (2D + 2)`` rows with ``second_order``, ``n * (D + 2)`` without.
    ``n`` should be a power of 2 (the Sobol' sequence's balance properties);
    otherwise a :class:`SensitivityWarning` says so and the design is still made.
    """
    from SALib.sample import sobol

    _check_size("n", n, minimum=2)
    if n & (n - 1):
        warnings.warn(f"sensitivity: Sobol' N = {n} is not a power of 2; the estimates "
                      f"converge best for N = {1 << (n - 1).bit_length()} or "
                      f"{1 << (n.bit_length() - 1)}", SensitivityWarning, stacklevel=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy repeats the power-of-2 warning given above
        values = sobol.sample(problem.salib(), n, calc_second_order=second_order, seed=seed)
    return _design(problem, np.asarray(values, dtype=np.float64), "sobol", seed)


def morris_design(problem: SensitivityProblem, n: int, *, seed: int | None = None,
                  levels: int = 4) -> ParameterDesign:
    """Return ``n`` Morris trajectories (``n * (D + 1)`` rows; SALib ``sample.morris``)."""
    from SALib.sample import morris

    _check_size("n", n, minimum=2)
    _check_size("levels", levels, minimum=2)
    values = morris.sample(problem.salib(), n, num_levels=levels, seed=seed)
    return _design(problem, np.asarray(values, dtype=np.float64), "morris", seed)


def design_runs(method: str, n: int, parameters: int, *, second_order: bool = True) -> int:
    """Return the number of samples a design of ``method`` has (before replicates).

    Sobol': ``N (2D + 2)`` with second-order indices, else ``N (D + 2)``;
    Morris: ``N (D + 1)``; Latin hypercube and Monte Carlo: ``N``.
    """
    if method == "sobol":
        return n * (2 * parameters + 2 if second_order else parameters + 2)
    if method == "morris":
        return n * (parameters + 1)
    return n


def make_design(problem: SensitivityProblem, method: str, n: int, *, seed: int | None = None,
                second_order: bool = True, levels: int = 4) -> ParameterDesign:
    """Return the design of ``method`` (one of :data:`METHODS`)."""
    if method == "sobol":
        return sobol_design(problem, n, seed=seed, second_order=second_order)
    if method == "morris":
        return morris_design(problem, n, seed=seed, levels=levels)
    if method == "latin hypercube":
        return latin_hypercube(problem, n, seed=seed)
    if method == "monte carlo":
        return monte_carlo(problem, n, seed=seed)
    raise ScenarioError(f"sensitivity: unknown method {method!r}; expected one of "
                        f"{', '.join(METHODS)}{did_you_mean(method, METHODS)}")


# ----------------------------------------------------------------- outcomes


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """A scalar per run, computed from its series.

    Attributes
    ----------
    name : str
        The name as given (``"Order Degree@end"``, ``"takeoff time"``).
    kind : str
        ``"end"``, ``"at"``, ``"max"``, ``"min"``, ``"mean"``,
        ``"takeoff time"`` or ``"takeoff"``.
    variables : tuple of str
        Model variables the outcome reads.
    time : float or None
        The time of an ``"at"`` outcome.

    """

    name: str
    kind: str
    variables: tuple[str, ...]
    time: float | None = None

    def evaluate(self, ds: xr.Dataset,
                 settings: AnalysisSettings = DEFAULT_SETTINGS) -> FloatArray:
        """Return the outcome of every member (in member order) of ``ds``."""
        return _EVALUATORS[self.kind](self, ds, settings)


#: Named outcomes and what they stand for.
NAMED_OUTCOMES: Mapping[str, str] = {
    "final firms": f"{FIRMS}@end",
    "final knowledge": f"{KNOWLEDGE}@end",
    "final order": f"{ORDER_DEGREE}@end",
    "final synergy": f"{SYNERGY_DEGREE}@end",
    "takeoff time": "onset of phase III (far from equilibrium), the final time if never reached",
    "takeoff": "1 if phase III (far from equilibrium) is reached by the final time, else 0",
}
_PHASE_NEEDS = (FIRMS, TOTAL_CHANGE)  # what phases read (sdcluster.analysis.phases)
_STATISTICS = ("end", "max", "min", "mean")
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\Z")


def parse_outcome(text: str, model: LoadedModel | None = None) -> Outcome:
    """Read an outcome name (see the module docstring).

    Parameters
    ----------
    text : str
        ``"VARIABLE@end"``, ``"VARIABLE@30"``, ``"VARIABLE@max"`` ... or a
        name from :data:`NAMED_OUTCOMES`.
    model : LoadedModel, optional
        Check variable names against it and use its spelling.

    Raises
    ------
    ScenarioError
        For an unknown outcome name or a malformed ``@`` suffix.
    UnknownVariableError
        For a variable the model does not have.

    """
    key = normalize_name(text)
    if key in ("takeoff time", "takeoff"):
        return Outcome(name=key, kind=key, variables=_resolved(model, _PHASE_NEEDS))
    if key in NAMED_OUTCOMES:
        return parse_outcome(NAMED_OUTCOMES[key], model)
    if "@" not in text:
        raise ScenarioError(
            f"outcome {text!r}: expected VARIABLE@end, VARIABLE@<time>, VARIABLE@max|min|mean "
            f"or one of: {', '.join(NAMED_OUTCOMES)}{did_you_mean(text, NAMED_OUTCOMES)}"
        )
    variable, _, when = (part.strip() for part in text.rpartition("@"))
    (name,) = _resolved(model, [variable], context=f"outcome {text!r}: ")
    if when.lower() in _STATISTICS:
        return Outcome(name=f"{name}@{when.lower()}", kind=when.lower(), variables=(name,))
    if _NUMBER.match(when):
        return Outcome(name=f"{name}@{float(when):g}", kind="at", variables=(name,),
                       time=float(when))
    raise ScenarioError(f"outcome {text!r}: after '@' expected end, max, min, mean or a time, "
                        f"got {when!r}")


def _resolved(model: LoadedModel | None, names: Iterable[str], context: str = "outcome: "
              ) -> tuple[str, ...]:
    if model is None:
        return tuple(names)
    return tuple(model.resolve(name, context=context) for name in names)


def _series(ds: xr.Dataset, name: str) -> tuple[FloatArray, FloatArray]:
    if name not in ds.data_vars:
        raise AnalysisError(f"outcome: variable {name!r} is not in the results"
                            f"{did_you_mean(name, [str(v) for v in ds.data_vars])}")
    array = ds[name].transpose(..., "time")
    return np.asarray(array.values, dtype=np.float64), np.asarray(ds["time"].values, dtype=float)


def _at_end(outcome: Outcome, ds: xr.Dataset, settings: AnalysisSettings) -> FloatArray:
    values, _ = _series(ds, outcome.variables[0])
    return np.asarray(values[..., -1], dtype=np.float64)


def _statistic(outcome: Outcome, ds: xr.Dataset, settings: AnalysisSettings) -> FloatArray:
    values, _ = _series(ds, outcome.variables[0])
    reducers: Mapping[str, Callable[..., Any]] = {"max": np.max, "min": np.min, "mean": np.mean}
    return np.asarray(reducers[outcome.kind](values, axis=-1), dtype=np.float64)


def _at_time(outcome: Outcome, ds: xr.Dataset, settings: AnalysisSettings) -> FloatArray:
    values, time = _series(ds, outcome.variables[0])
    when = float(outcome.time if outcome.time is not None else math.nan)
    if not time[0] <= when <= time[-1]:
        raise AnalysisError(f"outcome {outcome.name!r}: time {when:g} is outside the run "
                            f"[{time[0]:g}, {time[-1]:g}]")
    right = int(np.clip(np.searchsorted(time, when), 1, time.size - 1)) if time.size > 1 else 0
    if time.size == 1 or time[right] == when:
        return np.asarray(values[..., right], dtype=np.float64)
    left = right - 1
    weight = (when - time[left]) / (time[right] - time[left])
    blended = values[..., left] * (1 - weight) + values[..., right] * weight
    return np.asarray(blended, dtype=np.float64)


def _takeoff_time(outcome: Outcome, ds: xr.Dataset, settings: AnalysisSettings) -> FloatArray:
    onsets = onset_times(ds, settings)[PHASES[FAR]].to_numpy(dtype=float)
    final_time = float(ds["time"].values[-1])
    return np.asarray(np.where(np.isnan(onsets), final_time, onsets), dtype=np.float64)


def _takeoff(outcome: Outcome, ds: xr.Dataset, settings: AnalysisSettings) -> FloatArray:
    onsets = onset_times(ds, settings)[PHASES[FAR]].to_numpy(dtype=float)
    reached: FloatArray = (~np.isnan(onsets)).astype(np.float64)
    return reached


_EVALUATORS: Mapping[str, Callable[[Outcome, xr.Dataset, AnalysisSettings], FloatArray]] = {
    "end": _at_end, "max": _statistic, "min": _statistic, "mean": _statistic,
    "at": _at_time, "takeoff time": _takeoff_time, "takeoff": _takeoff,
}


def evaluate_outcomes(ds: xr.Dataset, outcomes: Sequence[Outcome], *, replicates: int = 1,
                      settings: AnalysisSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Return one row per design sample, one column per outcome.

    Members are ``sample * replicates + replicate`` (see
    :mod:`sdcluster.studies.ensemble`); a sample's outcome is the mean over its
    replicates.

    Raises
    ------
    AnalysisError
        If an outcome is missing a variable, NaN for some member, or the
        member count is not a multiple of ``replicates``.

    """
    columns = {}
    for outcome in outcomes:
        values = np.asarray(outcome.evaluate(ds, settings), dtype=np.float64).reshape(-1)
        if values.size % replicates:
            raise AnalysisError(f"outcome {outcome.name!r}: {values.size} members is not a "
                                f"multiple of {replicates} replicates")
        bad = np.flatnonzero(np.isnan(values))
        if bad.size:
            raise AnalysisError(f"outcome {outcome.name!r} is NaN for {bad.size} members "
                                f"(first: member {int(bad[0])})")
        columns[outcome.name] = values.reshape(-1, replicates).mean(axis=1)
    frame = pd.DataFrame(columns)
    frame.index.name = "sample"
    return frame


# ------------------------------------------------------------------ indices


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


# ------------------------------------------------------------------- runner


@dataclass(frozen=True, kw_only=True)
class SensitivitySpec:
    """A sensitivity study: parameters, design, outcomes and how to run them.

    Attributes
    ----------
    model_path : Path
        The model file.
    problem : SensitivityProblem
        Parameters and ranges (see :func:`problem_from_model`).
    outcomes : tuple of str
        Outcome names (see the module docstring).
    method : str
        One of :data:`METHODS`.
    n : int
        Base sample size: Sobol' N, Morris trajectories, or the number of
        Monte Carlo / Latin hypercube samples.
    seed : int
        Seeds the design and the noise streams.
    scenario : Scenario
        Base scenario (overrides, steps, final time).
    noise : bool
        Run with the seeded white noise (common random numbers).
    replicates : int
        Noise streams per sample; a sample's outcome is their mean.
    second_order : bool
        Sobol': also second-order indices (``N * (2D + 2)`` runs).
    levels : int
        Morris: grid levels.
    confidence_level : float
        Of the confidence intervals.
    chunk_size : int
        Members per chunk.
    engine : str
        ``"auto"``, ``"batch"`` or ``"pysd"``.

    """

    model_path: Path
    problem: SensitivityProblem
    outcomes: tuple[str, ...]
    method: Method = "sobol"
    n: int = 1024
    seed: int = 0
    scenario: Scenario = field(
        default_factory=lambda: Scenario(name="baseline", title="model as it is")
    )
    noise: bool = True
    replicates: int = 1
    second_order: bool = True
    levels: int = 4
    confidence_level: float = 0.95
    chunk_size: int = DEFAULT_CHUNK_SIZE
    engine: Engine = "auto"

    def __post_init__(self) -> None:
        object.__setattr__(self, "model_path", Path(self.model_path))
        object.__setattr__(self, "outcomes", tuple(self.outcomes))
        # Checked here, before the model loads; the design functions check them again.
        for name, minimum in (("n", 1), ("seed", 0), ("replicates", 1), ("levels", 2)):
            object.__setattr__(self, name, _check_size(name, getattr(self, name), minimum))
        if not self.outcomes:
            raise ScenarioError("sensitivity: give at least one outcome")
        if self.method not in METHODS:
            raise ScenarioError(f"sensitivity: unknown method {self.method!r}; expected one of "
                                f"{', '.join(METHODS)}{did_you_mean(self.method, METHODS)}")
        if not 0 < self.confidence_level < 1:
            raise ScenarioError(f"sensitivity: confidence_level must be in (0, 1), "
                                f"got {self.confidence_level}")

    def describe(self) -> dict[str, Any]:
        """Return the spec as JSON-able data."""
        return {
            "model_path": str(self.model_path), "method": self.method, "n": self.n,
            "seed": self.seed, "outcomes": list(self.outcomes),
            "parameters": {p.name: [p.low, p.high] for p in self.problem.parameters},
            "scenario": self.scenario.to_dict(), "noise": self.noise,
            "replicates": self.replicates, "second_order": self.second_order,
            "levels": self.levels, "confidence_level": self.confidence_level,
        }


@dataclass(frozen=True, kw_only=True, eq=False)
class SensitivityResult:
    """What :func:`run_sensitivity` returns.

    Attributes
    ----------
    spec : SensitivitySpec
        The study.
    design : ParameterDesign
        The sampled parameter values.
    outcomes : pandas.DataFrame
        One row per sample, one column per outcome.
    indices : pandas.DataFrame
        Tidy indices (columns :data:`INDEX_COLUMNS`).
    results : Results
        The runs (dims member, time; design values as member coordinates).

    """

    spec: SensitivitySpec
    design: ParameterDesign
    outcomes: pd.DataFrame
    indices: pd.DataFrame
    results: Results


def run_sensitivity(spec: SensitivitySpec, *, executor: Executor | None = None,
                    settings: AnalysisSettings = DEFAULT_SETTINGS,
                    progress: bool = False) -> SensitivityResult:
    """Sample the design, run it, and compute the indices of every outcome.

    Parameters
    ----------
    spec : SensitivitySpec
        The study.
    executor : Executor, optional
        Where the runs go (local by default).
    settings : AnalysisSettings
        Phase thresholds for the take-off outcomes.
    progress : bool
        Show a progress bar on stderr.

    Examples
    --------
    >>> problem = problem_from_model(model, ["openness", "government support"])  # doctest: +SKIP
    >>> spec = SensitivitySpec(model_path=model.path, problem=problem,            # doctest: +SKIP
    ...                        outcomes=("Order Degree@end",), n=256, seed=1)
    >>> run_sensitivity(spec).indices                                             # doctest: +SKIP

    """
    model = load_model(spec.model_path)
    outcomes = [parse_outcome(text, model) for text in spec.outcomes]
    problem = problem_from_model(
        model, {p.name: (p.low, p.high) for p in spec.problem.parameters}
    )
    variables = tuple(dict.fromkeys(v for o in outcomes for v in o.variables))
    runs = design_runs(spec.method, spec.n, len(problem.parameters),
                       second_order=spec.second_order) * spec.replicates
    check_fits(run_size(model.time, spec.scenario.final_time,
                        variables=len(variables) + len(problem.parameters), runs=runs),
               f"{model.path}: sensitivity ({spec.method}, n = {spec.n:,})")
    design = make_design(problem, spec.method, spec.n, seed=spec.seed,
                         second_order=spec.second_order, levels=spec.levels)
    ensemble = EnsembleSpec.for_design(
        spec.model_path, design, replicates=spec.replicates, seed=spec.seed,
        scenario=spec.scenario, noise=spec.noise, variables=variables,
        chunk_size=spec.chunk_size, engine=spec.engine,
    )
    results = run_ensemble(ensemble, executor=executor, progress=progress)
    table = evaluate_outcomes(results.dataset, outcomes, replicates=spec.replicates,
                              settings=settings)
    indices = pd.concat([_indices(spec, problem, design, table[o.name].to_numpy(), o.name)
                         for o in outcomes], ignore_index=True)
    metadata = {**results.metadata, "sensitivity": spec.describe()}
    return SensitivityResult(spec=spec, design=design, outcomes=table, indices=indices,
                             results=Results(dataset=results.dataset, metadata=metadata))


def _indices(spec: SensitivitySpec, problem: SensitivityProblem, design: ParameterDesign,
             y: FloatArray, outcome: str) -> pd.DataFrame:
    level = spec.confidence_level
    if spec.method == "sobol":
        return sobol_indices(problem, y, outcome=outcome, second_order=spec.second_order,
                             confidence_level=level, seed=spec.seed)
    if spec.method == "morris":
        return morris_indices(problem, design, y, outcome=outcome, levels=spec.levels,
                              confidence_level=level, seed=spec.seed)
    return rank_correlations(problem, design, y, outcome=outcome, method=spec.method,
                             confidence_level=level)

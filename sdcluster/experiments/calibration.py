"""What a calibration asks for: observations, how the model meets them, what to estimate.

A :class:`CalibrationSpec` is plain data (its pieces, :class:`Prior`,
:class:`SeriesMap` and :func:`read_observations`, are in
:mod:`sdcluster.experiments.calibration_inputs`), checked against a model by
:meth:`CalibrationSpec.validated`; :func:`sdcluster.studies.calibration.run_calibration`
samples its posterior.

Observations are a tidy table: one time column and one column per observed
series (missing values allowed). Each :class:`SeriesMap` compares a model
variable with one column::

    observed(t) ~ likelihood( scale * model_variable(t - time_offset) )

``scale`` turns model units into the data's (e.g. patent equivalents into a
national share), ``time_offset`` is the observed time at which the model's
time 0 falls (e.g. 2000 for data from 2000 on a model starting at 0); each
is either fixed or estimated with a prior.

Free quantities, in sampling order (:meth:`CalibrationSpec.priors`): the
model constants, then per series ``scale[column]`` and ``offset[column]``
when estimated, then the dispersion ``sigma[column]`` (log-normal) or
``alpha[column]`` (negative binomial). Priors are uniform over
``(low, high)``; scales and dispersions are log-uniform (uniform in their
logarithm), as their magnitude is what is unknown.

Likelihoods
-----------
``"lognormal"`` (default, for positive counts or shares)
    ``log observed ~ Normal(log predicted, sigma)``, one ``sigma`` per series.
``"negbinom"`` (for integer counts, zeros allowed)
    ``observed ~ NegativeBinomial(mean=predicted, var=predicted + alpha * predicted**2)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from sdcluster.errors import (
    CalibrationError,
    SdclusterError,
    SpecError,
    UnknownVariableError,
    did_you_mean,
    with_article,
)
from sdcluster.experiments.calibration_inputs import (
    Prior,
    SeriesMap,
    check_column,
    checked_times,
    read_observations,
)
from sdcluster.experiments.counts import check_count
from sdcluster.experiments.parsing import range_within
from sdcluster.model.loaded import LoadedModel

__all__ = [
    "LIKELIHOODS",
    "MOVES",
    "CalibrationError",
    "CalibrationSpec",
    "Prior",
    "SeriesMap",
    "read_observations",
]

Likelihood = Literal["lognormal", "negbinom"]
LIKELIHOODS: tuple[str, ...] = ("lognormal", "negbinom")
#: The sampler's proposals: emcee's stretch move (Goodman & Weare 2010), or differential
#: evolution with mode-hopping (ter Braak 2006: gamma = 1 in one step of ten lets a walker
#: jump to another walker's mode) and snooker updates (ter Braak & Vrugt 2008).
Moves = Literal["stretch", "de"]
MOVES: tuple[str, ...] = ("stretch", "de")

#: Default log-uniform prior of a dispersion: sigma of log-normal errors from 1 % to 200 %.
DEFAULT_SIGMA_PRIOR = (0.01, 2.0)
#: Default log-uniform prior of the negative-binomial overdispersion alpha.
DEFAULT_ALPHA_PRIOR = (1e-4, 10.0)


@dataclass(frozen=True, eq=False)  # a DataFrame field: compared and hashed by identity
class CalibrationSpec:
    """A calibration: observations, mapping, parameters with priors, sampler settings.

    Attributes
    ----------
    observations : pandas.DataFrame
        Tidy table: ``time_column`` and one column per observed series.
    mappings : tuple of SeriesMap
        Model variable → observed column, one or more.
    parameters : Mapping[str, (float, float) or None]
        Model constants to estimate; ``None`` takes the declared range as
        the uniform prior, ``(low, high)`` a range inside it.
    time_column : str
        The time column of ``observations``.
    likelihood : {"lognormal", "negbinom"}
        Observation model (see the module docstring).
    dispersion_prior : (float, float) or None
        Log-uniform prior of each series' dispersion; by default
        :data:`DEFAULT_SIGMA_PRIOR` or :data:`DEFAULT_ALPHA_PRIOR`.
    walkers : int
        Ensemble size: even, at least twice the number of free quantities.
    steps : int
        Steps of every walker.
    burn : int or None
        Steps discarded as warm-up before the posterior summaries; half of
        ``steps`` by default.
    seed : int
        Seed of the initial walkers and of the sampler's moves.
    moves : {"stretch", "de"}
        The sampler's proposals (:data:`MOVES`): ``"de"`` for posteriors with
        several modes, which the stretch move does not cross.
    temperatures : int
        Ensembles of ``walkers`` each in a parallel-tempering ladder (1: no
        tempering). With more, hot ensembles sampling ``likelihood ** (1 / T)``
        roam between separated modes and swaps carry walkers into the
        ``T = 1`` ensemble, whose chain is the posterior; every step costs
        ``temperatures`` times as many runs.
    max_temperature : float
        The hottest temperature (the ladder is geometric from 1 to it): hot
        enough that the likelihood no longer separates the modes.
    source : str
        Where the observations came from (a file), for messages and for
        refusing to overwrite it.

    """

    observations: pd.DataFrame
    mappings: tuple[SeriesMap, ...]
    parameters: Mapping[str, tuple[float, float] | None] = field(default_factory=dict)
    time_column: str = "time"
    likelihood: Likelihood = "lognormal"
    dispersion_prior: tuple[float, float] | None = None
    walkers: int = 32
    steps: int = 2000
    burn: int | None = None
    seed: int = 0
    source: str = "<observations>"
    moves: Moves = "stretch"
    temperatures: int = 1
    max_temperature: float = 1000.0

    # ------------------------------------------------------------ derived

    @property
    def burn_steps(self) -> int:
        """Steps discarded as warm-up."""
        return self.steps // 2 if self.burn is None else self.burn

    @property
    def times(self) -> np.ndarray:
        """The observed times, as floats."""
        return np.asarray(self.observations[self.time_column], dtype=np.float64)

    def observed(self, column: str) -> np.ndarray:
        """Return one observed column as floats (NaN where missing)."""
        return np.asarray(self.observations[column], dtype=np.float64)

    def priors(self) -> tuple[Prior, ...]:
        """Return every free quantity with its prior, in sampling order.

        Raises
        ------
        CalibrationError
            If a model parameter has no range yet (call :meth:`validated` first).

        """
        found = []
        for name, bounds in self.parameters.items():
            if bounds is None:
                raise CalibrationError(f"calibration: parameter {name!r} has no prior range; "
                                       "validate the spec against its model first")
            found.append(Prior(name, float(bounds[0]), float(bounds[1])))
        for mapping in self.mappings:
            if mapping.scale_prior is not None:
                found.append(Prior(f"scale[{mapping.column}]", *mapping.scale_prior, log=True))
            if mapping.offset_prior is not None:
                found.append(Prior(f"offset[{mapping.column}]", *mapping.offset_prior))
        dispersion = "sigma" if self.likelihood == "lognormal" else "alpha"
        default = DEFAULT_SIGMA_PRIOR if self.likelihood == "lognormal" else DEFAULT_ALPHA_PRIOR
        low, high = self.dispersion_prior or default
        found += [Prior(f"{dispersion}[{m.column}]", low, high, log=True) for m in self.mappings]
        return tuple(found)

    def horizon(self) -> tuple[float, float]:
        """Return the model times the observations need: earliest and latest.

        The offsets' whole prior ranges are covered, so every walker's run
        reaches every observation.
        """
        earliest, latest = math.inf, -math.inf
        times = self.times
        for mapping in self.mappings:
            present = times[np.isfinite(self.observed(mapping.column))]
            low, high = mapping.offset_prior or (mapping.time_offset, mapping.time_offset)
            earliest = min(earliest, float(present.min()) - high)
            latest = max(latest, float(present.max()) - low)
        return earliest, latest

    def describe(self) -> str:
        """Return a few lines saying what the calibration estimates, from what."""
        times = self.times
        lines = [
            f"calibration to {self.source}: {len(times)} times "
            f"({times.min():g}-{times.max():g}), likelihood {self.likelihood}",
            *(f"  {m.describe()}" for m in self.mappings),
            f"  {self.walkers} walkers x {self.steps} steps (burn {self.burn_steps}), "
            f"{self.moves} moves, seed {self.seed}{self._tempering()}",
            "  priors:",
        ]
        for prior in self._describable_priors():
            kind = "log-uniform" if prior.log else "uniform"
            lines.append(f"    {prior.name}: {kind} [{prior.low:g}, {prior.high:g}]")
        return "\n".join(lines)

    def _tempering(self) -> str:
        if self.temperatures == 1:
            return ""
        return f", {self.temperatures} temperatures up to {self.max_temperature:g}"

    def _describable_priors(self) -> tuple[Prior, ...]:
        if any(bounds is None for bounds in self.parameters.values()):
            # Not validated yet: list what is known, the declared ranges come later.
            return tuple(p for p in replace(self, parameters={}).priors())
        return self.priors()

    # --------------------------------------------------------- validation

    def validated(self, model: LoadedModel) -> CalibrationSpec:
        """Check the spec against a model; return it with model spellings and every range.

        Raises
        ------
        CalibrationError
            One line naming the item, what was expected and the closest
            valid names: an unknown column or variable, a parameter that is
            not a constant or has no declared range, a range outside the
            declared one, observations the likelihood cannot take, too few
            walkers, a horizon before the model's initial time.

        """
        self._check_settings()
        columns = [str(c) for c in self.observations.columns]
        check_column(self.time_column, columns, f"{self.source}: time column")
        times = checked_times(self.observations[self.time_column], self.source,
                               self.time_column)
        mappings = tuple(self._checked_mapping(model, m, columns) for m in self.mappings)
        parameters = {name: bounds for name, bounds in
                      (_checked_parameter(model, n, b) for n, b in self.parameters.items())}
        numeric = {m.column: pd.to_numeric(self.observations[m.column]).astype(np.float64)
                   for m in mappings}
        observations = self.observations.assign(**numeric, **{self.time_column: times})
        spec = replace(self, mappings=mappings, parameters=parameters,
                       observations=observations.reset_index(drop=True))
        n_free = len(spec.priors())
        if self.walkers < 2 * n_free:
            raise CalibrationError(f"calibration: walkers = {self.walkers}; expected at least "
                                   f"{2 * n_free} (twice the {n_free} free quantities)")
        earliest, _ = spec.horizon()
        if earliest < model.time.initial_time - 1e-9:
            raise CalibrationError(
                f"calibration: the observations need model time {earliest:g}, before the "
                f"model's initial time {model.time.initial_time:g}; expected a time offset "
                f"of at most {spec.times.min() - model.time.initial_time:g}"
            )
        return spec

    def _check_settings(self) -> None:
        if self.likelihood not in LIKELIHOODS:
            raise CalibrationError(f"calibration: likelihood {self.likelihood!r}; expected one "
                                   f"of {', '.join(LIKELIHOODS)}"
                                   f"{did_you_mean(self.likelihood, LIKELIHOODS)}")
        if not self.mappings:
            raise CalibrationError("calibration: no mapping; expected at least one "
                                   "'MODEL VARIABLE=column'")
        self._check_sampler()
        if self.dispersion_prior is not None:
            _check_log_bounds(self.dispersion_prior, "calibration: dispersion prior")
        repeated = {m.column for m in self.mappings
                    if [n.column for n in self.mappings].count(m.column) > 1}
        if repeated:
            raise CalibrationError(f"calibration: column {sorted(repeated)[0]!r} is mapped "
                                   "twice; expected each observed column once")

    def _check_sampler(self) -> None:
        """Check the sampler's settings: walkers, moves, tempering, steps."""
        if self.walkers % 2 or self.walkers < 2:
            raise CalibrationError(f"calibration: walkers = {self.walkers}; expected an even "
                                   "number (the ensemble moves in two halves)")
        if self.moves not in MOVES:
            raise CalibrationError(f"calibration: moves {self.moves!r}; expected one of "
                                   f"{', '.join(MOVES)}")
        try:
            check_count("temperatures", self.temperatures, context="calibration: ")
        except SpecError as error:
            raise CalibrationError(f"{error} (1: no tempering)") from None
        if not (math.isfinite(self.max_temperature) and self.max_temperature > 1):
            raise CalibrationError(f"calibration: max_temperature = {self.max_temperature!r}; "
                                   "expected a finite number above 1")
        if self.steps < 1:
            raise CalibrationError(f"calibration: steps = {self.steps}; expected at least 1")
        if not 0 <= self.burn_steps < self.steps:
            raise CalibrationError(f"calibration: burn = {self.burn_steps}; expected 0 <= burn "
                                   f"< steps ({self.steps})")

    def _checked_mapping(self, model: LoadedModel, mapping: SeriesMap,
                         columns: Sequence[str]) -> SeriesMap:
        where = f"{self.source}: mapping {mapping.variable!r}={mapping.column!r}"
        check_column(mapping.column, [c for c in columns if c != self.time_column],
                      f"{where}: column")
        variable = _resolved(model, mapping.variable, f"{where}: ")
        kind = model.variables[variable].kind
        if kind in ("lookup", "data"):
            raise CalibrationError(f"{where}: {variable!r} is {with_article(kind)}; expected a "
                                   "stock, flow, auxiliary or constant")
        if not (math.isfinite(mapping.scale) and mapping.scale > 0):
            raise CalibrationError(f"{where}: scale {mapping.scale!r}; expected a positive "
                                   "finite number")
        if mapping.scale_prior is not None:
            _check_log_bounds(mapping.scale_prior, f"{where}: scale prior")
        if mapping.offset_prior is not None:
            low, high = mapping.offset_prior
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise CalibrationError(f"{where}: offset prior [{low:g}, {high:g}]; expected "
                                       "finite bounds with low < high")
        self._check_values(mapping.column, where)
        return replace(mapping, variable=variable)

    def _check_values(self, column: str, where: str) -> None:
        values = pd.to_numeric(self.observations[column], errors="coerce")
        bad = self.observations[column][values.isna() & self.observations[column].notna()]
        if len(bad):
            raise CalibrationError(f"{where}: value {bad.iloc[0]!r} is not a number; expected "
                                   "numbers (empty cells for missing values)")
        present = values.dropna().to_numpy(dtype=np.float64)
        if present.size == 0:
            raise CalibrationError(f"{where}: no observed values; expected at least one")
        if not np.isfinite(present).all():
            raise CalibrationError(f"{where}: infinite value; expected finite numbers")
        if self.likelihood == "lognormal" and (present <= 0).any():
            raise CalibrationError(f"{where}: value {present[present <= 0][0]:g} is not "
                                   "positive; the lognormal likelihood needs positive "
                                   "values (use likelihood negbinom for counts with zeros)")
        if self.likelihood == "negbinom" and ((present < 0) | (present != np.round(present))).any():
            raise CalibrationError(f"{where}: values must be counts (integers >= 0) for the "
                                   "negbinom likelihood; expected lognormal for other data")


def _check_log_bounds(bounds: tuple[float, float], where: str) -> None:
    low, high = (float(b) for b in bounds)
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
        raise CalibrationError(f"{where} [{low:g}, {high:g}]; expected finite bounds with "
                               "0 < low < high (the prior is log-uniform)")


def _resolved(model: LoadedModel, name: str, where: str) -> str:
    try:
        return model.resolve(name)
    except UnknownVariableError:
        raise CalibrationError(f"{where}no variable {name!r} in model {model.path.name}"
                               f"{did_you_mean(name, model.variables)}") from None


def _checked_parameter(model: LoadedModel, name: str,
                       bounds: tuple[float, float] | None) -> tuple[str, tuple[float, float]]:
    resolved = _resolved(model, name, "calibration: parameter ")
    variable = model.variables[resolved]
    where = f"calibration: parameter {resolved!r}"
    if variable.kind != "constant":
        raise CalibrationError(f"{where} is {with_article(variable.kind)}; expected a constant"
                               f"{did_you_mean(name, model.constants)}")
    if bounds is None:
        declared = variable.range
        if declared is None or declared[0] is None or declared[1] is None:
            raise CalibrationError(f"{where} has no closed declared range "
                                   f"({variable.range_text() or 'none'}); give one as "
                                   "NAME=LOW:HIGH")
        low, high = float(declared[0]), float(declared[1])
        if not low < high:
            raise CalibrationError(f"{where}: declared range {variable.range_text()} is "
                                   "empty; give one as NAME=LOW:HIGH")
        return resolved, (low, high)
    try:
        return resolved, range_within(variable, float(bounds[0]), float(bounds[1]), where)
    except SdclusterError as error:  # one kind of error for every bad calibration input
        raise CalibrationError(str(error)) from None

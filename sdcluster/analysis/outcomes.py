"""The outcome language: one scalar per run, named by text, computed from its series.

:func:`parse_outcome` reads a name, :func:`evaluate_outcomes` computes it for
every member of an ensemble (the mean over each sample's replicates):

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
    onset, :func:`sdcluster.analysis.phase_summaries.phase_onsets`); a member that
    never reaches it counts as the final time (right-censored), so the
    outcome is always defined;
``takeoff``
    1 if the member reaches phase III by the final time, else 0.

Names are checked against a model when one is given: anything with a
``resolve(name, context=...)`` method (a
:class:`~sdcluster.model.loaded.LoadedModel`), so this module needs no model
loading.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from sdcluster.analysis.ensembles import onset_times
from sdcluster.analysis.entropy import ORDER_DEGREE, SYNERGY_DEGREE
from sdcluster.analysis.phase_summaries import KNOWLEDGE
from sdcluster.analysis.phases import FAR, FIRMS, PHASE_NEEDS, PHASES
from sdcluster.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from sdcluster.errors import AnalysisError, SpecError, did_you_mean
from sdcluster.names import normalize_name

FloatArray = NDArray[np.float64]


class NameResolver(Protocol):
    """What :func:`parse_outcome` needs of a model: its spelling of a name."""

    def resolve(self, name: str, *, context: str = "") -> str:
        """Return the model's name for ``name`` or raise UnknownVariableError."""
        ...


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




_STATISTICS = ("end", "max", "min", "mean")


_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\Z")


def parse_outcome(text: str, model: NameResolver | None = None) -> Outcome:
    """Read an outcome name (see the module docstring).

    Parameters
    ----------
    text : str
        ``"VARIABLE@end"``, ``"VARIABLE@30"``, ``"VARIABLE@max"`` ... or a
        name from :data:`NAMED_OUTCOMES`.
    model : NameResolver, optional
        Check variable names against it and use its spelling.

    Raises
    ------
    SpecError
        For an unknown outcome name or a malformed ``@`` suffix.
    UnknownVariableError
        For a variable the model does not have.

    """
    key = normalize_name(text)
    if key in ("takeoff time", "takeoff"):
        return Outcome(name=key, kind=key, variables=_resolved(model, PHASE_NEEDS))
    if key in NAMED_OUTCOMES:
        return parse_outcome(NAMED_OUTCOMES[key], model)
    if "@" not in text:
        raise SpecError(
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
    raise SpecError(f"outcome {text!r}: after '@' expected end, max, min, mean or a time, "
                        f"got {when!r}")


def _resolved(model: NameResolver | None, names: Iterable[str], context: str = "outcome: "
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

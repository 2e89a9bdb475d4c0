"""What a loaded model's variables are, and how they are read from PySD's translation.

:class:`Variable` (name, kind, units, declared range, documentation, default),
:class:`TimeSettings` (the clock the file declares), :class:`FeedbackLoop`, and the
functions that build them from PySD's ``doc`` table and the stock-flow structure
kept with the translation. :mod:`sdcluster.model.loaded` assembles them into a
:class:`~sdcluster.model.loaded.LoadedModel`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "LEVER_PREFIX",
    "FeedbackLoop",
    "TimeSettings",
    "Variable",
    "VariableKind",
    "time_settings",
    "variables_from_doc",
]

VariableKind = Literal["stock", "flow", "auxiliary", "constant", "lookup", "data"]

#: Documentation prefix that marks a constant as a policy lever.
LEVER_PREFIX = "policy lever"

# PySD's names for the simulation control variables; they are settings of a
# run (see TimeSettings), not model variables.
_CONTROL_PYTHON_NAMES = frozenset({"time", "initial_time", "final_time", "time_step", "saveper"})


@dataclass(frozen=True, kw_only=True)
class Variable:
    """One model variable, as declared in the model file.

    Attributes
    ----------
    name : str
        The name in the model file (Vensim name), used everywhere in sdcluster.
    python_name : str
        The name PySD gives the variable in the translated module.
    kind : str
        ``"stock"``, ``"flow"`` (a direct term of a stock's net rate that
        is not a constant), ``"auxiliary"``, ``"constant"`` (a constant inflow
        included), ``"lookup"`` or ``"data"``.
    units : str
        Declared units, without the range.
    range : tuple of (float or None, float or None), or None
        Declared range ``[min, max]``; ``None`` for an open bound, and the
        whole field is ``None`` when the model declares no range.
    documentation : str
        The variable's documentation (Vensim comment, XMILE ``<doc>``).
    default : float or None
        The value in the model file, for scalar constants; else ``None``.

    """

    name: str
    python_name: str
    kind: VariableKind
    units: str
    range: tuple[float | None, float | None] | None
    documentation: str
    default: float | None = None

    def in_range(self, value: float) -> bool:
        """Return whether ``value`` lies inside the declared range (bounds included)."""
        if self.range is None:
            return True
        low, high = self.range
        return (low is None or value >= low) and (high is None or value <= high)

    def range_text(self) -> str:
        """Return the declared range as ``[min, max]`` text (``?`` for an open bound)."""
        if self.range is None:
            return ""
        low, high = ("?" if bound is None else f"{bound:g}" for bound in self.range)
        return f"[{low}, {high}]"


@dataclass(frozen=True, kw_only=True)
class TimeSettings:
    """The simulation clock a model file declares.

    Attributes
    ----------
    initial_time, final_time : float
        Start and end of a run, in model time units.
    time_step : float
        Integration step (Euler).
    saveper : float
        Interval between saved values. For XMILE files this is read from
        ``isee:save_interval`` (PySD's reader ignores it).
    units : str
        Time units, e.g. ``"Year"``.

    """

    initial_time: float
    final_time: float
    time_step: float
    saveper: float
    units: str = ""

    def save_times(self, final_time: float | None = None) -> npt.NDArray[np.float64]:
        """Return the saved time points from the initial time to ``final_time``."""
        return _grid(self.initial_time, self.final_time if final_time is None else final_time,
                     self.saveper)

    def step_times(self, final_time: float | None = None) -> npt.NDArray[np.float64]:
        """Return the integration time points from the initial time to ``final_time``."""
        return _grid(self.initial_time, self.final_time if final_time is None else final_time,
                     self.time_step)


def _grid(start: float, stop: float, step: float) -> npt.NDArray[np.float64]:
    count = math.floor((stop - start) / step + 1e-9) + 1
    return start + step * np.arange(count, dtype=float)


@dataclass(frozen=True, kw_only=True)
class FeedbackLoop:
    """A feedback loop of the model's causal graph (:mod:`sdcluster.model.causal_loops`).

    Attributes
    ----------
    id : str
        Its number among the loops of its polarity, e.g. ``"r1"`` or ``"b3"``.
    polarity : str
        ``"reinforcing"``, ``"balancing"`` or ``"undetermined"``.
    variables : tuple of str
        The loop's variables (model names where they could be matched).

    """

    id: str
    polarity: str
    variables: tuple[str, ...]


def variables_from_doc(pysd_model: Any, structure: Mapping[str, Any]) -> dict[str, Variable]:
    """Build the variable table from PySD's ``doc`` and the stock-flow structure."""
    flow_names = {flow for flows in structure["stock_flows"].values() for flow in flows}
    variables: dict[str, Variable] = {}
    for row in pysd_model.doc.to_dict("records"):
        python_name = str(row["Py Name"])
        if python_name in _CONTROL_PYTHON_NAMES:
            continue
        name = str(row["Real Name"])
        kind = _kind(row, name in flow_names)
        variables[name] = Variable(
            name=name,
            python_name=python_name,
            kind=kind,
            units=_text(row.get("Units")),
            range=_declared_range(row.get("Limits")),
            documentation=str(structure["documentation"].get(name, _text(row.get("Comment")))),
            default=_constant_value(pysd_model, python_name) if kind == "constant" else None,
        )
    return variables


def _kind(row: Mapping[str, Any], is_flow: bool) -> VariableKind:
    pysd_type, subtype = row.get("Type"), row.get("Subtype")
    if pysd_type == "Stateful" and subtype == "Integ":
        return "stock"
    # A constant inflow (births = 2) stays a constant: a lever a scenario can set.
    if pysd_type == "Constant":
        return "constant"
    if is_flow:
        return "flow"
    if pysd_type == "Lookup":
        return "lookup"
    if pysd_type == "Data":
        return "data"
    return "auxiliary"


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _declared_range(limits: Any) -> tuple[float | None, float | None] | None:
    if not isinstance(limits, tuple) or len(limits) < 2:
        return None
    low, high = (None if b is None or not math.isfinite(float(b)) else float(b)
                 for b in limits[:2])
    return None if low is None and high is None else (low, high)


def _constant_value(pysd_model: Any, python_name: str) -> float | None:
    value = getattr(pysd_model.components, python_name)()
    return float(value) if isinstance(value, int | float | np.number) else None


def time_settings(pysd_model: Any, structure: Mapping[str, Any]) -> TimeSettings:
    """Return the clock of a translated model (SAVEPER from the XMILE file where PySD drops it)."""
    components = pysd_model.components
    time_step = float(components.time_step())
    saveper = structure.get("save_interval") or float(components.saveper())
    units = _text(pysd_model.doc.set_index("Py Name")["Units"].get("time_step"))
    return TimeSettings(
        initial_time=float(components.initial_time()),
        final_time=float(components.final_time()),
        time_step=time_step,
        saveper=float(saveper),
        units=units,
    )

"""How much each of the paper's three powers contributes to the cluster's growth.

Section 3.1 of the paper [1]_ divides the driving forces of cluster formation
into *innovation power* (internal), and *environmental* and *competitive
power* (external); external power acts directly on the cluster and
indirectly "by influencing internal power". The model follows this: its
knowledge creation is::

    knowledge creation = N · innovation power · knowledge noise
    innovation power   = base · competition effect · environment effect · internal factors

so competitive power (through the competition effect) and environmental
power (through the environment effect) multiply innovation power (the
indirect path), while environmental power also brings knowledge in directly
(knowledge absorption: the frontier reached through openness, technology
introduction and university cooperation) and competitive power directly
removes firms (destructive competition raises young and mature firm exit).

The decomposition
-----------------
Write C = knowledge creation, c = competition effect, e = environment effect
and C0 = C / (c · e), the knowledge creation the cluster's internal power
would give under neutral external conditions (c = e = 1). The logarithmic
mean Divisia index (LMDI, [2]_) splits C - C0 exactly between the two
multipliers::

    competitive   = L(C, C0) · ln c
    environmental = L(C, C0) · ln e
    L(a, b) = (a - b) / (ln a - ln b),  L(a, a) = a

so ``innovation + environmental + competitive = C`` with innovation = C0.
A multiplier below 1 (excess rivalry: c < 1) gives a negative contribution.
Adding the direct path, the *knowledge gain* credits knowledge absorption to
environmental power; the gains then sum to creation + import. Absorptive
capacity, which scales absorption, is internal; crediting all of it to the
environment is a simplification stated here so that reports can say so.

References
----------
.. [1] Wang, P. (2020). Research on the formation mechanism of innovation
   clusters based on self-organization theory. *Social Security and
   Administration Management* 1, 1-4. https://doi.org/10.23977/socsam.2020.010101
.. [2] Ang, B. W. (2005). The LMDI approach to decomposition analysis: a
   practical guide. *Energy Policy* 33(7), 867-871.
   https://doi.org/10.1016/j.enpol.2003.10.010

"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sdcluster.analysis.requirements import aligned_time_last, require_time, require_variables

#: Coordinate of the ``"power"`` dimension.
POWERS = ("innovation", "environmental", "competitive")

KNOWLEDGE_CREATION = "knowledge creation"
KNOWLEDGE_IMPORT = "knowledge absorption"
COMPETITION_EFFECT = "competition effect"
ENVIRONMENT_EFFECT = "environment effect"
YOUNG_FIRM_EXIT = "young firm exit"
MATURE_FIRM_EXIT = "mature firm exit"
DESTRUCTIVE_COMPETITION = "destructive competition"
POWER_VARIABLES = (
    KNOWLEDGE_CREATION,
    KNOWLEDGE_IMPORT,
    COMPETITION_EFFECT,
    ENVIRONMENT_EFFECT,
    YOUNG_FIRM_EXIT,
    MATURE_FIRM_EXIT,
    DESTRUCTIVE_COMPETITION,
)


def _log_mean_weight(log_ratio: np.ndarray) -> np.ndarray:
    """Return L(C, C0) / C0 = (r - 1) / ln r for ln r = ``log_ratio`` (1 at r = 1)."""
    safe = np.where(log_ratio == 0, 1.0, log_ratio)
    return np.where(log_ratio == 0, 1.0, np.expm1(safe) / safe)


def _creation_split(
    creation: np.ndarray, competition: np.ndarray, environment: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split knowledge creation into innovation, environmental, competitive parts (LMDI)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_competition = np.log(competition)
        log_environment = np.log(environment)
    # Multipliers <= 0 have no logarithm: their contributions are undefined (NaN).
    log_competition = np.where(competition > 0, log_competition, np.nan)
    log_environment = np.where(environment > 0, log_environment, np.nan)
    neutral = creation * np.exp(-(log_competition + log_environment))
    weight = neutral * _log_mean_weight(log_competition + log_environment)
    return neutral, weight * log_environment, weight * log_competition


def _along_power(parts: tuple[np.ndarray, ...], like: xr.DataArray, units: str) -> xr.DataArray:
    stacked = np.stack(parts)
    coords = {**{name: coord for name, coord in like.coords.items()}, "power": list(POWERS)}
    return xr.DataArray(stacked, dims=("power", *like.dims), coords=coords, attrs={"units": units})


def power_contributions(ds: xr.Dataset) -> xr.Dataset:
    """Return the contribution of each of the three powers (see the module docs).

    Parameters
    ----------
    ds : xarray.Dataset
        Results with ``"knowledge creation"``, ``"knowledge absorption"``,
        ``"competition effect"``, ``"environment effect"``,
        ``"young firm exit"``, ``"mature firm exit"``
        and ``"destructive competition"`` over ``"time"`` and any leading
        dimensions.

    Returns
    -------
    xarray.Dataset
        With a ``"power"`` dimension ``("innovation", "environmental",
        "competitive")`` placed first:

        ``knowledge creation`` (KU/Year)
            The indirect path: knowledge creation split by LMDI; sums over
            ``power`` to the model's knowledge creation.
        ``knowledge gain`` (KU/Year)
            As above, with knowledge absorption (the direct environmental path)
            added to the environmental part; sums to creation + absorption.
        ``knowledge gain share`` (Dmnl)
            ``knowledge gain`` over its sum (0 where the sum is 0); a share
            is negative when its power holds knowledge gain back.

        and, without the ``power`` dimension, ``destructive exit``
        (firm/Year): the part of firm exit caused by destructive
        competition, the direct path of competitive power,
        ``(young + mature firm exit) · d / (1 + d)`` for destructive
        competition d (exit pressure carries the factor 1 + d).

    Raises
    ------
    AnalysisError
        If a variable is missing.

    """
    require_time(ds)
    require_variables(ds, POWER_VARIABLES, "power contributions")
    creation, imported, competition, environment, young_exit, mature_exit, destructive = (
        aligned_time_last(ds, POWER_VARIABLES)
    )
    exit_flow = young_exit + mature_exit
    units = str(ds[KNOWLEDGE_CREATION].attrs.get("units", "KU/Year"))
    innovation, environmental, competitive = _creation_split(
        creation.values, competition.values, environment.values
    )
    gain = (innovation, environmental + imported.values, competitive)
    total_gain = creation.values + imported.values
    share = tuple(
        np.divide(part, total_gain, out=np.zeros_like(part), where=total_gain != 0) for part in gain
    )
    destructive_exit = exit_flow * destructive / (1 + destructive)
    destructive_exit.attrs = {
        "units": str(ds[MATURE_FIRM_EXIT].attrs.get("units", "firm/Year")),
        "documentation": "firm exit caused by destructive competition (competitive power, direct)",
    }
    return xr.Dataset(
        {
            "knowledge creation": _along_power(
                (innovation, environmental, competitive), creation, units
            ),
            "knowledge gain": _along_power(gain, creation, units),
            "knowledge gain share": _along_power(share, creation, "Dmnl"),
            "destructive exit": destructive_exit.rename("destructive exit"),
        }
    )

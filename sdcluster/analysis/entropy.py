"""Entropy accounting of the cluster (the paper, section 2) and its regimes.

The paper writes the entropy change of the cluster as the sum over three
subsystems, each split into internal production and exchange with the
environment (Prigogine's balance of an open system)::

    dS = dS_R + dS_K + dS_U,    dS_j = diS_j + deS_j,    diS_j >= 0

with R the innovation resources (capital and talent), K knowledge and
technology, U the actors and their coordination. The model carries these as
flows of the entropy stocks ``"Entropy R"``, ``"Entropy K"``, ``"Entropy U"``
(1/Year). This module reads them back from a results dataset.

References
----------
.. [1] Wang, P. (2020). Research on the formation mechanism of innovation
   clusters based on self-organization theory. *Social Security and
   Administration Management* 1, 1-4. https://doi.org/10.23977/socsam.2020.010101
.. [2] Prigogine, I. (1978). Time, structure, and fluctuations. *Science*
   201(4358), 777-785. https://doi.org/10.1126/science.201.4358.777

"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sdcluster.analysis.requirements import (
    aligned_time_last,
    require_time,
    require_variables,
    time_last,
)
from sdcluster.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings

#: The paper's subsystems: resources, knowledge, units (actors).
SUBSYSTEMS = ("R", "K", "U")
#: Coordinate of the ``"subsystem"`` dimension of :func:`entropy_balance`.
BALANCE_SUBSYSTEMS = (*SUBSYSTEMS, "total")
#: Entropy regimes, in the order of the model's codes 1, 0, -1.
REGIMES = ("orderly", "balanced", "disorder")
#: Label of a time point without data (NaN input, e.g. beyond a shorter run's horizon).
NO_DATA = ""

TOTAL_CHANGE = "dS total"
ORDER_DEGREE = "Order Degree"
SYNERGY_DEGREE = "synergy degree"
ENTROPY_UNITS = "1/Year"


def _flow_names(kind: str) -> list[str]:
    return [f"{kind} {subsystem}" for subsystem in SUBSYSTEMS]


def entropy_balance(ds: xr.Dataset) -> xr.Dataset:
    """Return the entropy balance per subsystem and in total.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with the model flows ``"diS R"``, ``"diS K"``, ``"diS U"``,
        ``"deS R"``, ``"deS K"``, ``"deS U"`` over ``"time"`` and any
        leading dimensions.

    Returns
    -------
    xarray.Dataset
        Variables ``diS`` (internal production, >= 0 in a valid model),
        ``deS`` (exchange with the environment; negative = negentropy
        import) and ``dS = diS + deS``, in 1/Year, each with a
        ``"subsystem"`` dimension ``("R", "K", "U", "total")`` placed first;
        ``total`` is the sum over R, K and U as in the paper's equation
        dS = (diS_R + diS_K + diS_U) + (deS_R + deS_K + deS_U).

    Raises
    ------
    AnalysisError
        If the dataset lacks ``"time"`` or any of the six flows.

    """
    require_time(ds)
    internal_names, exchange_names = _flow_names("diS"), _flow_names("deS")
    require_variables(ds, [*internal_names, *exchange_names], "entropy balance")
    arrays = aligned_time_last(ds, [*internal_names, *exchange_names])
    internal, exchange = arrays[: len(SUBSYSTEMS)], arrays[len(SUBSYSTEMS) :]
    units = str(ds[internal_names[0]].attrs.get("units", ENTROPY_UNITS))

    def stack(parts: list[xr.DataArray], name: str, meaning: str) -> xr.DataArray:
        total = sum(parts[1:], start=parts[0])
        stacked = xr.concat(
            [part.drop_attrs() for part in [*parts, total]],
            dim=xr.DataArray(list(BALANCE_SUBSYSTEMS), dims="subsystem", name="subsystem"),
        )
        stacked.attrs = {"units": units, "documentation": meaning}
        return stacked.rename(name)

    diS = stack(internal, "diS", "internal entropy production (second law: >= 0)")
    deS = stack(exchange, "deS", "entropy exchange with the environment (< 0: negentropy in)")
    dS = (diS + deS).rename("dS")
    dS.attrs = {"units": units, "documentation": "entropy change dS = diS + deS"}
    return xr.Dataset({"diS": diS, "deS": deS, "dS": dS})


def total_entropy_change(ds: xr.Dataset) -> xr.DataArray:
    """Return dS total (1/Year) with ``"time"`` last.

    The model's own ``"dS total"`` is used when present; otherwise it is
    summed from the six subsystem flows (see :func:`entropy_balance`).

    Raises
    ------
    AnalysisError
        If neither ``"dS total"`` nor all six flows are in the dataset.

    """
    require_time(ds)
    if TOTAL_CHANGE in ds.data_vars:
        return time_last(ds[TOTAL_CHANGE].astype(float))
    flows = [*_flow_names("diS"), *_flow_names("deS")]
    if any(name not in ds.data_vars for name in flows):
        require_variables(ds, [TOTAL_CHANGE], "entropy regime (dS total or the six entropy flows)")
    arrays = aligned_time_last(ds, flows)
    total = sum(arrays[1:], start=arrays[0])
    return time_last(total.rename(TOTAL_CHANGE))


def entropy_regime(ds: xr.Dataset, settings: AnalysisSettings = DEFAULT_SETTINGS) -> xr.DataArray:
    """Label each time point with the cluster's entropy regime.

    Following the paper's section 2.2: *orderly* where dS total < -ε (the
    cluster imports more negentropy than it produces entropy and evolves
    towards order), *disorder* where dS total > ε (stagnation or regress),
    *balanced* otherwise (ΔE(dS) = 0 within the tolerance ε =
    ``settings.entropy_tolerance``).

    Parameters
    ----------
    ds : xarray.Dataset
        Results with ``"dS total"`` (or the six entropy flows).
    settings : AnalysisSettings
        Supplies ε. Use :meth:`AnalysisSettings.from_dataset` to take ε from
        the model constant ``"entropy tolerance"`` instead.

    Returns
    -------
    xarray.DataArray
        Strings ``"orderly"``, ``"balanced"``, ``"disorder"``, or ``""``
        (:data:`NO_DATA`) where dS total is NaN; same dims as dS total, time last.

    """
    change = total_entropy_change(ds)
    values = change.values
    tolerance = settings.entropy_tolerance
    labels = np.select(
        [np.isnan(values), values < -tolerance, values > tolerance],
        [NO_DATA, REGIMES[0], REGIMES[2]],
        default=REGIMES[1],
    )
    regime = change.copy(data=labels).rename("entropy regime")
    regime.attrs = {
        "units": "",
        "documentation": f"entropy regime of dS total with tolerance {tolerance} 1/Year",
    }
    return regime


def order_parameters(ds: xr.Dataset) -> xr.Dataset:
    """Return the model's Order Degree and synergy degree, passed through.

    Order Degree is the order parameter 1 - mean(Entropy R, K, U); synergy
    degree is the composite-system synergy of the three subsystems. Both are
    model outputs: they are required, never recomputed here, so a report
    shows what the model computed.

    Raises
    ------
    AnalysisError
        If either variable is missing.

    """
    require_time(ds)
    require_variables(ds, [ORDER_DEGREE, SYNERGY_DEGREE], "order and synergy analysis")
    return xr.Dataset({name: time_last(ds[name]) for name in (ORDER_DEGREE, SYNERGY_DEGREE)})

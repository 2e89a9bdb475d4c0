"""What a bifurcation study returns: its dataset, and the tables and files made from it.

:class:`BifurcationResult` wraps the :class:`xarray.Dataset` of
:func:`~sdcluster.studies.bifurcation.run_bifurcation` and reads the thresholds,
hysteresis, branches and take-off probability from it; it saves and loads the
dataset as netCDF.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from sdcluster.errors import ResultsFileError
from sdcluster.results.atomic import write_atomically
from sdcluster.studies import bifurcation_analysis as bif

__all__ = ["BifurcationResult"]


@dataclass(frozen=True)
class BifurcationResult:
    """What :func:`~sdcluster.studies.bifurcation.run_bifurcation` returns: a Dataset, its readers.

    The dataset has coordinates ``lever`` (the lever values), ``initial``
    (initial states, ascending), ``quantity`` (the state, then the outputs),
    ``branch`` (``"low"``, ``"high"``), ``attractor``, and, with noise,
    ``noise`` (the levels as given), ``noise_parameter`` and ``takeoff_lever``.
    Variables: ``end`` (quantity × lever × initial), ``settled`` and ``high``
    (lever × initial, 0/1), ``attractors`` and ``n_attractors``, ``stable``
    (quantity × lever × branch), ``unstable`` with its bracket
    ``unstable_low``, ``unstable_high`` (lever; the separating initial state),
    and ``takeoff_probability``, ``takeoff_reached``, ``takeoff_ci_low``,
    ``takeoff_ci_high`` and ``noise_value``. Attributes hold the thresholds
    (``formation_threshold``, ``persistence_threshold``, each with the grid
    value below it, ``hysteresis``), the ``split_level``, the names used, the
    seed, the spec (JSON) and ``notes`` (JSON list of caveats).
    """

    dataset: xr.Dataset

    def _attr(self, name: str) -> float:
        return float(self.dataset.attrs[name])

    @property
    def formation(self) -> float:
        """Formation threshold: the lowest lever value at which the low start ends high."""
        return self._attr("formation_threshold")

    @property
    def persistence(self) -> float:
        """Persistence threshold: the lowest lever value at which the high start stays high."""
        return self._attr("persistence_threshold")

    @property
    def hysteresis(self) -> float:
        """Hysteresis width, formation − persistence."""
        return self._attr("hysteresis")

    @property
    def notes(self) -> list[str]:
        """Caveats found while analysing (e.g. runs that had not settled)."""
        return list(json.loads(self.dataset.attrs["notes"]))

    def thresholds_table(self) -> pd.DataFrame:
        """Return the thresholds, hysteresis and take-off bands, one row each.

        Columns ``quantity``, ``value``, ``low``, ``high`` (the interval the
        value lies in: for a threshold the grid step ending at it) and ``note``.
        """
        return _thresholds_table(self.dataset)

    def branches_table(self) -> pd.DataFrame:
        """Return one row per lever value: attractor count, stable branches, unstable branch."""
        return _branches_table(self.dataset)

    def takeoff_table(self) -> pd.DataFrame:
        """Return the take-off probability per noise level and lever value, with Wilson bounds."""
        ds = self.dataset
        if "takeoff_probability" not in ds:
            return pd.DataFrame(columns=["noise", "lever", "reached", "members", "probability",
                                         "low", "high"])
        frame = ds[["takeoff_reached", "takeoff_probability", "takeoff_ci_low",
                    "takeoff_ci_high"]].to_dataframe().reset_index()
        frame = frame.rename(columns={"takeoff_lever": "lever", "takeoff_reached": "reached",
                                      "takeoff_probability": "probability",
                                      "takeoff_ci_low": "low", "takeoff_ci_high": "high"})
        frame.insert(3, "members", int(ds.attrs["members"]))
        return frame[["noise", "lever", "reached", "members", "probability", "low", "high"]]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the dataset to a netCDF file, atomically.

        Raises
        ------
        ResultsFileError
            If the file cannot be written.

        """
        return write_atomically(path, lambda temporary: self.dataset.to_netcdf(
            temporary, engine="netcdf4"), what="the bifurcation results")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BifurcationResult:
        """Read a file written by :meth:`save`.

        Raises
        ------
        ResultsFileError
            If it is missing or not a bifurcation results file.

        """
        try:
            dataset = xr.load_dataset(path, engine="netcdf4")
        except (OSError, ValueError) as error:
            raise ResultsFileError(f"{path}: cannot read bifurcation results ({error})") from None
        if "formation_threshold" not in dataset.attrs:
            raise ResultsFileError(f"{path}: not a bifurcation results file")
        return cls(dataset)


def _threshold_rows(ds: xr.Dataset) -> list[dict[str, Any]]:
    attrs, lever = ds.attrs, ds.attrs["lever"]
    form, form_below = attrs["formation_threshold"], attrs["formation_below"]
    keep, keep_below = attrs["persistence_threshold"], attrs["persistence_below"]
    return [
        {"quantity": "formation threshold", "value": form, "low": form_below, "high": form,
         "note": f"lowest {lever} at which the run from {ds['initial'].values[0]:g} ends high"},
        {"quantity": "persistence threshold", "value": keep, "low": keep_below, "high": keep,
         "note": f"lowest {lever} at which the run from {ds['initial'].values[-1]:g} stays high"},
        {"quantity": "hysteresis width", "value": attrs["hysteresis"],
         "low": form_below - keep, "high": form - keep_below, "note": "formation − persistence"},
        {"quantity": "split level", "value": attrs["split_level"], "low": math.nan,
         "high": math.nan, "note": f"{attrs['state']} above it counts as the high branch"},
    ]


def _takeoff_rows(ds: xr.Dataset) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if "takeoff_probability" not in ds:
        return rows
    grid = ds["takeoff_lever"].values
    for level in ds["noise"].values:
        probability = ds["takeoff_probability"].sel(noise=level).values
        low, high = bif.probability_band(grid, probability)
        label = f"noise {level:g}{'x' if ds.attrs['noise_relative'] else ''}"
        rows.append({"quantity": f"take-off 5-95 % band ({label})", "value": high - low,
                     "low": low, "high": high, "note": "lever values where 5 % < P < 95 %"})
        rows.append({"quantity": f"take-off 50 % ({label})",
                     "value": bif.probability_crossing(grid, probability), "low": math.nan,
                     "high": math.nan, "note": "lever at which P first reaches 1/2"})
    return rows


def _thresholds_table(ds: xr.Dataset) -> pd.DataFrame:
    return pd.DataFrame(_threshold_rows(ds) + _takeoff_rows(ds),
                        columns=["quantity", "value", "low", "high", "note"])


def _branches_table(ds: xr.Dataset) -> pd.DataFrame:
    lever = str(ds.attrs["lever"])
    frame = pd.DataFrame({lever: ds["lever"].values,
                          "attractors": ds["n_attractors"].values})
    for quantity in ds["quantity"].values:
        for branch in ("low", "high"):
            values = ds["stable"].sel(quantity=quantity, branch=branch).values
            frame[f"{quantity} ({branch} branch)"] = values
    frame[f"{ds.attrs['state']} (unstable branch)"] = ds["unstable"].values
    return frame

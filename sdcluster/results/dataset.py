"""Simulation results: an xarray Dataset plus the metadata to reproduce it.

The Dataset has dims ``("scenario", "time")`` for scenario runs (ensembles use
``"member"`` instead of ``"scenario"``), one data variable per model variable
keyed by its model name, each with attrs ``units``, ``documentation`` and
``python_name``. Metadata records the model file and its SHA-256, the
scenarios as TOML-equivalent dicts, seeds, package versions and a timestamp.

Engines build :class:`Results` (:func:`sdcluster.engine.run.run_scenarios`);
:meth:`Results.save` and :meth:`Results.load` keep them in netCDF (written
atomically).
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from sdcluster.errors import ResultsFileError, first_line
from sdcluster.results.atomic import write_atomically
from sdcluster.results.netcdf_names import decode_names, encode_names

# Where the metadata lives in a netCDF file (model names: sdcluster.results.netcdf_names).
#: The ensemble dim: every engine and study names members with it.
MEMBER_DIM = "member"

_METADATA_ATTR = "sdcluster_metadata"

_VERSIONED_PACKAGES = ("sdcluster", "pysd", "numpy", "pandas", "xarray", "netCDF4", "pysimlin")


@dataclass(frozen=True, kw_only=True)
class Results:
    """Simulation output and how it was made.

    Attributes
    ----------
    dataset : xarray.Dataset
        Dims ``("scenario", "time")`` (or ``("member", "time")``).
    metadata : Mapping
        ``model_path``, ``model_sha256``, ``scenarios`` (list of dicts),
        ``seeds`` (scenario name -> seed or None), ``versions``,
        ``created`` (ISO 8601, UTC) and ``engine``.

    """

    dataset: xr.Dataset
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def scenarios(self) -> tuple[str, ...]:
        """Return the scenario names (empty for an ensemble)."""
        if "scenario" not in self.dataset.coords:
            return ()
        return tuple(str(s) for s in self.dataset["scenario"].values)

    def to_dataframe(self) -> pd.DataFrame:
        """Return the data in tidy form.

        Columns: the leading dims (``scenario`` or ``member``), ``time``,
        ``variable`` and ``value``; one row per value.
        """
        dims = [d for d in self.dataset.dims if d != "time"] + ["time"]
        stacked = self.dataset.to_dataarray("variable").transpose(*dims, "variable")
        frame = stacked.to_dataframe("value").reset_index()
        return frame[[*dims, "variable", "value"]]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the results to a netCDF file, atomically.

        Raises
        ------
        ResultsFileError
            If the folder does not exist or cannot be written.

        """
        target = Path(path)
        encoded = encode_names(self.dataset)
        encoded.attrs[_METADATA_ATTR] = json.dumps(self.metadata, default=str)
        write_atomically(
            target, lambda path: encoded.to_netcdf(path, engine="netcdf4"), what="results"
        )
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Results:
        """Read results written by :meth:`save`.

        Raises
        ------
        ResultsFileError
            If the file is missing, not netCDF, or not an sdcluster results file.

        """
        source = Path(path)
        if not source.is_file():
            raise ResultsFileError(f"{source}: results file not found")
        try:
            with xr.open_dataset(source, engine="netcdf4") as stored:
                dataset = stored.load()
        except (OSError, ValueError) as error:
            raise ResultsFileError(f"{source}: not a readable netCDF file ({error})") from None
        if _METADATA_ATTR not in dataset.attrs:
            raise ResultsFileError(f"{source}: not an sdcluster results file "
                                   f"(no {_METADATA_ATTR} attribute)")
        try:
            metadata = json.loads(str(dataset.attrs.pop(_METADATA_ATTR)))
        except ValueError as error:
            raise ResultsFileError(f"{source}: the {_METADATA_ATTR} attribute is not valid JSON "
                                   f"({first_line(error)})") from None
        if not isinstance(metadata, dict):
            raise ResultsFileError(f"{source}: the {_METADATA_ATTR} attribute holds "
                                   f"{type(metadata).__name__}; expected a JSON object")
        return cls(dataset=decode_names(dataset), metadata=metadata)


def package_versions() -> dict[str, str]:
    """Return the versions of Python and the packages that shape results."""
    versions = {"python": platform.python_version()}
    for package in _VERSIONED_PACKAGES:
        try:
            versions[package] = package_metadata.version(package)
        except package_metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions



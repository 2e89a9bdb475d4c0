"""One codec keeps model names through netCDF (results files and chunk files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from sdcluster.results.netcdf_names import NAME_ATTR, decode_names, encode_names

AWKWARD = ("a/b", " leading blank", "trailing blank ", "_underscore", "tab\tname", "var0")


def _dataset() -> xr.Dataset:
    data = {name: ("time", np.arange(3.0) + k) for k, name in enumerate(AWKWARD)}
    data["Innovative Firms"] = ("time", np.ones(3))
    return xr.Dataset(data, coords={"time": [0.0, 0.5, 1.0], "odd/coord": ("time", [1, 2, 3])})


def test_awkward_names_survive_a_netcdf_file(tmp_path: Path) -> None:
    path = tmp_path / "names.nc"
    encode_names(_dataset()).to_netcdf(path)
    with xr.open_dataset(path) as stored:
        back = decode_names(stored.load())
    xr.testing.assert_identical(back, _dataset())


def test_plain_names_and_dimensions_are_kept() -> None:
    encoded = encode_names(_dataset())
    assert "Innovative Firms" in encoded and "time" in encoded.dims
    assert "var0" in encoded  # a model name that looks like a stand-in is not taken
    assert all(NAME_ATTR not in encoded[name].attrs for name in ("Innovative Firms", "var0"))


def test_chunk_files_of_earlier_versions_are_read() -> None:
    old = xr.Dataset({"_sdcluster_var0": ("time", [1.0], {"sdcluster_chunk_name": "a/b"})})
    assert list(decode_names(old).data_vars) == ["a/b"]
    assert decode_names(old)["a/b"].attrs == {}

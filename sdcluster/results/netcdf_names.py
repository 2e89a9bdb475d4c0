"""Model names in netCDF files: one codec for results files and chunk files.

netCDF cannot hold every name a model uses ('/', control characters, leading or
trailing blanks, a leading underscore). Such a variable is stored under a plain
stand-in name (``var3``) with its model name in the attribute
:data:`NAME_ATTR`, and renamed back on reading. Dimensions are never renamed:
sdcluster's dimensions (``time``, ``scenario``, ``member``, ...) are plain.
"""

from __future__ import annotations

import re
from typing import Any

import xarray as xr

#: Attribute that keeps a variable's model name when netCDF cannot hold it.
NAME_ATTR = "sdcluster_name"
#: The attribute earlier chunk files used; still read, never written.
_OLD_CHUNK_NAME_ATTR = "sdcluster_chunk_name"
#: Names netCDF stores as they are: no '/', no control characters, no leading
#: or trailing blanks, not starting with an underscore.
PLAIN_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 _.,()+*\-]*[A-Za-z0-9_.,()+*\-])?\Z")


def encode_names(dataset: xr.Dataset) -> xr.Dataset:
    """Return ``dataset`` with every name netCDF cannot hold replaced by a stand-in.

    Parameters
    ----------
    dataset : xarray.Dataset
        Data variables and coordinates under their model names.

    Returns
    -------
    xarray.Dataset
        A copy; renamed variables carry their model name in :data:`NAME_ATTR`.

    """
    taken = {str(name) for name in dataset.variables}
    renames: dict[Any, str] = {}
    for index, name in enumerate(dataset.variables):
        if name in dataset.dims or PLAIN_NAME.match(str(name)):
            continue
        safe = f"var{index}"
        while safe in taken:
            safe += "_"
        taken.add(safe)
        renames[name] = safe
    encoded = dataset.copy()
    for name in renames:
        encoded[name].attrs[NAME_ATTR] = str(name)
    return encoded.rename(renames)


def decode_names(dataset: xr.Dataset) -> xr.Dataset:
    """Return ``dataset`` with the model names :func:`encode_names` stored restored."""
    renames: dict[Any, str] = {}
    for name, variable in dataset.variables.items():
        for attr in (NAME_ATTR, _OLD_CHUNK_NAME_ATTR):
            if attr in variable.attrs:
                renames[name] = str(variable.attrs[attr])
    decoded = dataset.rename(renames)
    for name in renames.values():
        for attr in (NAME_ATTR, _OLD_CHUNK_NAME_ATTR):
            decoded[name].attrs.pop(attr, None)
    return decoded

"""External data of the batch engine's plan: GET XLS/GET DIRECT values as PySD loads them.

PySD reads a ``GET XLS CONSTANTS``/``GET DIRECT CONSTANTS`` value, a ``GET
XLS LOOKUPS``/``GET DIRECT LOOKUPS`` table and a ``GET XLS DATA``/``GET
DIRECT DATA`` series from its file when the model initializes, into an
``ExtConstant``, ``ExtLookup`` or ``ExtData`` object (``_ext_constant_<name>``,
``_ext_lookup_<name>``, ``_ext_data_<name>``). The loaded model
(:attr:`~sdcluster.model.loaded.LoadedModel.pysd_model`) holds those objects,
read from the files next to the user's model; the batch engine takes their
values from there, so both engines compute with the same numbers: a
constant becomes a number of the plan, a table or a series a
:class:`~sdcluster.engine.batch_plan.LookupSpec` (a series one of TIME, as
PySD's ``Data`` interpolates or holds it). Nothing here reads a file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from sdcluster.engine.batch_plan import LookupSpec, refusal
from sdcluster.model.loaded import LoadedModel

__all__ = ["DATA_METHODS", "KINDS", "external_constant", "external_fingerprint",
           "external_table"]

#: PySD's interpolation methods of DATA series that are the engine's lookup methods:
#: PySD's ``Data`` interpolates or holds as its ``Lookups`` do, holding the ends.
DATA_METHODS = ("interpolate", "hold_backward")


#: The PySD object of an element by the kind of its values: the prefix of its name, the
#: construct for messages, the dimension of its table.
KINDS: dict[str, tuple[str, str, str]] = {
    "constant": ("_ext_constant_", "GET CONSTANTS", ""),
    "lookup": ("_ext_lookup_", "GET LOOKUPS", "lookup_dim"),
    "data": ("_ext_data_", "GET DATA", "time"),
    "tab data": ("_data_", "DATA variables", "time"),
}


def _external(model: LoadedModel, kind: str, identifier: str, element: str) -> Any:
    """Return the loaded PySD object of an element, or refuse by name."""
    prefix, construct, _ = KINDS[kind]
    found = getattr(model.pysd_model.components, f"{prefix}{identifier}", None)
    if found is None or getattr(found, "data", None) is None:
        raise refusal(Path(model.path), f"{construct} values PySD did not load", element)
    return found


def external_constant(model: LoadedModel, identifier: str, element: str) -> float:
    """Return the value of a GET XLS/GET DIRECT CONSTANTS as PySD loaded it.

    Raises
    ------
    UnsupportedConstructError
        If the value is not a single number (an array of a subscripted
        constant) or PySD holds no such object.

    """
    data = _external(model, "constant", identifier, element).data
    if not isinstance(data, float | int | np.floating | np.integer):
        raise refusal(Path(model.path), "GET CONSTANTS of an array", element)
    return float(data)


def external_table(model: LoadedModel, kind: str, identifier: str, element: str,
                   name: str) -> LookupSpec:
    """Return a GET LOOKUPS table or a DATA series (GET DATA or a data file) as PySD loaded it.

    Parameters
    ----------
    model
        The loaded model, whose PySD objects hold the values.
    kind
        ``"lookup"``, ``"data"`` (GET XLS/GET DIRECT DATA) or ``"tab data"``
        (a DATA variable read from the model's data files).
    identifier
        The element's Python name.
    element
        The element's model name, for messages.
    name
        The lookup's name in the generated code.

    Raises
    ------
    UnsupportedConstructError
        If the table has missing values, is an array, or (DATA) uses a
        method other than :data:`DATA_METHODS`.

    """
    external = _external(model, kind, identifier, element)
    _, construct, dimension = KINDS[kind]
    method = "interpolate" if kind == "lookup" else str(external.interp)
    if method not in DATA_METHODS:
        raise refusal(Path(model.path), f"{construct} with the method {method!r}", element)
    data = external.data
    if getattr(data, "dims", None) != (dimension,):
        raise refusal(Path(model.path), f"{construct} of an array", element)
    x = np.asarray(data.coords[dimension].values, dtype=np.float64)
    y = np.asarray(data.values, dtype=np.float64)
    if not (np.isfinite(x).all() and np.isfinite(y).all()) or np.any(np.diff(x) <= 0):
        raise refusal(Path(model.path), f"{construct} with missing values", element)
    return LookupSpec(name, tuple(x.tolist()), tuple(y.tolist()), method)


def external_fingerprint(model: LoadedModel) -> str:
    """Return a digest of every external value PySD loaded (GET XLS/DIRECT, DATA files).

    A plan holds these values, so a plan made for one load of a model is
    valid for another load only if the files held the same values (the
    model file's hash does not say so: the files are read at every load).
    """
    digest = hashlib.sha256()
    components = model.pysd_model.components
    names = sorted(name for name in dir(components) if name.startswith(("_ext_", "_data_")))
    for name in names:
        data = getattr(getattr(components, name), "data", None)
        digest.update(name.encode())
        if data is None:
            continue
        for array in (getattr(data, "values", data),
                      *(data.coords[dim].values for dim in getattr(data, "dims", ()))):
            digest.update(np.ascontiguousarray(np.asarray(array, dtype=np.float64)).tobytes())
    return digest.hexdigest()

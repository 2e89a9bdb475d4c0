"""Data files: the values of a model's ``DATA`` variables, as PySD's ``data_files`` reads them.

A Vensim ``DATA`` variable without an equation (``demand:INTERPOLATE::=``)
takes its values from a file given when the model is loaded, not from the
model file. PySD reads tab-separated (``.tab``) or comma-separated (``.csv``)
tables with a ``Time`` column and one column per variable (or the same
transposed: one row per variable), and netCDF (``.nc``) files holding the
variable by its Python name; between the file's times it interpolates, holds
or looks forward as the variable's keyword says.

The files are given as PySD accepts them: one path, a list of paths (each
``DATA`` variable is read from the first file holding it), or a mapping
``{path: [variable, ...]}`` (each variable read from its file). Paths are
resolved against the current folder when the model is loaded and are never
copied: the translation cache holds the model's translation only, and the data
are read again at every load (:func:`load_data_files`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from sdcluster.errors import DataFileError, first_line
from sdcluster.names import normalize_name

__all__ = [
    "DATA_FILE_SUFFIXES",
    "DataFile",
    "DataFiles",
    "DataFilesLike",
    "data_files_of",
    "load_data_files",
]

#: The suffixes PySD reads data files by (as PySD spells them: lower case).
DATA_FILE_SUFFIXES = (".tab", ".csv", ".nc")

_PathLike: TypeAlias = str | os.PathLike[str]
#: What ``data_files=`` accepts: a path, paths, or ``{path: [variable, ...]}``.
DataFilesLike: TypeAlias = "_PathLike | Sequence[_PathLike] | Mapping[_PathLike, Sequence[str] | str] | DataFiles"  # noqa: E501


@dataclass(frozen=True, kw_only=True)
class DataFile:
    """One data file as it was read.

    Attributes
    ----------
    path : Path
        The file, absolute.
    sha256 : str
        SHA-256 of its content when the model was loaded.
    variables : tuple of str, or None
        The ``DATA`` variables read from it (the mapping form), or ``None``
        for any variable it holds (the list form).

    """

    path: Path
    sha256: str
    variables: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DataFiles:
    """The data files of a loaded model (none by default); picklable, compared by content.

    Attributes
    ----------
    files : tuple of DataFile
        In the order given: a variable is read from the first file holding it
        unless the files name their variables.

    """

    files: tuple[DataFile, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.files)

    @property
    def by_variable(self) -> bool:
        """Return whether each file names the variables read from it (the mapping form)."""
        return bool(self.files) and self.files[0].variables is not None

    @property
    def paths(self) -> tuple[Path, ...]:
        """Return the files' absolute paths."""
        return tuple(f.path for f in self.files)

    def for_pysd(self) -> list[str] | dict[str, list[str]] | None:
        """Return the files in the form of PySD's ``data_files`` argument."""
        if not self.files:
            return None
        if self.by_variable:
            return {str(f.path): list(f.variables or ()) for f in self.files}
        return [str(f.path) for f in self.files]

    def describe(self) -> list[dict[str, Any]]:
        """Return the files as plain data (results metadata): path, SHA-256, variables."""
        return [{"path": str(f.path), "sha256": f.sha256,
                 "variables": None if f.variables is None else list(f.variables)}
                for f in self.files]


def data_files_of(given: DataFilesLike | None, model_path: Path) -> DataFiles:
    """Return the data files ``given`` names, checked and resolved, with their content hashes.

    Parameters
    ----------
    given : path, sequence of paths, mapping of path to variable names, DataFiles or None
        As :func:`sdcluster.load_model` takes them. Relative paths are
        resolved against the current folder.
    model_path : Path
        The model file (named in errors).

    Raises
    ------
    DataFileError
        If a file is missing or unreadable, has a suffix PySD does not read,
        or the mapping names no variable for a file.

    """
    if given is None:
        return DataFiles()
    if isinstance(given, DataFiles):
        # Read again: the hashes are of the files as they are now.
        return DataFiles(tuple(_data_file(model_path, f.path, f.variables) for f in given.files))
    if isinstance(given, str | os.PathLike):
        return DataFiles((_data_file(model_path, given, None),))
    if isinstance(given, Mapping):
        files = []
        for path, names in given.items():
            variables = (names,) if isinstance(names, str) else tuple(names or ())
            if not variables or not all(isinstance(v, str) and v for v in variables):
                raise DataFileError(
                    f"{model_path}: data file {str(path)!r}: expected a list of the DATA "
                    f"variables to read from it, got {names!r}")
            files.append(_data_file(model_path, path, variables))
        return DataFiles(tuple(files))
    if isinstance(given, Sequence) and all(isinstance(p, str | os.PathLike) for p in given):
        return DataFiles(tuple(_data_file(model_path, p, None) for p in given))
    raise DataFileError(f"{model_path}: data_files must be a path, a list of paths or a "
                         f"mapping {{path: [variable, ...]}}; got {type(given).__name__}")


def _data_file(model_path: Path, given: _PathLike, variables: tuple[str, ...] | None) -> DataFile:
    path = Path(given).expanduser()
    if path.suffix not in DATA_FILE_SUFFIXES:
        raise DataFileError(
            f"{model_path}: data file {str(given)!r}: expected a .tab, .csv or .nc "
            "file (tab- or comma-separated with a Time column, or netCDF), as PySD reads them")
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(f"{model_path}: data file {str(given)!r} not found (looked for "
                            f"{path.resolve()})", path=str(path)) from None
    except OSError as error:
        raise DataFileError(f"{model_path}: cannot read data file {str(given)!r} "
                            f"({error.strerror})", path=str(path)) from None
    return DataFile(path=path.resolve(), sha256=hashlib.sha256(content).hexdigest(),
                    variables=variables)


def load_data_files(pysd_model: Any, data_files: DataFiles, model_path: Path) -> None:
    """Read the values of every ``DATA`` variable of an uninitialised PySD model from its files.

    What ``pysd.load(..., data_files=...)`` does, with errors that name the
    file and the variable. The model remembers the files as PySD's own
    ``data_files`` (its ``copy()`` and ``reload()`` read them again).

    Raises
    ------
    DataFileError
        If the mapping names a variable that is not a ``DATA`` variable of
        the model, a file cannot be read as data, a variable is in none of
        the files, or the model has ``DATA`` variables and no files are given.

    """
    from pysd.py_backend.data import Columns

    elements = list(pysd_model._data_elements)
    Columns.clean()  # PySD remembers each file's columns by path: read the files as they are now
    pysd_form: list[str] | dict[str, list[str]] | None = data_files.for_pysd()
    if data_files.by_variable:
        pysd_form = {}  # by the model's own spelling, which PySD's reload() matches
        by_key = {normalize_name(name): e for e in elements for name in (e.real_name, e.py_name)}
        for file in data_files.files:
            for name in file.variables or ():
                element = by_key.get(normalize_name(name))
                if element is None:
                    known = [str(e.real_name) for e in elements]
                    listed = (f"; its DATA variables: {', '.join(map(repr, known))}" if known
                              else "; the model has none")
                    raise DataFileError(
                        f"{model_path}: data file {file.path.name!r}: {name!r} is not a DATA "
                        f"variable of the model{listed}", path=str(file.path), variables=(name,))
                _load_element(element, (file.path,), model_path)
                pysd_form.setdefault(str(file.path), []).append(str(element.real_name))
    elif data_files:
        if not elements:
            names = ", ".join(repr(p.name) for p in data_files.paths)
            raise DataFileError(f"{model_path}: data files were given ({names}) but the model has "
                                "no DATA variables to read from them",
                                path=str(data_files.paths[0]))
        for element in elements:
            _load_element(element, data_files.paths, model_path)
    unread = sorted(str(e.real_name) for e in elements if getattr(e, "data", None) is None)
    if unread:
        how = ("name them in the data files mapping" if data_files else
               "pass the files holding them with --data-files FILE (data_files= in Python)")
        raise DataFileError(
            f"{model_path}: the model's DATA variable(s) {', '.join(map(repr, unread))} have no "
            f"data: {how}", variables=tuple(unread))
    pysd_model.data_files = pysd_form


def _load_element(element: Any, paths: Sequence[Path], model_path: Path) -> None:
    """Read one DATA variable from the first of ``paths`` holding it."""
    for path in paths:
        try:
            element.load_data(str(path))
        except ValueError as error:
            if "not found in" in str(error):
                continue  # PySD: the variable is not a column of this file
            raise _unreadable(model_path, path, error) from None
        except Exception as error:
            raise _unreadable(model_path, path, error) from None
        _check_values(element, path, model_path)
        return
    where = ", ".join(repr(p.name) for p in paths)
    raise DataFileError(
        f"{model_path}: the DATA variable {str(element.real_name)!r} is in none of the data "
        f"files {where}: expected a column (or row) named {str(element.real_name)!r} beside "
        "the Time column", path=str(paths[0]), variables=(str(element.real_name),))


def _check_values(element: Any, path: Path, model_path: Path) -> None:
    """Refuse data PySD would read but not run on: text, gaps, times out of order.

    PySD fills no gaps in data files (a missing value would become NaN in the
    run) and interpolates along the times as they are listed.
    """
    import numpy as np

    name = str(element.real_name)
    where = f"{model_path}: data file {path.name!r}, DATA variable {name!r}"
    data = element.data
    try:
        values = np.asarray(data.values, dtype=float)
        times = np.asarray(data["time"].values, dtype=float)
    except (TypeError, ValueError) as error:
        raise DataFileError(f"{where}: expected numbers at every time ({first_line(error)})",
                            path=str(path), variables=(name,)) from None
    if len(times) == 0 or not np.isfinite(times).all() or (np.diff(times) <= 0).any():
        raise DataFileError(f"{where}: expected its times in increasing order, got "
                            f"{', '.join(f'{t:g}' for t in times[:6])}",
                            path=str(path), variables=(name,))
    gaps = ~np.isfinite(values.reshape(len(times), -1)).all(axis=1)
    if gaps.any():
        raise DataFileError(f"{where}: no value at time {times[int(np.argmax(gaps))]:g} "
                            "(PySD does not fill gaps in data files); expected a number at "
                            "every time", path=str(path), variables=(name,))
    element.data = data.astype(float)


def _unreadable(model_path: Path, path: Path, error: BaseException) -> DataFileError:
    text = first_line(error).strip() or type(error).__name__
    return DataFileError(
        f"{model_path}: cannot read data file {path.name!r} ({text}); expected a tab- or "
        "comma-separated table with a Time column and one column per DATA variable, or netCDF",
        path=str(path))

"""Load a system-dynamics model and describe its variables.

:func:`load_model` translates a Vensim (``.mdl``) or XMILE model with PySD and
returns a :class:`LoadedModel`: the live PySD model plus a table of every
variable's Vensim name, Python name, kind, units, declared range and
documentation, the clock the file declares, and PySD's parsed abstract model.

Translation is cached outside the model's folder, keyed by the file's content
(:mod:`sdcluster.model.cache`); a damaged cache entry is translated again
(:mod:`sdcluster.model.reading`, which also checks the file before anything
reads it).
"""

from __future__ import annotations

import functools
import hashlib
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sdcluster.errors import (
    ModelFileError,
    UnknownVariableError,
    did_you_mean,
)
from sdcluster.model.cache import (
    MODEL_FORMATS,
    cached_translation,
    default_cache_dir,
    discard_entry,
    read_abstract_model,
)
from sdcluster.model.data_files import DataFiles, DataFilesLike, data_files_of
from sdcluster.model.paths import builtin_model_path
from sdcluster.model.reading import load_cached, load_translated, read_model_file
from sdcluster.model.variables import (
    LEVER_PREFIX,
    FeedbackLoop,
    TimeSettings,
    Variable,
    VariableKind,
    time_settings,
    variables_from_doc,
)
from sdcluster.names import normalize_name

__all__ = [
    "MODEL_FORMATS",
    "LoadedModel",
    "default_cache_dir",
    "load_model",
]

#: The control variables that set a run's clock (equations in some models).
_CLOCK_PYTHON_NAMES = ("initial_time", "final_time", "time_step", "saveper")


class LoadedModel:
    """A translated model: the live PySD model and what its file declares.

    Create one with :func:`load_model`. Names given to any method may be
    spelled as in the model file, in any case, with spaces or underscores,
    or as the PySD Python name.

    Parameters
    ----------
    path : Path
        The model file the user gave.
    sha256 : str
        SHA-256 of the file's content (the cache key).
    pysd_model : pysd.py_backend.model.Model
        The translated PySD model.
    variables : Mapping[str, Variable]
        Every model variable, by name.
    stock_flows : Mapping[str, tuple of str]
        For each stock, the flows that are direct terms of its net rate.
    time : TimeSettings
        The clock the file declares.
    data_files : DataFiles, optional
        The files the values of the model's ``DATA`` variables were read from
        (:mod:`sdcluster.model.data_files`); every run of this model, and every
        copy a worker loads, reads the same files.

    """

    def __init__(
        self,
        *,
        path: Path,
        sha256: str,
        pysd_model: Any,
        variables: Mapping[str, Variable],
        stock_flows: Mapping[str, tuple[str, ...]],
        time: TimeSettings,
        data_files: DataFiles | None = None,
    ) -> None:
        self.path = path
        self.data_files = DataFiles() if data_files is None else data_files
        self.sha256 = sha256
        self.pysd_model = pysd_model
        self.variables: Mapping[str, Variable] = dict(variables)
        self.stock_flows: Mapping[str, tuple[str, ...]] = dict(stock_flows)
        self.time = time
        self._by_key: dict[str, str] = {}
        for variable in self.variables.values():
            self._by_key.setdefault(normalize_name(variable.python_name), variable.name)
        for variable in self.variables.values():
            self._by_key[normalize_name(variable.name)] = variable.name

    def __repr__(self) -> str:
        return f"LoadedModel({str(self.path)!r}, {len(self.variables)} variables)"

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize_name(name) in self._by_key

    @property
    def format(self) -> str:
        """Return ``"vensim"`` or ``"xmile"``."""
        return MODEL_FORMATS[self.path.suffix.lower()]

    @property
    def is_builtin(self) -> bool:
        """Return whether this is the built-in model (or its XMILE twin)."""
        return self.path.resolve().parent == builtin_model_path().resolve().parent

    @property
    def translated_path(self) -> Path:
        """Return the path of PySD's translated Python module (inside the cache)."""
        return Path(self.pysd_model.py_model_file)

    def abstract_model(self) -> Any:
        """Return PySD's parsed ``AbstractModel`` of the file, kept in the translation cache.

        The translator's tree (sections, elements, their abstract syntax) from
        which PySD built the translated module; the batch engine builds its
        plan from it, so a file is parsed once. Each call unpickles a fresh
        copy (about a millisecond for the built-in model), which the caller may
        change. A missing or damaged pickle heals as the rest of the cache
        does: the file is translated again.

        Raises
        ------
        ModelFileError
            If the pickle is damaged and the model file has changed since it
            was loaded (load it again).

        """
        entry = self.translated_path.parent
        try:
            return read_abstract_model(entry)
        except ModelFileError:
            pass
        content = read_model_file(self.path)
        if hashlib.sha256(content).hexdigest() != self.sha256:
            raise ModelFileError(
                f"{self.path}: the translation cache entry is damaged and the file changed "
                "since it was loaded; load it again"
            )
        discard_entry(entry)
        entry, _ = cached_translation(self.path, content, self.sha256, entry.parent.parent)
        return read_abstract_model(entry)

    def clock_for(self, overrides: Mapping[str, Any]) -> TimeSettings:
        """Return the clock of a run with ``overrides``: control variables that are equations.

        ``FINAL TIME = horizon`` runs to the overridden ``horizon``, as in Vensim
        and PySD. Only when a control variable depends on an overridden
        constant is the model evaluated again (on a fresh copy, so this model
        is untouched); otherwise the declared clock is returned. A constant
        given as a series (a step) counts with its initial value.

        Parameters
        ----------
        overrides : mapping
            Model name -> value (a number, or a series whose first value counts).

        """
        python = {self.variables[name].python_name: value for name, value in overrides.items()
                  if name in self.variables}
        dependencies = self.pysd_model.dependencies
        affected: set[str] = set()
        for _ in _CLOCK_PYTHON_NAMES:  # transitively: SAVEPER = TIME STEP = f(constant)
            affected |= {c for c in _CLOCK_PYTHON_NAMES
                         if set(dependencies.get(c, {})) & (set(python) | affected)}
        if not affected:
            return self.time
        fresh = load_translated(self.path, self.translated_path, self.data_files)
        fresh.set_components({k: float(np.asarray(v, dtype=float).reshape(-1)[0])
                              for k, v in python.items()})
        def value(name: str) -> float:
            return (float(getattr(fresh.components, name)()) if name in affected
                    else float(getattr(self.time, name)))

        return TimeSettings(initial_time=value("initial_time"), final_time=value("final_time"),
                            time_step=value("time_step"), saveper=value("saveper"),
                            units=self.time.units)

    def names_of_kind(self, kind: VariableKind) -> tuple[str, ...]:
        """Return the names of all variables of one kind, in PySD's (alphabetical) order."""
        return tuple(v.name for v in self.variables.values() if v.kind == kind)

    @property
    def stocks(self) -> tuple[str, ...]:
        """Return the names of the stocks."""
        return self.names_of_kind("stock")

    @property
    def flows(self) -> tuple[str, ...]:
        """Return the names of the flows."""
        return self.names_of_kind("flow")

    @property
    def constants(self) -> tuple[str, ...]:
        """Return the names of the constants."""
        return self.names_of_kind("constant")

    @property
    def levers(self) -> tuple[str, ...]:
        """Return the policy levers.

        Constants whose documentation starts with "Policy lever"; a model
        without such documentation gets every constant with a declared range.
        """
        constants = [self.variables[name] for name in self.constants]
        marked = [v.name for v in constants
                  if v.documentation.strip().lower().startswith(LEVER_PREFIX)]
        if marked:
            return tuple(marked)
        return tuple(v.name for v in constants if v.range is not None)

    def resolve(self, name: str, *, context: str = "") -> str:
        """Return the model's own spelling of ``name``.

        Parameters
        ----------
        name : str
            A variable name in any case, with spaces or underscores, or a
            Python name.
        context : str
            Text put before the error message, e.g. ``"scenarios/x.toml: "``.

        Raises
        ------
        UnknownVariableError
            If no variable matches; the message lists the closest names.

        """
        found = self._by_key.get(normalize_name(name))
        if found is None:
            raise UnknownVariableError(
                f"{context}unknown variable {name!r} in model {self.path.name}"
                f"{did_you_mean(name, self.variables)}"
            )
        return found

    @functools.cached_property
    def may_be_missing(self) -> frozenset[str]:
        """Return the variables that may be Vensim's ``:NA:`` (:mod:`sdcluster.model.missing`)."""
        from sdcluster.model.missing import missing_value_variables

        return missing_value_variables(
            self.translated_path, self.pysd_model.dependencies,
            {v.python_name: v.name for v in self.variables.values()})

    def variable(self, name: str) -> Variable:
        """Return the :class:`Variable` called ``name`` (see :meth:`resolve`)."""
        return self.variables[self.resolve(name)]

    def feedback_loops(self) -> tuple[FeedbackLoop, ...]:
        """Return the feedback loops of the model's causal graph (pysimlin's links).

        Enumerated by :func:`sdcluster.model.causal_loops.structural_loops`, so
        they are listed also past pysimlin's own listing limit. Identifiers
        count each polarity: ``"r1"``, ``"b3"``, ``"u1"`` (undetermined).
        Returns an empty tuple, with a warning, when pysimlin cannot read the
        file or the graph has too many loops: loop listing is descriptive
        and never stops a run.
        """
        from sdcluster.model.causal_loops import structural_loops

        try:
            loops = structural_loops(self.path)
        except ModelFileError as error:
            warnings.warn(f"feedback loops not listed: {error}", stacklevel=2)
            return ()
        counts: dict[str, int] = {}
        found = []
        for variables, polarity in loops:
            letter = polarity[0]
            counts[letter] = counts.get(letter, 0) + 1
            names = tuple(self._by_key.get(normalize_name(v), v) for v in variables)
            found.append(FeedbackLoop(id=f"{letter}{counts[letter]}", polarity=polarity,
                                      variables=names))
        return tuple(found)


def load_model(path: str | os.PathLike[str] | None = None, *,
               data_files: DataFilesLike | None = None,
               cache_dir: str | os.PathLike[str] | None = None) -> LoadedModel:
    """Load a Vensim or XMILE model, translating it with PySD if needed.

    Parameters
    ----------
    path : str or PathLike, optional
        The model file; the built-in innovation-cluster model by default.
    data_files : path, list of paths, or mapping of path to variable names, optional
        The values of the model's ``DATA`` variables, as PySD's ``data_files``
        takes them: ``.tab``/``.csv`` tables with a ``Time`` column (or
        netCDF); with a list each variable is read from the first file holding
        it, with ``{path: [variable, ...]}`` from its file. Relative paths are
        resolved against the current folder. The files are read at every
        load, never copied into the translation cache; the loaded model keeps
        them for all its runs (:attr:`LoadedModel.data_files`).
    cache_dir : str or PathLike, optional
        Root of the translation cache; :func:`default_cache_dir` by default.

    Returns
    -------
    LoadedModel

    Raises
    ------
    ModelFileError
        If the file is missing, empty, of an unknown format, or cannot be
        translated or initialised by PySD; if a data file is missing or cannot
        be read, or the model has ``DATA`` variables the data files do not hold.

    Examples
    --------
    >>> model = load_model()                       # doctest: +SKIP
    >>> model.levers                               # doctest: +SKIP
    ('openness', 'internal cooperation', ...)
    >>> load_model("demand.mdl", data_files=["demand.tab"])   # doctest: +SKIP
    LoadedModel('demand.mdl', 4 variables)

    """
    model_path = Path(builtin_model_path() if path is None else path).expanduser()
    content = read_model_file(model_path)
    files = data_files_of(data_files, model_path)
    sha256 = hashlib.sha256(content).hexdigest()
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    structure, pysd_model = load_cached(model_path, content, sha256, root, files)
    variables = variables_from_doc(pysd_model, structure)
    return LoadedModel(
        path=model_path,
        sha256=sha256,
        pysd_model=pysd_model,
        variables=variables,
        stock_flows={s: tuple(f) for s, f in structure["stock_flows"].items()},
        time=time_settings(pysd_model, structure),
        data_files=files,
    )

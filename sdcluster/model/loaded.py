"""Load a system-dynamics model and describe its variables.

:func:`load_model` translates a Vensim (``.mdl``) or XMILE model with PySD and
returns a :class:`LoadedModel`: the live PySD model plus a table of every
variable's Vensim name, Python name, kind, units, declared range and
documentation, the clock the file declares, and PySD's parsed abstract model.

Translation is cached outside the model's folder, keyed by the file's content
(:mod:`sdcluster.model.cache`); a damaged cache entry is translated again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sdcluster.errors import (
    DataFileError,
    ModelFileError,
    UnknownVariableError,
    did_you_mean,
    first_line,
)
from sdcluster.model.cache import (
    MODEL_FORMATS,
    cached_translation,
    default_cache_dir,
    discard_entry,
    read_abstract_model,
    read_structure,
)
from sdcluster.model.data_files import DataFiles, DataFilesLike, data_files_of, load_data_files
from sdcluster.model.paths import builtin_model_path
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
    "read_model_file",
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
        fresh = _load_translated(self.path, self.translated_path, self.data_files)
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
    structure, pysd_model = _load_cached(model_path, content, sha256, root, files)
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


def _load_cached(path: Path, content: bytes, sha256: str, root: Path,
                 data_files: DataFiles) -> tuple[dict[str, Any], Any]:
    """Return the structure and the PySD model of a cache entry, translating if needed.

    An entry that does not load (a truncated ``model.py``, a damaged
    ``structure.json`` or abstract-model pickle, an older cache format) is
    stale: it is removed and the file translated again, so the cache heals
    itself.
    """
    entry, fresh = cached_translation(path, content, sha256, root)
    try:
        structure = read_structure(entry)
        return structure, _load_translated(path, entry / structure["python_file"], data_files)
    except DataFileError:
        raise  # the user's data files, not the cache, are at fault
    except ModelFileError:
        if fresh:
            raise
    discard_entry(entry)
    entry, _ = cached_translation(path, content, sha256, root)
    structure = read_structure(entry)
    return structure, _load_translated(path, entry / structure["python_file"], data_files)


def read_model_file(path: Path) -> bytes:
    """Return a model file's bytes after the checks every reader makes.

    Raises
    ------
    ModelFileError
        If the suffix is not a model format, or the file is missing,
        unreadable, empty, binary or (XMILE) not well-formed XML.

    """
    if path.suffix.lower() not in MODEL_FORMATS:
        raise ModelFileError(
            f"{path}: unsupported model format {path.suffix!r}; "
            f"expected one of {', '.join(MODEL_FORMATS)}"
        )
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(f"{path}: model file not found") from None
    except OSError as error:
        raise ModelFileError(f"{path}: cannot read model file ({error.strerror})") from None
    if not content.strip():
        raise ModelFileError(f"{path}: model file is empty")
    if b"\0" in content:
        raise ModelFileError(f"{path}: not a text model file (it holds binary data); "
                             f"expected a {MODEL_FORMATS[path.suffix.lower()]} model")
    if MODEL_FORMATS[path.suffix.lower()] == "xmile":
        _check_xml(path, content)
    return content


def _check_xml(path: Path, content: bytes) -> None:
    """Refuse an XMILE file that is not well-formed XML, naming the line and column.

    Undeclared namespace prefixes (``<isee:prefs>`` in files exported by Stella
    or Vensim) are tolerated, as PySD's reader tolerates them; any other error
    is not. Entities are not resolved and nothing is fetched.
    """
    from lxml import etree

    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:  # recovery can still give up (e.g. empty input)
        raise ModelFileError(f"{path}: not well-formed XML ({first_line(error)}); expected "
                             "an XMILE model") from None
    fatal = [e for e in parser.error_log if e.domain_name != "NAMESPACE"]
    if fatal or root is None:
        where = f" at line {fatal[0].line}, column {fatal[0].column}" if fatal else ""
        what = f" ({fatal[0].message})" if fatal else ""
        raise ModelFileError(f"{path}: not well-formed XML{where}{what}; expected an XMILE "
                             "model")


def _load_translated(path: Path, python_file: Path,
                     data_files: DataFiles | None = None) -> Any:
    """Load PySD's translation, reading external data files next to the user's model.

    The translation lives in the cache, and PySD looks for a ``GET DIRECT``/``GET
    XLS`` file next to the translated module; the user's file is next to their
    model. So the model is loaded uninitialised, its external objects are told
    the model's folder, the values of its ``DATA`` variables are read from
    ``data_files`` (:func:`~sdcluster.model.data_files.load_data_files`), and
    then it is initialised. No data file is copied.
    """
    import pysd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = pysd.load(str(python_file), initialize=False)
            for external in model._external_elements:
                external.root = path.resolve().parent
            load_data_files(model, DataFiles() if data_files is None else data_files, path)
            model.initialize()
            return model
    except DataFileError:
        raise
    except FileNotFoundError as error:
        # PySD says "<python name>\nFile '<path>' not found."; the file is what the user needs.
        named = re.search(r"File '([^']+)' not found", str(error))
        missing = Path(named.group(1)).name if named else Path(str(error.filename or "")).name
        raise ModelFileError(f"{path}: the external data file {missing!r} is missing: expected "
                             f"it in {path.resolve().parent}, as the model's GET DIRECT/GET "
                             "XLS functions name it") from None
    except Exception as error:
        if "The interpolation method (interp) must be" in str(error):
            # PySD builds a keyword-less DATA variable (name:=) with no method and refuses it.
            name = first_line(error)
            raise ModelFileError(
                f"{path}: PySD cannot load the DATA variable {name!r} without an interpolation "
                f"keyword; expected it written as {name}:INTERPOLATE::= (or :RAW:, :HOLD "
                "BACKWARD:, :LOOK FORWARD:) in the model file") from None
        raise ModelFileError(
            f"{path}: PySD cannot initialise the translated model: {first_line(error)}"
        ) from None

"""The translation cache: PySD's translation of a model file, kept by the file's hash.

PySD writes its ``.py`` beside the file it translates, so a copy is translated
instead, in ``$SDCLUSTER_CACHE`` or ``~/.cache/sdcluster``: one folder per
PySD version and SHA-256 of the file's content. An edited file has a new hash
and is translated again; an unchanged one is loaded from the cache. Two
processes translating the same file at once each work in a temporary folder
and rename it into place, so neither sees a half-written translation.

An entry holds the translated copy, PySD's Python module, PySD's parsed
``AbstractModel`` (pickled; the batch engine builds its plan from it) and
``structure.json``: what sdcluster reads from the translation (stock-flow
structure, documentation, the XMILE save interval) and the checksums of the
module and the pickle. An entry that fails its check is stale and is made
again (:mod:`sdcluster.model.loaded` does that).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdcluster.errors import ModelFileError, first_line
from sdcluster.model.simlin_io import pysd_readable_lookups
from sdcluster.names import normalize_name

#: File suffixes PySD can translate, and the reader each needs.
MODEL_FORMATS: Mapping[str, str] = {
    ".mdl": "vensim",
    ".xmile": "xmile",
    ".xml": "xmile",
    ".stmx": "xmile",
    ".itmx": "xmile",
}

# Bump when the content of a cache entry changes shape.
_CACHE_FORMAT = 5  # 3: a constant inflow is a constant; 4: XMILE lookups at their xpts;
#                    5: the pickled abstract model
_STRUCTURE_FILE = "structure.json"
_ABSTRACT_FILE = "abstract_model.pickle"
# PySD's warning for a function it translates into a call that raises at run time.
_NOT_IMPLEMENTED = re.compile(r"Trying to translate '([^']+)' which it is not implemented")


def default_cache_dir() -> Path:
    """Return the root of the translation cache.

    ``$SDCLUSTER_CACHE`` if set, else ``$XDG_CACHE_HOME/sdcluster``, else
    ``~/.cache/sdcluster``.
    """
    explicit = os.environ.get("SDCLUSTER_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "sdcluster"


def read_structure(entry: Path) -> dict[str, Any]:
    """Read and check a cache entry's structure file and the checksums of its files.

    Raises
    ------
    ModelFileError
        If the entry is not complete and intact (it is then stale).

    """
    problem = f"translation cache entry {entry} is damaged"
    try:
        structure = json.loads((entry / _STRUCTURE_FILE).read_text(encoding="utf-8"))
        python_file = entry / str(structure["python_file"])
        intact = (structure.get("format") == _CACHE_FORMAT
                  and isinstance(structure.get("stock_flows"), dict)
                  and isinstance(structure.get("documentation"), dict)
                  and _file_sha256(python_file) == structure.get("python_sha256")
                  and _file_sha256(entry / _ABSTRACT_FILE) == structure.get("abstract_sha256"))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        raise ModelFileError(problem) from None
    if not intact or not isinstance(structure, dict):
        raise ModelFileError(problem)
    return structure


def read_abstract_model(entry: Path) -> Any:
    """Return the PySD ``AbstractModel`` of a cache entry, as PySD's translator parsed it.

    Unpickling runs code named in the pickle, so only a pickle sdcluster wrote
    is read: the entry's checksum must match. That is the trust the cache
    already needs, since the PySD module beside it is imported and run.

    Raises
    ------
    ModelFileError
        If the pickle is missing, damaged or not the entry's own.

    """
    problem = f"translation cache entry {entry} is damaged"
    try:
        structure = json.loads((entry / _STRUCTURE_FILE).read_text(encoding="utf-8"))
        data = (entry / _ABSTRACT_FILE).read_bytes()
        if hashlib.sha256(data).hexdigest() != structure.get("abstract_sha256"):
            raise ModelFileError(problem)
        return pickle.loads(data)  # our own pickle: checked above (see the docstring)
    except (OSError, ValueError, TypeError, AttributeError, ImportError, EOFError,
            pickle.UnpicklingError):
        raise ModelFileError(problem) from None


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def discard_entry(entry: Path) -> None:
    """Move a stale cache entry aside (atomically) and delete it."""
    aside = entry.with_name(f".stale-{entry.name}-{os.getpid()}")
    try:
        os.rename(entry, aside)
    except OSError:
        return  # already gone (another process healed it)
    shutil.rmtree(aside, ignore_errors=True)


def cached_translation(path: Path, content: bytes, sha256: str,
                       root: Path) -> tuple[Path, bool]:
    """Return the cache folder holding the translation of ``content``, and whether it is new."""
    import pysd

    version_dir = root / f"pysd-{pysd.__version__}"
    entry = version_dir / sha256
    if (entry / _STRUCTURE_FILE).is_file():
        return entry, False
    try:
        version_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".translating-", dir=version_dir))
    except OSError as error:
        raise ModelFileError(
            f"{path}: cannot create the translation cache in {version_dir} ({error.strerror}); "
            "set SDCLUSTER_CACHE to a writable folder"
        ) from None
    try:
        _translate_into(work, path, content)
        _publish(work, entry)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return entry, True


def _publish(work: Path, entry: Path) -> None:
    """Rename a finished translation into place; another process may have won."""
    with contextlib.suppress(OSError):
        os.rename(work, entry)
    if not (entry / _STRUCTURE_FILE).is_file():
        # A stale, incomplete entry (never made by us: renames are atomic).
        shutil.rmtree(entry, ignore_errors=True)
        try:
            os.rename(work, entry)
        except OSError as error:
            raise ModelFileError(
                f"cannot store the translation in {entry} ({error.strerror})"
            ) from None


def _translate_into(work: Path, path: Path, content: bytes) -> None:
    """Translate a copy of the model in ``work``; write its abstract model and structure file.

    ``work`` becomes the entry by one rename (:func:`_publish`), so its files
    appear together or not at all; the structure file, written last, marks
    the translation complete.
    """
    kind = MODEL_FORMATS[path.suffix.lower()]
    # PySD's XMILE reader knows .xmile, .xml and .stmx only (not .itmx).
    source = work / ("model.xmile" if kind == "xmile" else f"model{path.suffix.lower()}")
    source.write_bytes(pysd_compatible_xmile(content) if kind == "xmile" else content)
    try:
        translation = _pysd_translate(source, kind)
    except Exception as error:
        raise ModelFileError(
            f"{path}: PySD cannot translate this {kind} model: {first_line(error)}"
        ) from None
    if translation.missing:
        raise ModelFileError(
            f"{path}: the model uses {', '.join(translation.missing)}, which PySD does not "
            "implement; expected only functions PySD supports (https://pysd.readthedocs.io)"
        )
    (work / _ABSTRACT_FILE).write_bytes(translation.parsed)
    python_file = Path(translation.python_file)
    structure = {
        "format": _CACHE_FORMAT,
        "python_file": python_file.name,
        "python_sha256": _file_sha256(python_file),
        "abstract_sha256": hashlib.sha256(translation.parsed).hexdigest(),
        "stock_flows": _stock_flows(translation.abstract_model),
        "documentation": translation.documentation,
        "save_interval": xmile_save_interval(source) if kind == "xmile" else None,
    }
    (work / _STRUCTURE_FILE).write_text(json.dumps(structure, indent=1), encoding="utf-8")


def pysd_compatible_xmile(content: bytes) -> bytes:
    """Spell XMILE's built-in ``DT`` as ``TIME_STEP`` in equations, and lookups as PySD reads them.

    PySD's XMILE reader names the time step ``TIME STEP`` and does not know
    ``DT``, which XMILE (and pysimlin's export of Vensim's TIME STEP) use; nor
    does it read pysimlin's spelling of lookup tables
    (:func:`~sdcluster.model.simlin_io.pysd_readable_lookups`).
    Only the cached copy is changed, never the user's file.
    """

    def rewrite(match: re.Match[bytes]) -> bytes:
        return match[1] + _XMILE_DT.sub(b"TIME_STEP", match[2]) + match[3]

    return pysd_readable_lookups(_XMILE_EQUATION.sub(rewrite, content))


_XMILE_EQUATION = re.compile(rb"(<eqn\b[^>]*>)(.*?)(</eqn>)", re.S)
_XMILE_DT = re.compile(rb'(?<![\w."])dt(?![\w."])', re.I)


@dataclass(frozen=True)
class _Translation:
    """What PySD's translator and builder made of a model file.

    ``parsed`` is the abstract model pickled as the translator returned it,
    before :func:`neutralize_documentation` changed its documentation;
    ``documentation`` is each element's documentation as the file states it;
    ``missing`` names the functions PySD does not implement (its module would
    raise when they are called).
    """

    abstract_model: Any
    parsed: bytes
    documentation: dict[str, str]
    python_file: str
    missing: list[str]


def _pysd_translate(source: Path, kind: str) -> _Translation:
    """Run PySD's translator and builder on ``source``."""
    from pysd.builders.python.python_model_builder import ModelBuilder

    model_file: Any
    # PySD warns while reading too (e.g. a .mdl without an {UTF-8} line); the
    # translation either works or raises, so only the warning about functions
    # it does not implement is for the user (it becomes an error).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if kind == "vensim":
            from pysd.translators.vensim.vensim_file import VensimFile

            model_file = VensimFile(source)
        else:
            from pysd.translators.xmile.xmile_file import XmileFile

            model_file = XmileFile(source)
        model_file.parse()
        abstract_model = model_file.get_abstract_model()
        parsed = pickle.dumps(abstract_model, protocol=pickle.HIGHEST_PROTOCOL)
        documentation = neutralize_documentation(abstract_model)
        python_file = ModelBuilder(abstract_model).build_model()
    missing = sorted({match[1] for message in caught
                      if (match := _NOT_IMPLEMENTED.search(str(message.message)))})
    return _Translation(abstract_model=abstract_model, parsed=parsed,
                        documentation=documentation, python_file=str(python_file),
                        missing=missing)


def neutralize_documentation(abstract_model: Any) -> dict[str, str]:
    """Make the documentation strings of a translated model inert; return them as written.

    PySD pastes each element's documentation unescaped into a triple-quoted
    docstring of the Python module it writes, so a documentation string
    holding ``\"\"\"`` could close the docstring and inject code. Every double
    quote in the abstract model's documentation is replaced by a single quote
    before the module is built (only this cached translation changes, never
    the user's file); the text as the file states it is returned, keyed by
    element name, and sdcluster reads documentation from there.
    """
    documentation: dict[str, str] = {}
    for section in abstract_model.sections:
        for element in section.elements:
            text = str(element.documentation or "")
            # PySD turns Vensim's backslash line breaks into new lines.
            documentation[str(element.name)] = text.replace("\\", "\n").strip()
            element.documentation = text.replace('"', "'")
    return documentation


def _stock_flows(abstract_model: Any) -> dict[str, list[str]]:
    """Map each stock to the variables that are direct terms of its net rate."""
    from pysd.translators.structures.abstract_expressions import IntegStructure

    elements = [el for section in abstract_model.sections for el in section.elements]
    by_key = {normalize_name(el.name): el.name for el in elements}
    stock_flows: dict[str, list[str]] = {}
    for element in elements:
        for component in element.components:
            if isinstance(component.ast, IntegStructure):
                terms = _direct_terms(component.ast.flow)
                flows = [by_key[normalize_name(t)] for t in terms if normalize_name(t) in by_key]
                stock_flows.setdefault(element.name, [])
                stock_flows[element.name] += [f for f in flows
                                              if f not in stock_flows[element.name]]
    return stock_flows


def _direct_terms(ast: Any) -> Iterator[str]:
    """Yield references that enter a net rate as a signed term (not scaled)."""
    from pysd.translators.structures.abstract_expressions import (
        ArithmeticStructure,
        ReferenceStructure,
    )

    if isinstance(ast, ReferenceStructure):
        yield ast.reference
    elif isinstance(ast, ArithmeticStructure) and set(ast.operators) <= {"+", "-", "negative"}:
        for argument in ast.arguments:
            yield from _direct_terms(argument)


def xmile_save_interval(source: Path) -> float | None:
    """Read ``isee:save_interval`` from an XMILE file's ``<sim_specs>``.

    Parsed as leniently as PySD reads XMILE (lxml in recovery mode): files
    exported by Stella or Vensim use prefixes such as ``isee:`` without
    declaring them. Entities are not resolved and nothing is fetched: the
    file is data.
    """
    from lxml import etree

    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                             huge_tree=False)
    root = etree.parse(str(source), parser).getroot()
    if root is None:
        return None
    for element in root.iter():
        if not isinstance(element.tag, str) or _local(element.tag) != "sim_specs":
            continue
        for attribute, value in element.attrib.items():
            if _local(str(attribute)) == "save_interval":
                return float(value)
    return None


def _local(name: str) -> str:
    """Return a tag or attribute name without its namespace (``{uri}`` or ``prefix:``)."""
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]



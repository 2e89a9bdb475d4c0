"""Read a model file and its cached PySD translation, with the errors a user can act on.

:func:`read_model_file` checks a file before anything translates it
(format, existence, text, well-formed XML); :func:`load_cached` returns a
cache entry's structure and PySD model, translating again when the entry is
damaged; :func:`load_translated` loads PySD's module with the model's data
files and external files resolved next to the user's model. Used by
:func:`sdcluster.model.loaded.load_model`.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

from sdcluster.errors import DataFileError, ModelFileError, first_line
from sdcluster.model.cache import MODEL_FORMATS, cached_translation, discard_entry, read_structure
from sdcluster.model.data_files import DataFiles, load_data_files

__all__ = ["check_xml", "load_cached", "load_translated", "read_model_file"]


def load_cached(path: Path, content: bytes, sha256: str, root: Path,
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
        return structure, load_translated(path, entry / structure["python_file"], data_files)
    except DataFileError:
        raise  # the user's data files, not the cache, are at fault
    except ModelFileError:
        if fresh:
            raise
    discard_entry(entry)
    entry, _ = cached_translation(path, content, sha256, root)
    structure = read_structure(entry)
    return structure, load_translated(path, entry / structure["python_file"], data_files)


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
        check_xml(path, content)
    return content


def check_xml(path: Path, content: bytes) -> None:
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


def load_translated(path: Path, python_file: Path,
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

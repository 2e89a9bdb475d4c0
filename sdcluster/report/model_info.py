"""What the report says about the model, kept as data inside the results file.

:func:`describe_model` turns a :class:`~sdcluster.model.loaded.LoadedModel` into a
plain dictionary (JSON-ready): the model file's name and source text, every
variable's kind, units, range, default and documentation, the flows of each
stock, the policy levers, and the loop sentences of ``loops.toml`` in the
model's folder. The report is drawn from this dictionary only
(:class:`ModelInfo`), so it can be rebuilt from a results file without the
model file, and the diagram is redrawn from the stored source text.
"""

from __future__ import annotations

import contextlib
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sdcluster.errors import ReportError, first_line
from sdcluster.model.loaded import MODEL_FORMATS, LoadedModel

#: File beside a model that names its feedback loops and the sentences they encode.
LOOPS_FILE = "loops.toml"
_LOOP_KEYS = ("code", "name", "sentence", "section", "note")


@dataclass(frozen=True, kw_only=True)
class VariableInfo:
    """A model variable as the report lists it (see :class:`sdcluster.model.loaded.Variable`)."""

    name: str
    kind: str
    units: str
    range: str
    default: float | None
    documentation: str


@dataclass(frozen=True, kw_only=True)
class LoopSentence:
    """A named loop and the paper's sentence it encodes (one entry of ``loops.toml``)."""

    code: str
    name: str
    sentence: str
    section: str
    note: str


@dataclass(frozen=True, kw_only=True)
class ModelInfo:
    """The model, as stored in a results file's report entry.

    Attributes
    ----------
    file_name : str
        The model file's name.
    sha256 : str
        SHA-256 of the file's content.
    source : str
        The file's text (empty if it was not stored).
    variables : tuple of VariableInfo
        Every variable, in the loader's order.
    stock_flows : Mapping[str, tuple of str]
        Flows of each stock.
    levers : tuple of str
        Names of the policy levers.
    loops : tuple of LoopSentence
        Entries of ``loops.toml``; empty when the model has none.
    loops_source : str
        Where the loop sentences came from (a file name), or why there are none.

    """

    file_name: str
    sha256: str
    source: str
    variables: tuple[VariableInfo, ...]
    stock_flows: Mapping[str, tuple[str, ...]]
    levers: tuple[str, ...]
    loops: tuple[LoopSentence, ...]
    loops_source: str

    def of_kind(self, kind: str) -> tuple[VariableInfo, ...]:
        """Return the variables of one kind (``"stock"``, ``"flow"``, ...)."""
        return tuple(v for v in self.variables if v.kind == kind)

    def variable(self, name: str) -> VariableInfo | None:
        """Return the variable called ``name``, or ``None``."""
        return next((v for v in self.variables if v.name == name), None)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelInfo:
        """Rebuild the description stored by :func:`describe_model`.

        Raises
        ------
        ReportError
            If the stored description does not have the shape
            :func:`describe_model` writes (a damaged or hand-made results file).

        """
        try:
            return cls(
                file_name=str(data.get("file_name", "")),
                sha256=str(data.get("sha256", "")),
                source=str(data.get("source", "")),
                variables=tuple(VariableInfo(**v) for v in data.get("variables", ())),
                stock_flows={str(k): tuple(v) for k, v in data.get("stock_flows", {}).items()},
                levers=tuple(str(v) for v in data.get("levers", ())),
                loops=tuple(LoopSentence(**entry) for entry in data.get("loops", ())),
                loops_source=str(data.get("loops_source", "")),
            )
        except (TypeError, AttributeError, ValueError) as error:
            raise ReportError("the results file's model description is damaged: expected "
                              f"the entries sdcluster writes ({first_line(error)})") from None

    @contextlib.contextmanager
    def materialized(self) -> Iterator[Path | None]:
        """Write the stored source to a temporary model file; yield its path (or ``None``).

        The file is always written inside a new temporary folder: only the
        suffix of the stored file name is kept (a name like ``../../x`` or an
        absolute path in a results file cannot choose where it goes).
        """
        if not self.source:
            yield None
            return
        with tempfile.TemporaryDirectory(prefix="sdcluster-report-") as folder:
            path = Path(folder) / f"model{safe_model_suffix(self.file_name)}"
            path.write_text(self.source, encoding="utf-8")
            yield path


def safe_model_suffix(file_name: str) -> str:
    """Return the model-format suffix of a stored file name (``.mdl`` if it has none we know)."""
    suffix = PurePosixPath(file_name.replace("\\", "/")).suffix.lower()
    return suffix if suffix in MODEL_FORMATS else ".mdl"


def describe_model(model: LoadedModel) -> dict[str, Any]:
    """Return the JSON-ready description of a model that a report stores.

    Raises
    ------
    ReportError
        If ``loops.toml`` beside the model is not valid.

    """
    loops, loops_source = read_loop_sentences(model.path.parent / LOOPS_FILE)
    return {
        "file_name": model.path.name,
        "sha256": model.sha256,
        "source": model.path.read_text(encoding="utf-8", errors="replace"),
        "variables": [
            {"name": v.name, "kind": v.kind, "units": v.units, "range": v.range_text(),
             "default": v.default, "documentation": v.documentation}
            for v in model.variables.values()
        ],
        "stock_flows": {k: list(v) for k, v in model.stock_flows.items()},
        "levers": list(model.levers),
        "loops": loops,
        "loops_source": loops_source,
    }


def read_loop_sentences(path: Path) -> tuple[list[dict[str, str]], str]:
    """Read a ``loops.toml`` file; return its entries and where they came from.

    A missing file gives no entries and says so.

    Raises
    ------
    ReportError
        If the file is not valid TOML or an entry lacks a key or has an unknown one.

    """
    if not path.is_file():
        return [], f"no {LOOPS_FILE} beside the model"
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ReportError(f"{path}: cannot read loop sentences: {error}") from None
    entries = []
    for index, entry in enumerate(data.get("loop", [])):
        where = f"{path}: [[loop]] number {index + 1}"
        if not isinstance(entry, Mapping):
            raise ReportError(f"{where}: expected a table")
        unknown = sorted(set(entry) - set(_LOOP_KEYS))
        missing = [key for key in ("code", "name") if key not in entry]
        if unknown or missing:
            problems = ([f"unknown keys {unknown}"] if unknown else []) + (
                [f"missing keys {missing}"] if missing else [])
            raise ReportError(f"{where}: {', '.join(problems)}; expected keys: "
                              f"{', '.join(_LOOP_KEYS)} (code and name required)")
        entries.append({key: str(entry.get(key, "")) for key in _LOOP_KEYS})
    return entries, path.name

"""Everything a report shows, as files: the results file and its companion parts.

A report run writes its scenario results first, with :meth:`Results.save`,
to ``<stem>_results.nc``; the metadata of that file gets a ``"report"`` entry
(:data:`REPORT_KEY`) that records the model (its source text, variable table
and loop sentences), the options of the run and the names of the companion
files. Each later experiment (openness sweep, ensembles, sensitivity,
validation checks, loop dominance) is saved as soon as it is done, to
``<stem>_<part>.nc``, a results file of its own whose metadata carries the
same ``run_id``. A part that could not be made is still written, empty, with
the reason in its metadata.

So a failure while the report is drawn never loses results, and
:func:`load_report_data` rebuilds the same report from the files alone. A
results file written by ``sdcluster run`` (no ``"report"`` entry) can be
reported too: the parts it lacks are marked unavailable.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from sdcluster.errors import ReportError, ResultsFileError
from sdcluster.results.dataset import Results
from sdcluster.studies.companion.part import PARTS, Part

#: Key of the report entry in a results file's metadata.
REPORT_KEY = "report"
#: Version of the report entry's layout.
REPORT_FORMAT = 1
_RESULTS_SUFFIX = "_results"
#: Added to the file names of a ``--quick`` draft, so a draft never overwrites a full report.
DRAFT_SUFFIX = "_draft"


@dataclass(frozen=True, kw_only=True)
class ReportData:
    """The scenario results and the companion parts of one report.

    Attributes
    ----------
    results : Results
        Scenario runs; ``results.metadata[REPORT_KEY]`` describes the report run.
    parts : Mapping[str, Part]
        The companion parts by name.
    results_path : Path
        Where the results file is.

    """

    results: Results
    parts: Mapping[str, Part]
    results_path: Path

    @property
    def info(self) -> Mapping[str, Any]:
        """Return the report entry of the results metadata (empty if there is none)."""
        entry = self.results.metadata.get(REPORT_KEY, {})
        return entry if isinstance(entry, Mapping) else {}

    def part(self, name: str) -> Part:
        """Return a part; an unavailable one if the data has none of that name."""
        found = self.parts.get(name)
        if found is None:
            return Part.missing(name, "not part of this results file")
        return found


def new_run_id() -> str:
    """Return a fresh identifier that ties the files of one report run together."""
    return uuid.uuid4().hex


def create_folder(folder: Path) -> Path:
    """Create the folder a report is written to (and its parents) if needed; return it.

    Raises
    ------
    ReportError
        Naming the folder, if it cannot be created.

    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReportError(f"{folder}: cannot create the report folder "
                          f"({error.strerror or error})") from None
    return folder


def results_path_for(out_dir: Path, stem: str) -> Path:
    """Return where a report run on a model called ``stem`` saves its scenario results."""
    return out_dir / f"{stem}{_RESULTS_SUFFIX}.nc"


def report_stem(results_path: Path) -> str:
    """Return the stem shared by a results file's report files (``x_results.nc`` -> ``x``)."""
    stem = results_path.stem
    return stem.removesuffix(_RESULTS_SUFFIX) or stem


def part_file_name(results_path: Path, name: str) -> str:
    """Return the file name of part ``name`` of the results file ``results_path``."""
    return f"{report_stem(results_path)}_{name}.nc"


def save_part(results_path: Path, part: Part, run_id: str) -> Path:
    """Write one part beside the results file, atomically; return its path."""
    metadata = {**part.metadata, "part": part.name, "run_id": run_id,
                "unavailable": part.reason}
    dataset = part.dataset if part.dataset is not None and not part.reason else xr.Dataset()
    target = results_path.parent / part_file_name(results_path, part.name)
    return Results(dataset=dataset, metadata=metadata).save(target)


def load_part(results_path: Path, name: str, file_name: str, run_id: str) -> Part:
    """Read one part written by :func:`save_part`; an unavailable part if it cannot be used."""
    if Path(file_name).name != file_name or file_name in ("", ".", ".."):
        return Part.missing(name, f"{results_path.name} names the {name} file {file_name!r}; "
                                  "expected a file name beside it")
    path = results_path.parent / file_name
    if not path.is_file():
        return Part.missing(name, f"{file_name} not found beside {results_path.name} "
                                  "(the report run stopped before this part)")
    try:
        stored = Results.load(path)
    except ResultsFileError as error:
        return Part.missing(name, str(error))
    metadata = dict(stored.metadata)
    if metadata.get("run_id") != run_id:
        return Part.missing(name, f"{file_name} belongs to another report run "
                                  f"than {results_path.name}")
    reason = str(metadata.pop("unavailable", "") or "")
    dataset = None if reason else stored.dataset
    return Part(name=name, dataset=dataset, metadata=metadata, reason=reason)


def load_report_data(results_path: str | Path) -> ReportData:
    """Read a results file and the parts its report entry names.

    Parameters
    ----------
    results_path : str or Path
        A results file written by a report run (or by ``sdcluster run``).

    Raises
    ------
    ResultsFileError
        If the results file is missing or unreadable.

    """
    path = Path(results_path)
    results = Results.load(path)
    entry = results.metadata.get(REPORT_KEY)
    if not isinstance(entry, Mapping):
        reason = (f"{path.name} holds scenario results only (written by `sdcluster run`); "
                  "run `sdcluster report` to make this part")
        return ReportData(results=results, results_path=path,
                          parts={name: Part.missing(name, reason) for name in PARTS})
    run_id = str(entry.get("run_id", ""))
    files = entry.get("parts", {})
    if not isinstance(files, Mapping):
        raise ResultsFileError(f"{path}: the report entry's parts are {type(files).__name__}; "
                               "expected a table of part names and file names")
    parts = {name: load_part(path, name, str(files[name]), run_id) if name in files
             else Part.missing(name, f"{path.name} names no {name} file")
             for name in PARTS}
    return ReportData(results=results, results_path=path, parts=parts)

"""Reports: one call writes the HTML and PDF report of a model and its policy experiments.

:func:`make_report` is the library call behind ``sdcluster report``::

    outcome = make_report(ReportOptions(quick=True))
    outcome.paths        # reports/innovation_cluster.html, .pdf
    outcome.results_path # reports/innovation_cluster_results.nc

The flow is one way: run the experiments and save every result
(:mod:`~sdcluster.report.runs`, :mod:`~sdcluster.report.data`), compute the
content from the saved results (:mod:`~sdcluster.report.build`, a tree of
:mod:`~sdcluster.report.content` objects), then render it
(:mod:`~sdcluster.report.html`, :mod:`~sdcluster.report.pdf`). With
``from_results`` the first step is replaced by reading the files, and the
report comes out with the same numbers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sdcluster.report.options import FORMATS, ReportOptions, rebuild_command
from sdcluster.studies.companion.sizes import ExperimentSizes

if TYPE_CHECKING:
    from sdcluster.report.content import Document
    from sdcluster.report.data import ReportData
    from sdcluster.studies.progress import Progress

__all__ = ["FORMATS", "ExperimentSizes", "ReportOptions", "ReportOutcome", "make_report",
           "rebuild_command"]


@dataclass(frozen=True, kw_only=True)
class ReportOutcome:
    """What :func:`make_report` wrote.

    Attributes
    ----------
    paths : dict of str to Path
        Format (``"html"``, ``"pdf"``) to report file.
    results_path : Path
        The results file the report was computed from.
    seconds : float
        Wall-clock time of the whole call.
    unavailable : dict of str to str
        Parts of the report that could not be made, and why.

    """

    paths: dict[str, Path]
    results_path: Path
    seconds: float
    unavailable: dict[str, str]


def make_report(options: ReportOptions, *, echo: Callable[[str], None] | None = None,
                progress: bool = True) -> ReportOutcome:
    """Run the experiments (or read their saved results) and write the report.

    Parameters
    ----------
    options : ReportOptions
        What to run and where to write (see :class:`ReportOptions`).
    echo : callable, optional
        Receives progress lines; stderr when omitted.
    progress : bool
        Print progress lines and progress bars.

    Returns
    -------
    ReportOutcome

    Raises
    ------
    SdclusterError
        If the model, scenarios or a results file cannot be used, or a file
        cannot be written. Results are saved before the report is drawn, so
        a failure while drawing loses no results.

    """
    from sdcluster.report.data import create_folder
    from sdcluster.studies.progress import Progress

    tracker = Progress(echo, enabled=progress)
    created = not options.out_dir.exists()
    folder = create_folder(options.out_dir)  # before the long work: fail early
    try:
        return _make(options, folder, tracker)
    except BaseException:
        if created:  # leave no empty report folder behind
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _make(options: ReportOptions, folder: Path, tracker: Progress) -> ReportOutcome:
    from sdcluster.report.build import build_document
    from sdcluster.report.data import load_report_data, report_stem
    from sdcluster.report.explorer import report_explorer
    from sdcluster.report.html import write_html
    from sdcluster.report.pdf import write_pdf
    from sdcluster.report.runs import run_report_experiments

    if options.from_results is not None:
        with tracker.stage(f"reading {options.from_results}"):
            data = load_report_data(options.from_results)
    else:
        data = run_report_experiments(options, tracker)
    with tracker.stage("computing the report's content"):
        document = _content(build_document, data, options.from_results)
    stem = report_stem(data.results_path)
    explorer = None
    if "html" in options.formats:
        with tracker.stage("translating the model for the live explorer"):
            explorer = report_explorer(data.results.metadata)
    writers: dict[str, Callable[[Document, Path], Path]] = {
        "html": lambda document, path: write_html(document, path, explorer=explorer),
        "pdf": write_pdf,
    }
    paths: dict[str, Path] = {}
    for fmt in options.formats:
        with tracker.stage(f"writing the {fmt.upper()} report"):
            paths[fmt] = writers[fmt](document, folder / f"{stem}.{fmt}")
    unavailable = {name: part.reason for name, part in data.parts.items() if part.reason}
    return ReportOutcome(paths=paths, results_path=data.results_path, seconds=tracker.elapsed,
                         unavailable=unavailable)


def _content(build: Callable[[ReportData], Document], data: ReportData,
             source: Path | None) -> Document:
    """Compute the report's content; a results file of the wrong shape is one ReportError.

    A results file read with ``--from`` is data from outside: metadata of
    the wrong types (a list where a table belongs, text where a number does)
    makes the content code fail deep inside; say which file is damaged instead.
    """
    from sdcluster.errors import ReportError, SdclusterError, first_line

    if source is None:
        return build(data)
    try:
        return build(data)
    except (TypeError, AttributeError, KeyError, ValueError, IndexError) as error:
        if isinstance(error, SdclusterError):
            if str(source) in str(error):
                raise
            raise type(error)(f"{source}: {error}") from None
        raise ReportError(f"{source}: the stored report data is damaged: expected what "
                          f"`sdcluster report` writes ({type(error).__name__}: "
                          f"{first_line(error)})") from None

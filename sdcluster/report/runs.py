"""The experiments behind a report, each saved as soon as it is done.

:func:`run_report_experiments` loads the model, has the scenarios run
(:func:`sdcluster.studies.companion.run.run_report_scenarios`) and saves them
at once to ``<stem>_results.nc`` with the report entry in its metadata
(:mod:`sdcluster.report.data`). Then the companion study
(:func:`sdcluster.studies.companion.run.make_parts`) makes each part, and this
module saves it as soon as it is done. The report package itself runs no
engine (import-linter holds this); it says what to run and keeps what comes back.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from sdcluster.errors import ReportError
from sdcluster.experiments.scenarios import Scenario, load_scenarios
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.report.data import (
    DRAFT_SUFFIX,
    REPORT_FORMAT,
    REPORT_KEY,
    ReportData,
    new_run_id,
    part_file_name,
    results_path_for,
    save_part,
)
from sdcluster.report.findings import settings_for
from sdcluster.report.model_info import describe_model
from sdcluster.report.options import ReportOptions, rebuild_command
from sdcluster.results.dataset import Results
from sdcluster.studies.companion.context import RunContext
from sdcluster.studies.companion.part import PARTS
from sdcluster.studies.companion.run import make_parts, run_report_scenarios
from sdcluster.studies.progress import Progress


def choose_scenarios(model: LoadedModel, options: ReportOptions) -> tuple[Scenario, ...]:
    """Return the scenarios a report runs (see :class:`ReportOptions`).

    Raises
    ------
    ReportError
        If scenarios are named for a model that is not built in and no folder is given.

    """
    has_folder = model.is_builtin or options.scenarios_dir is not None
    if options.scenarios and not has_folder:
        raise ReportError(f"{model.path.name} is not the built-in model: give the folder of "
                          "its scenario files (--scenarios-dir)")
    if not has_folder:
        return (Scenario(name="baseline", title="model as it is",
                         description="The model file's own parameter values."),)
    return load_scenarios(model, options.scenarios, directory=options.scenarios_dir)


def _scenario_file(scenario: Scenario) -> dict[str, str]:
    """Return where a scenario came from and the SHA-256 of that file (empty if none)."""
    path = Path(scenario.source)
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    return {"name": scenario.name, "file": scenario.source if digest else "", "sha256": digest}


def run_report_experiments(options: ReportOptions, progress: Progress) -> ReportData:
    """Run every experiment of a report and save each result as soon as it exists.

    Parameters
    ----------
    options : ReportOptions
        Model, scenarios, sizes, seed and output folder (which must exist;
        :func:`sdcluster.report.make_report` creates it).
    progress : Progress
        Where progress lines go.

    Returns
    -------
    ReportData
        The scenario results and every part (available or not, with the reason).

    Raises
    ------
    SdclusterError
        If the model or the scenarios cannot be loaded or run, or the results
        cannot be written. Failures of later parts do not raise.

    """
    with progress.stage("loading the model"):
        model = load_model(options.model, data_files=list(options.data_files) or None)
        scenarios = choose_scenarios(model, options)
    # A draft never overwrites a full report: its files carry their own stem.
    stem = f"{model.path.stem}{DRAFT_SUFFIX if options.quick else ''}"
    results_path = results_path_for(options.out_dir, stem)
    with progress.stage(f"running {len(scenarios)} scenario(s) with PySD"):
        results = run_report_scenarios(model, scenarios, progress=progress.enabled)
    settings = settings_for(results.dataset)
    run_id = new_run_id()
    entry = {
        "format": REPORT_FORMAT,
        "run_id": run_id,
        "command": rebuild_command(options),
        "options": {"quick": options.quick, "seed": options.seed,
                    "sizes": dataclasses.asdict(options.sizes()),
                    "scenarios": [s.name for s in scenarios]},
        "settings": dataclasses.asdict(settings),
        "model": describe_model(model),
        "scenario_files": [_scenario_file(s) for s in scenarios],
        "parts": {name: part_file_name(results_path, name) for name in PARTS},
    }
    results = Results(dataset=results.dataset, metadata={**results.metadata, REPORT_KEY: entry})
    results.save(results_path)
    progress.say(f"report: results saved to {results_path}")
    context = RunContext(model=model, sizes=options.sizes(), seed=options.seed,
                         scenarios=scenarios, base=scenarios[0], settings=settings,
                         progress=progress, checks_dir=options.checks_dir)
    parts = make_parts(context, lambda part: save_part(results_path, part, run_id))
    return ReportData(results=results, parts=parts, results_path=results_path)

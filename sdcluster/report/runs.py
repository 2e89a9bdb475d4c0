"""The experiments behind a report, each saved as soon as it is done.

:func:`run_report_experiments` loads the model, runs the scenarios through
PySD (the engine of record) without noise, so that differences between
scenarios come from the policies alone, and saves them at once to
``<stem>_results.nc`` with the report entry in its metadata
(:mod:`sdcluster.report.data`). Then it makes the companion parts in
:data:`PART_MAKERS` order (:mod:`sdcluster.report.parts`,
:mod:`sdcluster.report.loop_parts`), saving each one as soon as it is done.
A part the model does not support (another model than the innovation
cluster), or that fails with a user error, is saved as unavailable with the
reason, and the report says so.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path

from sdcluster.engine.run import run_scenarios
from sdcluster.errors import ReportError, SdclusterError
from sdcluster.experiments.scenarios import Scenario, load_scenarios
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.report.context import RunContext
from sdcluster.report.data import (
    PARTS,
    REPORT_FORMAT,
    REPORT_KEY,
    Part,
    ReportData,
    new_run_id,
    part_file_name,
    results_path_for,
    save_part,
)
from sdcluster.report.findings import settings_for
from sdcluster.report.loop_parts import make_loops
from sdcluster.report.model_info import describe_model
from sdcluster.report.options import ReportOptions, rebuild_command
from sdcluster.report.parts import (
    make_checks,
    make_ensemble,
    make_sensitivity,
    make_sweep,
    make_takeoff,
)
from sdcluster.report.progress import Progress
from sdcluster.results.dataset import Results

#: Part name -> (progress title, function that makes it), in run order.
PART_MAKERS: Mapping[str, tuple[str, Callable[[RunContext], Part]]] = {
    "sweep": ("openness sweep with bisection (batch engine)", make_sweep),
    "ensemble": ("fluctuation ensemble", make_ensemble),
    "takeoff": ("take-off probability against openness", make_takeoff),
    "sensitivity": ("Sobol' sensitivity of the policy levers", make_sensitivity),
    "checks": ("validation checks (sdcluster check)", make_checks),
    "loops": ("loop dominance (Loops That Matter, pysimlin)", make_loops),
}


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
        model = load_model(options.model)
        scenarios = choose_scenarios(model, options)
    results_path = results_path_for(options.out_dir, model.path.stem)
    with progress.stage(f"running {len(scenarios)} scenario(s) with PySD"):
        results = run_scenarios(model, scenarios, progress=progress.enabled)
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
                         progress=progress)
    parts = {name: _made_and_saved(name, context, results_path, run_id) for name in PARTS}
    return ReportData(results=results, parts=parts, results_path=results_path)


def _made_and_saved(name: str, context: RunContext, results_path: Path, run_id: str) -> Part:
    title, maker = PART_MAKERS[name]
    with context.progress.stage(title):
        try:
            part = maker(context)
        except SdclusterError as error:
            part = Part.missing(name, " ".join(str(error).split()))
    save_part(results_path, part, run_id)
    if part.reason:
        context.progress.say(f"report: {name} not available: {part.reason}")
    return part

"""The experiments behind a report, each saved as soon as it is done.

:func:`run_report_experiments` runs, in this order:

1. the scenarios, through PySD (the engine of record), without noise, so
   that differences between scenarios come from the policies alone; saved at
   once to ``<stem>_results.nc``;
2. the *openness sweep*: the base scenario (the first one) at evenly spaced
   openness values, deterministic, with the vectorized batch engine; the
   bracket where the cluster starts to self-organize is refined by bisection;
3. the *fluctuation ensemble*: the base scenario with seeded white noise,
   one independent stream per member (:func:`sdcluster.engine.noise.white_noise`);
4. the *take-off curve*: the same members (common random numbers) at evenly
   spaced openness values; each run's phase onsets are stored;
5. the sensitivity analysis, 6. the validation suite, 7. loop dominance.

Each experiment that the model does not support (another model than the
innovation cluster) or that fails with a user error is saved as an
unavailable part with the reason, and the report says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from sdcluster.analysis.phases import PHASES, phase_onsets
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.engine.batch import BatchModel
from sdcluster.engine.pysd_runner import WHITE_NOISE_INPUT
from sdcluster.errors import AnalysisError, ReportError, ResultsFileError, SdclusterError
from sdcluster.model import LoadedModel, load_model
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
from sdcluster.report.findings import SWEEP_LEVER, reaches_phase_iii
from sdcluster.report.model_info import describe_model
from sdcluster.report.options import ExperimentSizes, ReportOptions, rebuild_command
from sdcluster.report.progress import Progress
from sdcluster.results import Results, run_scenarios
from sdcluster.scenarios import Scenario, load_scenarios

#: Variables the phase classification needs.
PHASE_VARIABLES = ("Order Degree", "Innovative Firms", "dS total")
#: Variables kept from each ensemble member (fan charts and phases).
ENSEMBLE_VARIABLES = ("Order Degree", "Innovative Firms", "Knowledge Stock", "dS total")
#: Constant that sets the strength of the fluctuations (recorded in the report).
NOISE_SD = "noise sd"


@dataclass(frozen=True, kw_only=True)
class RunContext:
    """What every experiment of a report run needs."""

    model: LoadedModel
    sizes: ExperimentSizes
    seed: int
    base: Scenario
    settings: AnalysisSettings
    progress: Progress

    def batch(self) -> BatchModel:
        """Return the model compiled for the batch engine.

        Raises
        ------
        ReportError
            If the batch engine cannot run the model (the reason says why).

        """
        try:
            return _compiled(self.model.path)
        except SdclusterError as error:
            raise ReportError(f"the vectorized batch engine cannot run "
                              f"{self.model.path.name}: {error}") from None

    def base_parameters(self) -> dict[str, float]:
        """Return the base scenario's constant overrides."""
        return dict(self.base.overrides)

    def lever_range(self, name: str) -> tuple[float, float]:
        """Return the declared range of a lever, [0, 1] where a bound is open."""
        variable = self.model.variable(name)
        low, high = variable.range or (None, None)
        return (0.0 if low is None else low, 1.0 if high is None else high)

    def require(self, batch: BatchModel, names: Sequence[str], purpose: str) -> None:
        """Raise :class:`ReportError` naming the variables ``purpose`` needs and the model lacks."""
        missing = [name for name in names if name not in batch.variables]
        if missing:
            raise ReportError(f"{purpose} needs {', '.join(repr(n) for n in missing)}, which "
                              f"{self.model.path.name} does not have (cluster-specific part)")


_BATCH_CACHE: dict[tuple[Path, str], BatchModel] = {}


def _compiled(path: Path) -> BatchModel:
    # Translating for the batch engine takes about a second: once per model file content.
    key = (path.resolve(), path.stat().st_mtime_ns.__str__())
    if key not in _BATCH_CACHE:
        _BATCH_CACHE.clear()
        _BATCH_CACHE[key] = BatchModel.from_file(path)
    return _BATCH_CACHE[key]


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


def _settings(dataset: xr.Dataset) -> AnalysisSettings:
    try:
        return AnalysisSettings.from_dataset(dataset)
    except AnalysisError:
        return AnalysisSettings()


def run_report_experiments(options: ReportOptions, progress: Progress) -> ReportData:
    """Run every experiment of a report and save each result as soon as it exists.

    Parameters
    ----------
    options : ReportOptions
        Model, scenarios, sizes, seed and output folder.
    progress : Progress
        Where progress lines go.

    Returns
    -------
    ReportData
        The scenario results and every part (available or not, with the reason).

    Raises
    ------
    SdclusterError
        If the model or the scenarios cannot be loaded or run, or the output
        folder cannot be written. Failures of later parts do not raise.

    """
    with progress.stage("loading the model"):
        model = load_model(options.model)
        scenarios = choose_scenarios(model, options)
    results_path = results_path_for(_output_folder(options.out_dir), model.path.stem)
    with progress.stage(f"running {len(scenarios)} scenario(s) with PySD"):
        results = run_scenarios(model, scenarios, progress=progress.enabled)
    settings = _settings(results.dataset)
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
        "parts": {name: part_file_name(results_path, name) for name in PARTS},
    }
    results = Results(dataset=results.dataset, metadata={**results.metadata, REPORT_KEY: entry})
    results.save(results_path)
    progress.say(f"report: results saved to {results_path}")
    context = RunContext(model=model, sizes=options.sizes(), seed=options.seed,
                         base=scenarios[0], settings=settings, progress=progress)
    parts = {}
    for name, (title, maker) in PART_MAKERS.items():
        with progress.stage(title):
            part = _made(name, maker, context)
        save_part(results_path, part, run_id)
        if part.reason:
            progress.say(f"report: {name} not available: {part.reason}")
        parts[name] = part
    return ReportData(results=results, parts=parts, results_path=results_path)


def _output_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ResultsFileError(f"{folder}: cannot create the report folder "
                               f"({error.strerror or error})") from None
    return folder


def _made(name: str, maker: Callable[[RunContext], Part], context: RunContext) -> Part:
    try:
        return maker(context)
    except SdclusterError as error:
        return Part.missing(name, " ".join(str(error).split()))


# ---------------------------------------------------------------- sweep


def _run_lever(context: RunContext, batch: BatchModel, lever: str,
               values: Sequence[float] | np.ndarray, noise: np.ndarray | None = None
               ) -> xr.Dataset:
    """Run the base scenario at each lever value (one member each, or rows of ``noise``)."""
    params: dict[str, Any] = context.base_parameters()
    params[lever] = np.asarray(values, dtype=float)
    inputs = None if noise is None else {WHITE_NOISE_INPUT: noise}
    return batch.run(params, len(values), inputs=inputs, return_variables=list(PHASE_VARIABLES),
                     final_time=context.base.final_time)


def make_sweep(context: RunContext) -> Part:
    """Sweep openness without noise; refine the self-organization threshold by bisection."""
    batch = context.batch()
    context.require(batch, [SWEEP_LEVER, *PHASE_VARIABLES], "the openness sweep")
    low, high = context.lever_range(SWEEP_LEVER)
    grid = np.linspace(low, high, context.sizes.sweep_points)
    runs = [_run_lever(context, batch, SWEEP_LEVER, grid)]
    values = list(grid)
    organizes = reaches_phase_iii(runs[0], context.settings)
    first = int(np.argmax(organizes)) if organizes.any() else 0
    bracket = [float(grid[first - 1]), float(grid[first])] if first > 0 else None
    while bracket is not None and bracket[1] - bracket[0] > context.sizes.sweep_tolerance:
        middle = 0.5 * (bracket[0] + bracket[1])
        run = _run_lever(context, batch, SWEEP_LEVER, [middle])
        bracket[0 if not reaches_phase_iii(run, context.settings)[0] else 1] = middle
        runs.append(run)
        values.append(middle)
    stages = ["grid"] * len(grid) + ["bisection"] * (len(values) - len(grid))
    dataset = xr.concat(runs, dim="member")
    coordinates = {"member": np.arange(len(values)), SWEEP_LEVER: ("member", values),
                   "stage": ("member", stages)}
    dataset = dataset.assign_coords(coordinates)
    metadata = {"lever": SWEEP_LEVER, "range": [low, high], "grid_points": len(grid),
                "tolerance": context.sizes.sweep_tolerance, "base_scenario": context.base.name,
                "steps_ignored": sorted(context.base.steps)}
    return Part(name="sweep", dataset=dataset, metadata=metadata)


# ---------------------------------------------------------------- ensembles


def _noise(context: RunContext, batch: BatchModel, members: int) -> np.ndarray:
    from sdcluster.engine.noise import white_noise

    steps = len(batch.schedule(context.base.final_time).times)
    return white_noise(context.seed, np.arange(members), steps)


def _ensemble_metadata(context: RunContext, batch: BatchModel) -> dict[str, Any]:
    noise_sd = batch.default(NOISE_SD) if NOISE_SD in batch.parameters else None
    return {"seed": context.seed, "members": context.sizes.ensemble_members,
            "noise_sd": context.base.overrides.get(NOISE_SD, noise_sd),
            "base_scenario": context.base.name, "steps_ignored": sorted(context.base.steps),
            "streams": "member m draws from SeedSequence(seed, spawn_key=(m,))"}


def make_ensemble(context: RunContext) -> Part:
    """Run the base scenario with seeded white noise, one stream per member."""
    batch = context.batch()
    context.require(batch, [WHITE_NOISE_INPUT, *ENSEMBLE_VARIABLES], "the fluctuation ensemble")
    members = context.sizes.ensemble_members
    dataset = batch.run(context.base_parameters(), members,
                        inputs={WHITE_NOISE_INPUT: _noise(context, batch, members)},
                        return_variables=list(ENSEMBLE_VARIABLES),
                        final_time=context.base.final_time)
    return Part(name="ensemble", dataset=dataset, metadata=_ensemble_metadata(context, batch))


def make_takeoff(context: RunContext) -> Part:
    """Run the ensemble's members at evenly spaced openness values; keep each run's phase onsets.

    Every openness value gets the same noise streams (common random numbers),
    so the curve's differences come from openness, not from the draws.
    """
    batch = context.batch()
    context.require(batch, [SWEEP_LEVER, WHITE_NOISE_INPUT, *PHASE_VARIABLES],
                    "the take-off curve")
    low, high = context.lever_range(SWEEP_LEVER)
    values = np.linspace(low, high, context.sizes.takeoff_points)
    members = context.sizes.ensemble_members
    noise = np.tile(_noise(context, batch, members), (len(values), 1))
    runs = _run_lever(context, batch, SWEEP_LEVER, np.repeat(values, members), noise)
    onsets = phase_onsets(runs, context.settings)
    shape = (len(values), members)
    dataset = xr.Dataset(
        {f"onset {phase}": (("openness", "member"), onsets[phase].to_numpy().reshape(shape),
                            {"units": context.model.time.units,
                             "documentation": f"first time the run entered and held the "
                                              f"phase {phase!r}; NaN if never"})
         for phase in PHASES},
        coords={"openness": values, "member": np.arange(members)},
    )
    return Part(name="takeoff", dataset=dataset,
                metadata={**_ensemble_metadata(context, batch), "lever": SWEEP_LEVER})


# ------------------------------------------------------- sensitivity, checks, loops


def make_sensitivity(context: RunContext) -> Part:
    """Sensitivity indices of the levers (needs :mod:`sdcluster.sensitivity`)."""
    del context
    return Part.missing("sensitivity", "the sensitivity analysis (sdcluster.sensitivity) is "
                                       "not in this version of sdcluster")


def make_checks(context: RunContext) -> Part:
    """Run the validation suite (``sdcluster check``) and keep its rows."""
    from sdcluster.analysis.checks import run_checks

    rows = run_checks(context.model)
    columns: Mapping[str, list[Any]] = {
        "group": [r.group for r in rows], "check": [r.check for r in rows],
        "condition": [r.condition for r in rows], "passed": [r.passed for r in rows],
        "detail": [r.detail for r in rows],
    }
    dataset = xr.Dataset({name: ("row", np.asarray(values)) for name, values in columns.items()})
    return Part(name="checks", dataset=dataset, metadata={"rows": len(rows)})


def make_loops(context: RunContext) -> Part:
    """Loop dominance over time (needs :mod:`sdcluster.analysis.loops`)."""
    del context
    return Part.missing("loops", "the loop-dominance analysis (sdcluster.analysis.loops) is "
                                 "not in this version of sdcluster")


#: Part name -> (progress title, function that makes it), in run order.
PART_MAKERS: Mapping[str, tuple[str, Callable[[RunContext], Part]]] = {
    "sweep": ("openness sweep with bisection (batch engine)", make_sweep),
    "ensemble": ("fluctuation ensemble (batch engine)", make_ensemble),
    "takeoff": ("take-off probability against openness (batch engine)", make_takeoff),
    "sensitivity": ("sensitivity analysis", make_sensitivity),
    "checks": ("validation checks (sdcluster check)", make_checks),
    "loops": ("loop dominance", make_loops),
}

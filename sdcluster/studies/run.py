"""One entry point for every experiment: ``run(model, spec, options)``.

:func:`run` looks at the type of the spec (:mod:`sdcluster.experiments`) and
calls the study that runs it, with the execution settings of a
:class:`~sdcluster.engine.options.RunOptions`:

- a :class:`~sdcluster.experiments.scenario_set.ScenarioSet` runs through
  :func:`~sdcluster.engine.run.run_scenarios` and gives
  :class:`~sdcluster.results.dataset.Results`;
- an :class:`~sdcluster.experiments.ensemble.EnsembleSpec`:
  :func:`~sdcluster.studies.ensemble.run_ensemble`, Results;
- a :class:`~sdcluster.experiments.sensitivity.SensitivitySpec`:
  :func:`~sdcluster.studies.sensitivity.run_sensitivity`, a ``SensitivityResult``;
- a :class:`~sdcluster.experiments.loop_ensemble.LoopEnsembleSpec`:
  :func:`~sdcluster.studies.loop_ensembles.run_loop_ensemble`, a ``LoopEnsemble``;
- a :class:`~sdcluster.experiments.bifurcation.BifurcationSpec`:
  :func:`~sdcluster.studies.bifurcation.run_bifurcation`, a ``BifurcationResult``;
- a :class:`~sdcluster.experiments.calibration.CalibrationSpec`:
  :func:`~sdcluster.studies.calibration.run_calibration`, a ``CalibrationResult``.

The per-study functions stay public for their extra arguments (analysis
settings, named loops); :func:`run` is what the command line and library
users call. Study modules are imported when their spec runs, so importing
this module stays cheap.

Examples
--------
>>> import sdcluster
>>> from sdcluster.experiments.ensemble import EnsembleSpec
>>> from sdcluster.engine.options import RunOptions
>>> results = sdcluster.run("cluster.mdl", EnsembleSpec(n_members=1000, seed=1),
...                         RunOptions(chunk_size=250))              # doctest: +SKIP

"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, overload

from sdcluster.engine.options import DEFAULT_OPTIONS, RunOptions
from sdcluster.errors import SpecError
from sdcluster.experiments.bifurcation import BifurcationSpec
from sdcluster.experiments.calibration import CalibrationSpec
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.experiments.loop_ensemble import LoopEnsembleSpec
from sdcluster.experiments.scenario_set import ScenarioSet
from sdcluster.experiments.sensitivity import SensitivitySpec
from sdcluster.model.loaded import LoadedModel, load_model

if TYPE_CHECKING:
    from sdcluster.engine.batch import BatchModel
    from sdcluster.results.dataset import Results
    from sdcluster.studies.bifurcation import BifurcationResult
    from sdcluster.studies.calibration import CalibrationResult
    from sdcluster.studies.loop_ensembles import LoopEnsemble
    from sdcluster.studies.sensitivity import SensitivityResult

__all__ = ["ModelLike", "Spec", "run"]

#: A model: loaded, or the path of its file.
ModelLike = LoadedModel | str | os.PathLike[str]
#: Every spec :func:`run` knows.
Spec = (ScenarioSet | EnsembleSpec | SensitivitySpec | LoopEnsembleSpec | BifurcationSpec
        | CalibrationSpec)


@overload
def run(model: ModelLike, spec: ScenarioSet, options: RunOptions | None = None) -> Results: ...
@overload
def run(model: ModelLike, spec: EnsembleSpec, options: RunOptions | None = None) -> Results: ...
@overload
def run(model: ModelLike, spec: SensitivitySpec,
        options: RunOptions | None = None) -> SensitivityResult: ...
@overload
def run(model: ModelLike, spec: LoopEnsembleSpec,
        options: RunOptions | None = None) -> LoopEnsemble: ...
@overload
def run(model: ModelLike | BatchModel, spec: BifurcationSpec,
        options: RunOptions | None = None) -> BifurcationResult: ...
@overload
def run(model: ModelLike, spec: CalibrationSpec,
        options: RunOptions | None = None) -> CalibrationResult: ...
def run(model: ModelLike | BatchModel, spec: Spec, options: RunOptions | None = None,
        ) -> Results | SensitivityResult | LoopEnsemble | BifurcationResult | CalibrationResult:
    """Run an experiment on a model and return the study's result.

    Parameters
    ----------
    model : LoadedModel, str or PathLike
        The model, loaded or as its file (a bifurcation study also takes a
        compiled :class:`~sdcluster.engine.batch.BatchModel`).
    spec : Spec
        A ScenarioSet, EnsembleSpec, SensitivitySpec, LoopEnsembleSpec,
        BifurcationSpec or CalibrationSpec: what to run (the module docstring
        says which study runs each).
    options : RunOptions, optional
        How to run it: engine, chunk size, executor, progress bar, run folder.
        A study ignores the settings that do not apply to it (a scenario set
        or a loop ensemble runs one run at a time; only an ensemble has a run
        folder).

    Returns
    -------
    Results, SensitivityResult, LoopEnsemble, BifurcationResult or CalibrationResult
        What the study returns.

    Raises
    ------
    SpecError
        If the spec is of no known type, or the options ask for an engine the
        study cannot use.
    SdclusterError
        Whatever the study raises for a bad model, spec or run.

    """
    options = DEFAULT_OPTIONS if options is None else options
    if isinstance(spec, BifurcationSpec):
        from sdcluster.studies.bifurcation import run_bifurcation

        return run_bifurcation(model, spec, options)
    loaded = _loaded(model)
    if isinstance(spec, ScenarioSet):
        from sdcluster.engine.run import run_scenarios

        if options.engine == "batch":
            raise SpecError("a scenario set runs through PySD; use engine 'auto' or 'pysd'")
        return run_scenarios(loaded, spec, progress=options.progress)
    if isinstance(spec, EnsembleSpec):
        from sdcluster.studies.ensemble import run_ensemble

        return run_ensemble(loaded, spec, options)
    if isinstance(spec, SensitivitySpec):
        from sdcluster.studies.sensitivity import run_sensitivity

        return run_sensitivity(loaded, spec, options)
    if isinstance(spec, LoopEnsembleSpec):
        from sdcluster.studies.loop_ensembles import run_loop_ensemble

        return run_loop_ensemble(loaded, spec, options)
    if isinstance(spec, CalibrationSpec):
        from sdcluster.studies.calibration import run_calibration

        return run_calibration(loaded, spec, options)
    raise SpecError(f"run: no study runs a {type(spec).__name__}; give one of "
                    "ScenarioSet, EnsembleSpec, SensitivitySpec, LoopEnsembleSpec, "
                    "BifurcationSpec or CalibrationSpec")


def _loaded(model: ModelLike | BatchModel) -> LoadedModel:
    if isinstance(model, LoadedModel):
        return model
    if isinstance(model, str | os.PathLike):
        return load_model(model)
    raise SpecError(f"run: a {type(model).__name__} runs bifurcation studies only; give the "
                    "loaded model or its file")

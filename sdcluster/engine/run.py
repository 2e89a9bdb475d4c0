"""Run an experiment spec on a loaded model and collect :class:`~sdcluster.results.dataset.Results`.

The one entry point of the engine stage for scenario comparisons: the PySD
runner (the engine of record) integrates each scenario, and the results carry
the metadata that reproduces them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sdcluster.engine.pysd_runner import run_scenario_set
from sdcluster.experiments.scenario_set import ScenarioSet
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel
from sdcluster.results.dataset import Results, package_versions


def run_scenarios(model: LoadedModel, spec: ScenarioSet | Iterable[Scenario], *,
                  seed: int | None = None, progress: bool = False) -> Results:
    """Run scenarios through PySD and collect :class:`Results`.

    Parameters
    ----------
    model : LoadedModel
        The model.
    spec : ScenarioSet or iterable of Scenario
        What to run. Plain scenarios are wrapped in a :class:`ScenarioSet`
        with ``seed``.
    seed : int, optional
        Noise seed, used only when ``spec`` is not already a ScenarioSet.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    Results

    Examples
    --------
    >>> model = load_model()                                   # doctest: +SKIP
    >>> results = run_scenarios(model, load_scenarios(model))  # doctest: +SKIP
    >>> results.save("results.nc")                             # doctest: +SKIP

    """
    scenario_set = spec if isinstance(spec, ScenarioSet) else ScenarioSet.of(spec, seed=seed)
    dataset = run_scenario_set(model, scenario_set, progress=progress)
    seeds = {s.name: scenario_set.seed for s in scenario_set.scenarios}
    return Results(dataset=dataset,
                   metadata=make_metadata(model, scenario_set.scenarios, seeds))


def make_metadata(model: LoadedModel, scenarios: Iterable[Scenario],
                  seeds: Mapping[str, int | None], *, engine: str = "pysd") -> dict[str, Any]:
    """Return the metadata dict for results of ``scenarios`` run on ``model``.

    Parameters
    ----------
    model : LoadedModel
        The model run.
    scenarios : iterable of Scenario
        The scenarios run (or the base scenario of an ensemble).
    seeds : Mapping
        Run name (scenario or member) -> seed of its noise stream.
    engine : str
        Which engine produced the results.

    """
    metadata: dict[str, Any] = {
        "model_path": str(model.path.resolve()),
        "model_sha256": model.sha256,
        "scenarios": [s.to_dict() for s in scenarios],
        "seeds": dict(seeds),
        "engine": engine,
        "time": {"initial_time": model.time.initial_time, "final_time": model.time.final_time,
                 "time_step": model.time.time_step, "saveper": model.time.saveper,
                 "units": model.time.units},
        "versions": package_versions(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if model.data_files:  # the files of its DATA variables: path, SHA-256, variables
        metadata["data_files"] = model.data_files.describe()
    return metadata

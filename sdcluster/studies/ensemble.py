"""Seeded fluctuation ensembles: run an :class:`~sdcluster.experiments.ensemble.EnsembleSpec`.

:func:`run_ensemble` runs a spec (what: members, seed, noise, scenario,
design, recorded variables; :mod:`sdcluster.experiments.ensemble` explains
how members get their noise streams) on a model with
:class:`~sdcluster.engine.options.RunOptions` (how: engine, chunk size,
executor, run folder) and returns
:class:`~sdcluster.results.dataset.Results` with dims ``("member", "time")``.

The coordinates along ``"member"`` record the members' streams:
``noise_stream`` (when noise is on) and, with a design, ``sample``,
``replicate`` and ``design`` (dims ``member`` and ``parameter``;
``parameter`` holds the constants' model names), so
``ds["design"].sel(parameter="openness")`` is each member's openness (record
the parameter as a variable too to see it over time, e.g. with a step).

Engines
-------
The vectorized batch engine (:mod:`sdcluster.engine.batch`) runs a chunk of
members at once. A model it cannot vectorize (see
:func:`~sdcluster.engine.batch_support.can_vectorize`) runs member by member through
PySD, the engine of record, with a log line saying so. Scenario steps become
an input series in the batch engine, the same series PySD receives.

Summaries
---------
Percentile bands, onset times, take-off probability and the onset
distribution are pure functions of the results, in
:mod:`sdcluster.analysis.ensembles`; the designs and the member coordinates
they define are in :mod:`sdcluster.experiments.designs`.

Flow: this module sits after the analysis in the package's one-way flow (it
calls the engines, builds results and summarises them with the analysis);
no module to its left imports it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sdcluster.analysis.entropy import ORDER_DEGREE, SYNERGY_DEGREE, TOTAL_CHANGE
from sdcluster.analysis.phase_summaries import KNOWLEDGE
from sdcluster.analysis.phases import FIRMS
from sdcluster.engine.executors import execute_chunks
from sdcluster.engine.options import DEFAULT_OPTIONS, RunOptions
from sdcluster.engine.resources import check_fits, run_size
from sdcluster.engine.run import make_metadata
from sdcluster.errors import SpecError
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.experiments.noise import NOISE_INPUT_RULE, NOISE_STREAMS, noise_inputs
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.chunks import ChunkStore, plan_chunks, spec_key
from sdcluster.results.dataset import Results
from sdcluster.studies.members import MemberRunner, engine_for, variable_attrs

__all__ = [
    "ENSEMBLE_DEFAULT_VARIABLES",
    "EnsembleSpec",
    "MemberRunner",
    "ensemble_key",
    "run_ensemble",
    "save_ensemble",
]

logger = logging.getLogger(__name__)

#: Recorded by default when the model has them: what phases and summaries need.
ENSEMBLE_DEFAULT_VARIABLES = (FIRMS, KNOWLEDGE, ORDER_DEGREE, SYNERGY_DEGREE, TOTAL_CHANGE)


def ensemble_key(spec: EnsembleSpec, options: RunOptions, model_sha256: str,
                 engine: str, *, data_files: Sequence[Mapping[str, Any]] = ()) -> str:
    """Return the 16-hex-digit hash of everything that fixes the members' values and chunks.

    The key names a run folder's chunk files, so that a run resumes only
    from chunks of the same spec, model, data files (their content), engine
    and chunk size.
    """
    description = {**spec.describe(), "model_path": None, "model_sha256": model_sha256,
                   "chunk_size": options.chunk_size, "engine": engine,
                   "noise_streams": NOISE_STREAMS}
    if data_files:  # a model without data files keeps the key it always had
        description["data_files"] = [[f["sha256"], f["variables"]] for f in data_files]
    return spec_key(description, *spec.fingerprint())


# ------------------------------------------------------------------ running


def run_ensemble(
    model: LoadedModel | str | os.PathLike[str],
    spec: EnsembleSpec,
    options: RunOptions | None = None,
) -> Results:
    """Run a seeded ensemble.

    Parameters
    ----------
    model : LoadedModel or path
        The model (loaded, or its file).
    spec : EnsembleSpec
        What to run.
    options : RunOptions, optional
        How: engine, chunk size, executor, progress bar and run folder. With
        a run folder each finished chunk is streamed to a netCDF file there
        and the files are returned opened lazily (bounded memory, whatever the
        ensemble size); chunks already there for the same spec are not run
        again, so running the same spec after an interruption resumes it.
        Without one the members are collected in memory.

    Returns
    -------
    Results
        Dims ``("member", "time")``; member coordinates as in the module
        docstring. Metadata: the usual keys (``seeds`` maps the scenario to
        the root seed, or None without noise) plus ``ensemble`` (the spec,
        the model file, the chunk size, its hash ``key``, the engine used,
        ``noise_inputs``: the white-noise inputs fed, in input order, with
        ``noise_streams`` saying how their streams derive from the seed; and
        the run folder).

    Raises
    ------
    ModelFileError, UnknownVariableError, SpecError
        For a bad model file or spec.
    SimulationError
        If a member's run fails or produces NaN or infinity.

    Examples
    --------
    >>> spec = EnsembleSpec(n_members=1000, seed=1)               # doctest: +SKIP
    >>> results = run_ensemble(path, spec)                        # doctest: +SKIP
    >>> takeoff_probability(results.dataset).probability          # doctest: +SKIP

    """
    options = DEFAULT_OPTIONS if options is None else options
    model = model if isinstance(model, LoadedModel) else load_model(model)
    valid = spec.validated(model, default_variables=ENSEMBLE_DEFAULT_VARIABLES)
    batch = engine_for(model, options.engine)
    runner = MemberRunner(valid, variable_attrs(model, valid.variables or ()), batch,
                          noise_inputs=noise_inputs(model), model_path=model.path,
                          data_files=model.data_files, model_sha256=model.sha256)
    if valid.noise and not runner.has_noise_input:
        if valid.design is None and valid.n_members > 1:
            # Identical members are never what an ensemble was asked for: say so before running.
            raise SpecError(f"{model.path.name} has no white noise input ({NOISE_INPUT_RULE}): "
                            f"its {valid.n_members} members would all be the same run; run it "
                            "without noise (--no-noise, noise=False) or add a white noise "
                            "input to the model")
        logger.warning("%s has no white noise input (%s): members differ only by the design",
                       model.path.name, NOISE_INPUT_RULE)
    run_dir = options.run_dir
    _check_ensemble_size(model, valid, options)
    key = ensemble_key(valid, options, model.sha256, runner.engine,
                       data_files=model.data_files.describe())
    metadata = make_metadata(model, [valid.scenario],
                             {valid.scenario.name: valid.seed if runner.noise_on else None},
                             engine=runner.engine)
    metadata["ensemble"] = {"model_path": str(model.path), **valid.describe(),
                            "chunk_size": options.chunk_size, "noise_streams": NOISE_STREAMS,
                            "key": key, "engine": runner.engine,
                            "noise_inputs": list(runner.noise_inputs if runner.noise_on else ()),
                            "run_dir": None if run_dir is None else str(run_dir)}
    chunks = plan_chunks(valid.n_members, options.chunk_size)
    if run_dir is None:
        dataset = execute_chunks(runner, chunks, executor=options.executor,
                                 progress=options.progress)
    else:
        store = ChunkStore(run_dir, key, manifest=metadata["ensemble"])
        metadata["ensemble"]["resumed_chunks"] = len(store.verified(chunks))
        try:
            execute_chunks(runner, chunks, executor=options.executor, store=store,
                           progress=options.progress)
        except BaseException:
            store.discard_if_empty()  # leave no empty run folder behind
            raise
        dataset = store.open(chunks)
    assert dataset is not None  # execute_chunks returns the data when there is no store
    return Results(dataset=dataset, metadata=metadata)


def _check_ensemble_size(model: LoadedModel, spec: EnsembleSpec, options: RunOptions) -> None:
    """Refuse an ensemble whose chunk does not fit in memory, or whose files do not fit on disk."""
    run_dir = options.run_dir
    size = run_size(model.time, spec.scenario.final_time, variables=len(spec.variables or ()),
                    runs=spec.n_members,
                    in_memory=options.chunk_size if run_dir is not None else spec.n_members)
    check_fits(size, f"{model.path}: ensemble of {spec.n_members:,} members", folder=run_dir)


def save_ensemble(results: Results, out: str | Path, *, remove_chunks: bool = True) -> Path:
    """Save ensemble results to one netCDF file, atomically and with bounded memory.

    Lazily opened results (from ``run_ensemble`` with a ``run_dir`` option) are
    written chunk by chunk. Afterwards the run folder's chunk files are
    deleted unless ``remove_chunks`` is False.

    Returns
    -------
    Path
        ``out``.

    """
    import dask

    target = Path(out)
    # Local threads: a distributed client must not be asked to read local chunk files.
    with dask.config.set(scheduler="threads"):
        results.save(target)
    info = results.metadata.get("ensemble", {})
    if remove_chunks and info.get("run_dir"):
        results.dataset.close()
        ChunkStore(info["run_dir"], info["key"]).remove()
    return target

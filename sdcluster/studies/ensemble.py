"""Seeded fluctuation ensembles: many runs of one scenario, each with its own noise.

An :class:`EnsembleSpec` says what to run: a model file, a base scenario
(overrides, steps, final time), how many members, the root seed, whether the
white-noise input is on, an optional :class:`ParameterDesign` (constants
that vary from member to member), the variables to record and the chunk
size. :func:`run_ensemble` runs it and returns
:class:`~sdcluster.results.dataset.Results` with dims ``("member", "time")``.

Members and their random numbers
--------------------------------
Member ``m`` (its global index, ``0 .. n_members - 1``) reads its
fluctuations from noise stream ``s(m)`` of the root seed: one standard
normal draw per TIME STEP for each of the model's white-noise inputs (its
constants named ``white noise ...``, see
:func:`sdcluster.engine.noise.noise_inputs`); input ``k`` gets
``sdcluster.engine.noise.white_noise(seed, [s(m)], n_steps, input_index=k)``.
A member's numbers depend on ``(seed, s(m))`` only, never on the chunk size,
the executor or the number of workers, and the batch engine and PySD give
the same member (the tests check ``rtol=1e-9``).

* Without a design, ``s(m) = m``: independent fluctuations.
* With a design of ``S`` samples and ``R`` replicates, ``n_members = S * R``
  and member ``m`` is replicate ``r = m % R`` of sample ``m // R``; its
  stream is ``s(m) = r``. Every sample sees the same ``R`` noise streams:
  *common random numbers*, so differences between samples come from the
  parameters, not from the draws.

Stream 0 of seed ``s`` is also the noise of ``sdcluster run --seed s``.

The coordinates along ``"member"`` record this: ``noise_stream`` (when noise
is on) and, with a design, ``sample``, ``replicate`` and ``design`` (dims
``member`` and ``parameter``; ``parameter`` holds the constants' model names),
so ``ds["design"].sel(parameter="openness")`` is each member's openness (record
the parameter as a variable too to see it over time, e.g. with a step).

Engines
-------
The vectorized batch engine (:mod:`sdcluster.engine.batch`) runs a chunk of
members at once. A model it cannot vectorize (see
:func:`~sdcluster.engine.batch.can_vectorize`) runs member by member through
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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from sdcluster.analysis.entropy import ORDER_DEGREE, SYNERGY_DEGREE, TOTAL_CHANGE
from sdcluster.analysis.phases import FIRMS, KNOWLEDGE
from sdcluster.engine.batch import DEFAULT_CHUNK_SIZE
from sdcluster.engine.executors import ChunkStore, Executor, execute_chunks, plan_chunks, spec_key
from sdcluster.engine.noise import (
    NOISE_INPUT_RULE,
    NOISE_STREAMS,
    noise_inputs,
)
from sdcluster.engine.resources import check_fits, run_size
from sdcluster.engine.run import make_metadata
from sdcluster.errors import (
    SpecError,
    did_you_mean,
    with_article,
)
from sdcluster.experiments.designs import (
    ParameterDesign,
    check_count,
)
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.dataset import Results
from sdcluster.studies.members import MemberRunner, engine_for, variable_attrs

__all__ = [
    "EnsembleSpec",
    "MemberRunner",
    "run_ensemble",
    "save_ensemble",
]

logger = logging.getLogger(__name__)

Engine = Literal["auto", "batch", "pysd"]
ENGINES: tuple[str, ...] = ("auto", "batch", "pysd")

#: Recorded by default when the model has them: what phases and summaries need.
PHASE_VARIABLES = (FIRMS, KNOWLEDGE, ORDER_DEGREE, SYNERGY_DEGREE, TOTAL_CHANGE)


@dataclass(frozen=True, kw_only=True, eq=False)
class EnsembleSpec:
    """A seeded ensemble of one scenario.

    Attributes
    ----------
    model_path : Path
        The model file (Vensim or XMILE).
    n_members : int
        Number of members; with a design it must be ``design.n_samples *
        replicates`` (use :meth:`for_design`).
    seed : int
        Root seed of the members' noise streams (see the module docstring).
    scenario : Scenario
        Base scenario: overrides, steps and final time shared by all members.
    noise : bool
        Feed the seeded white noise to the model's white-noise inputs; off, every
        member runs without fluctuations (useful with a design).
    design : ParameterDesign or None
        Constants that vary per sample; they win over the scenario's
        overrides and are a step's value before it.
    replicates : int
        Members per design sample (noise streams ``0 .. replicates - 1``).
    variables : tuple of str or None
        Variables to record; the phase variables (Innovative Firms, Knowledge
        Stock, Order Degree, synergy degree, dS total) when the model has
        them, else its stocks.
    chunk_size : int
        Members per chunk (bounds memory; never changes the numbers).
    engine : str
        ``"auto"`` (batch engine, PySD if the model cannot be vectorized),
        ``"batch"`` or ``"pysd"``.

    Raises
    ------
    SpecError
        If a count or the seed is not a suitable integer, the member count
        does not match the design, or the engine is unknown.

    """

    model_path: Path
    n_members: int
    seed: int = 0
    scenario: Scenario = field(
        default_factory=lambda: Scenario(name="baseline", title="model as it is")
    )
    noise: bool = True
    design: ParameterDesign | None = None
    replicates: int = 1
    variables: tuple[str, ...] | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE
    engine: Engine = "auto"

    def __post_init__(self) -> None:
        object.__setattr__(self, "model_path", Path(self.model_path))
        if self.variables is not None:
            object.__setattr__(self, "variables", tuple(self.variables))
        # Stored as plain ints: NumPy integers would change the spec's hash and its JSON.
        for name, minimum in (("n_members", 1), ("seed", 0), ("replicates", 1),
                              ("chunk_size", 1)):
            object.__setattr__(self, name, check_count(name, getattr(self, name),
                                                       minimum=minimum))
        if self.engine not in ENGINES:
            raise SpecError(f"engine must be one of {', '.join(ENGINES)}, got "
                                f"{self.engine!r}{did_you_mean(str(self.engine), ENGINES)}")
        if self.design is None and self.replicates != 1:
            raise SpecError("replicates apply to a parameter design; give a design or "
                                "set n_members instead")
        if self.design is not None and self.n_members != self.design.n_samples * self.replicates:
            raise SpecError(
                f"n_members = {self.n_members} does not match the design: "
                f"{self.design.n_samples} samples x {self.replicates} replicates"
            )

    @classmethod
    def for_design(cls, model_path: str | Path, design: ParameterDesign, *,
                   replicates: int = 1, **options: Any) -> EnsembleSpec:
        """Build the spec of a design: ``design.n_samples * replicates`` members."""
        count = check_count("replicates", replicates, minimum=1)
        return cls(model_path=Path(model_path), design=design, replicates=count,
                   n_members=design.n_samples * count, **options)

    def noise_streams(self, members: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return the noise stream of each member (see the module docstring)."""
        return members % self.replicates if self.design is not None else members

    def samples(self, members: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return the design sample of each member."""
        return members // self.replicates

    def validated(self, model: LoadedModel) -> EnsembleSpec:
        """Check names, kinds and ranges against the model; return the model's spellings.

        Raises
        ------
        UnknownVariableError
            If a name matches no model variable (the message lists the closest).
        SpecError
            If the scenario is invalid, a design parameter is not a constant
            or has a value outside its declared range, or a recorded variable
            is a lookup table.

        """
        scenario = self.scenario.validated(model)
        design = None if self.design is None else _validated_design(model, self.design)
        variables = _recorded_variables(model, self.variables)
        return replace(self, scenario=scenario, design=design, variables=variables)

    def describe(self) -> dict[str, Any]:
        """Return the spec as JSON-able data (the design without its values)."""
        return {
            "model_path": str(self.model_path),
            "n_members": self.n_members,
            "seed": self.seed,
            "scenario": self.scenario.to_dict(),
            "noise": self.noise,
            "design": None if self.design is None else self.design.describe(),
            "replicates": self.replicates,
            "variables": None if self.variables is None else list(self.variables),
            "chunk_size": self.chunk_size,
            "engine": self.engine,
            "noise_streams": NOISE_STREAMS,
        }

    def key(self, model_sha256: str, engine: str) -> str:
        """Return the 16-hex-digit hash of everything that fixes the members' values."""
        description = {**self.describe(), "model_path": None, "model_sha256": model_sha256,
                       "engine": engine}
        extra = [] if self.design is None else [
            "\0".join(self.design.names).encode(), self.design.values.tobytes()
        ]
        return spec_key(description, *extra)


def _validated_design(model: LoadedModel, design: ParameterDesign) -> ParameterDesign:
    names = []
    for j, name in enumerate(design.names):
        variable = model.variable(model.resolve(name, context="parameter design: "))
        if variable.kind != "constant":
            raise SpecError(
                f"parameter design: {name!r} is {with_article(variable.kind)}; "
                "only constants can vary"
                f"{did_you_mean(name, model.constants)}"
            )
        outside = [i for i, value in enumerate(design.values[:, j]) if not variable.in_range(value)]
        if outside:
            raise SpecError(
                f"parameter design: {variable.name!r} = {design.values[outside[0], j]:g} "
                f"(sample {outside[0]}, {len(outside)} samples in all) is outside its declared "
                f"range {variable.range_text()}"
            )
        names.append(variable.name)
    return replace(design, names=tuple(names))


def _recorded_variables(model: LoadedModel, variables: Sequence[str] | None) -> tuple[str, ...]:
    if variables is None:
        wanted = (list(PHASE_VARIABLES) if all(v in model for v in PHASE_VARIABLES)
                  else list(model.stocks))
    else:
        wanted = [model.resolve(name, context="recorded variables: ") for name in variables]
    for name in wanted:
        if model.variables[name].kind == "lookup":
            raise SpecError(f"recorded variables: {name!r} is a lookup table, not a series")
    if not wanted:
        raise SpecError("recorded variables: give at least one variable")
    return tuple(dict.fromkeys(wanted))


# ------------------------------------------------------------------ running


def run_ensemble(
    spec: EnsembleSpec,
    *,
    executor: Executor | None = None,
    run_dir: str | Path | None = None,
    progress: bool = False,
) -> Results:
    """Run a seeded ensemble.

    Parameters
    ----------
    spec : EnsembleSpec
        What to run.
    executor : Executor, optional
        Where chunks run: :class:`~sdcluster.engine.executors.LocalExecutor`
        (default) or an open :class:`~sdcluster.engine.executors.DaskExecutor`.
    run_dir : str or Path, optional
        Stream each finished chunk to a netCDF file in this folder and return
        the files opened lazily (bounded memory, whatever the ensemble size).
        Chunks already there for the same spec are not run again, so running
        the same spec after an interruption resumes it. Without a run
        folder the members are collected in memory.
    progress : bool
        Show a progress bar over chunks on stderr.

    Returns
    -------
    Results
        Dims ``("member", "time")``; member coordinates as in the module
        docstring. Metadata: the usual keys (``seeds`` maps the scenario to
        the root seed, or None without noise) plus ``ensemble`` (the spec,
        its hash ``key``, the engine used, ``noise_inputs``: the white-noise
        inputs fed, in input order, with ``noise_streams`` saying how their
        streams derive from the seed; and the run folder).

    Raises
    ------
    ModelFileError, UnknownVariableError, SpecError
        For a bad model file or spec.
    SimulationError
        If a member's run fails or produces NaN or infinity.

    Examples
    --------
    >>> spec = EnsembleSpec(model_path=path, n_members=1000, seed=1)  # doctest: +SKIP
    >>> results = run_ensemble(spec)                                  # doctest: +SKIP
    >>> takeoff_probability(results.dataset).probability              # doctest: +SKIP

    """
    model = load_model(spec.model_path)
    valid = spec.validated(model)
    batch = engine_for(valid)
    runner = MemberRunner(valid, variable_attrs(model, valid.variables or ()), batch,
                          noise_inputs=noise_inputs(model))
    if valid.noise and not runner.has_noise_input:
        if valid.design is None and valid.n_members > 1:
            # Identical members are never what an ensemble was asked for: say so before running.
            raise SpecError(f"{model.path.name} has no white noise input ({NOISE_INPUT_RULE}): "
                            f"its {valid.n_members} members would all be the same run; run it "
                            "without noise (--no-noise, noise=False) or add a white noise "
                            "input to the model")
        logger.warning("%s has no white noise input (%s): members differ only by the design",
                       model.path.name, NOISE_INPUT_RULE)
    _check_ensemble_size(model, valid, run_dir)
    key = valid.key(model.sha256, runner.engine)
    metadata = make_metadata(model, [valid.scenario],
                             {valid.scenario.name: valid.seed if runner.noise_on else None},
                             engine=runner.engine)
    metadata["ensemble"] = {**valid.describe(), "key": key, "engine": runner.engine,
                            "noise_inputs": list(runner.noise_inputs if runner.noise_on else ()),
                            "run_dir": None if run_dir is None else str(run_dir)}
    chunks = plan_chunks(valid.n_members, valid.chunk_size)
    if run_dir is None:
        dataset = execute_chunks(runner, chunks, executor=executor, progress=progress)
    else:
        store = ChunkStore(run_dir, key, manifest=metadata["ensemble"])
        metadata["ensemble"]["resumed_chunks"] = len(store.verified(chunks))
        try:
            execute_chunks(runner, chunks, executor=executor, store=store, progress=progress)
        except BaseException:
            store.discard_if_empty()  # leave no empty run folder behind
            raise
        dataset = store.open(chunks)
    assert dataset is not None  # execute_chunks returns the data when there is no store
    return Results(dataset=dataset, metadata=metadata)


def _check_ensemble_size(model: LoadedModel, spec: EnsembleSpec,
                         run_dir: str | Path | None) -> None:
    """Refuse an ensemble whose chunk does not fit in memory, or whose files do not fit on disk."""
    size = run_size(model.time, spec.scenario.final_time, variables=len(spec.variables or ()),
                    runs=spec.n_members,
                    in_memory=spec.chunk_size if run_dir is not None else spec.n_members)
    check_fits(size, f"{model.path}: ensemble of {spec.n_members:,} members", folder=run_dir)


def save_ensemble(results: Results, out: str | Path, *, remove_chunks: bool = True) -> Path:
    """Save ensemble results to one netCDF file, atomically and with bounded memory.

    Lazily opened results (from ``run_ensemble(..., run_dir=...)``) are
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


# ---------------------------------------------------------------- summaries



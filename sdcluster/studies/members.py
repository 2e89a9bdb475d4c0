"""How the members of an ensemble run: a chunk at once in the batch engine, or one by one in PySD.

:class:`MemberRunner` runs the members of a chunk with their noise streams,
design values and the scenario's steps (as the input series PySD receives);
:func:`engine_for` picks the batch engine, or PySD where the batch engine
cannot run the model (with a log line saying why).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from sdcluster.engine.batch import BatchModel
from sdcluster.engine.batch_external import external_fingerprint
from sdcluster.engine.pysd_runner import WHITE_NOISE_INPUT, run_scenario
from sdcluster.errors import (
    DataFileError,
    ModelFileError,
    UnsupportedConstructError,
)
from sdcluster.experiments.designs import (
    DESIGN,
    NOISE_STREAM,
    PARAMETER,
    REPLICATE,
    SAMPLE,
    FloatArray,
)
from sdcluster.experiments.inputs import step_values
from sdcluster.experiments.noise import (
    white_noise_inputs,
)
from sdcluster.model.data_files import DataFiles
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.dataset import MEMBER_DIM

if TYPE_CHECKING:
    from sdcluster.engine.options import Engine
    from sdcluster.experiments.ensemble import EnsembleSpec

logger = logging.getLogger(__name__)


_PYSD_MODELS = threading.local()


def _pysd_model(path: Path, data_files: DataFiles | None = None,
                sha256: str = "") -> LoadedModel:
    """Load a model once per thread (PySD models are neither picklable nor thread-safe).

    Keyed by the file, its content (``sha256``, the digest of the model the
    caller loaded) and the data files: a model edited between two studies in
    one process is loaded again, and a worker that finds the model file or a
    data file changed since the caller loaded it refuses to run members of
    another model.
    """
    files = DataFiles() if data_files is None else data_files
    cache: dict[tuple[str, str, DataFiles], LoadedModel] = _PYSD_MODELS.__dict__.setdefault(
        "cache", {})
    key = (str(path.resolve()), sha256, files)
    if key not in cache:
        loaded = load_model(path, data_files=files)
        if sha256 and loaded.sha256 != sha256:
            raise ModelFileError(f"{path}: the model file changed since the model was loaded; "
                                 "load the model again")
        changed = [new.path.name for new, old in zip(loaded.data_files.files, files.files,
                                                     strict=True) if new.sha256 != old.sha256]
        if changed:
            raise DataFileError(f"{path}: data file(s) {', '.join(map(repr, changed))} changed "
                                "since the model was loaded; load the model again",
                                path=changed[0])
        cache[key] = loaded
    return cache[key]


@dataclass(frozen=True, eq=False)
class MemberRunner:
    """The chunk task of an ensemble: ``runner(start, stop)`` runs members ``start .. stop-1``.

    Picklable: the batch model recompiles after unpickling; the PySD path
    loads the model in each worker thread.

    Parameters
    ----------
    spec : EnsembleSpec
        A spec validated against the model.
    attrs : Mapping
        Variable name -> attrs (``units``, ``documentation``, ``python_name``).
    batch : BatchModel or None
        The compiled model; ``None`` runs the members through PySD.
    noise_inputs : tuple of str
        The model's white-noise inputs in input order
        (:func:`sdcluster.experiments.noise.noise_inputs`); empty if it has none.
    model_path : Path or None
        The model file, which the PySD path loads in each worker thread
        (needed when ``batch`` is None).
    data_files : DataFiles
        The data files of the model's ``DATA`` variables
        (:attr:`LoadedModel.data_files`), which the PySD path loads with it.
    model_sha256 : str
        The digest of the model file as loaded (:attr:`LoadedModel.sha256`):
        the PySD path refuses a file that has changed since ("": unchecked).

    """

    spec: EnsembleSpec
    attrs: Mapping[str, Mapping[str, str]]
    batch: BatchModel | None = None
    noise_inputs: tuple[str, ...] = (WHITE_NOISE_INPUT,)
    model_path: Path | None = None
    data_files: DataFiles = field(default_factory=DataFiles)
    model_sha256: str = ""

    @property
    def engine(self) -> str:
        """Return ``"batch"`` or ``"pysd"``."""
        return "batch" if self.batch is not None else "pysd"

    def __call__(self, start: int, stop: int) -> xr.Dataset:
        """Run members ``start .. stop - 1`` and return their dataset (dims member, time)."""
        members = np.arange(start, stop, dtype=np.int64)
        if self.batch is not None:
            dataset = self._run_batch(self.batch, members)
        else:
            dataset = self._run_pysd(members)
        return self._labelled(dataset, members)

    @property
    def has_noise_input(self) -> bool:
        """Return whether the model has at least one white-noise input."""
        return bool(self.noise_inputs)

    @property
    def noise_on(self) -> bool:
        """Return whether members get the seeded noise (asked for, and the model has inputs)."""
        return self.spec.noise and self.has_noise_input

    def _member_parameters(self, members: NDArray[np.int64]) -> dict[str, Any]:
        params: dict[str, Any] = dict(self.spec.scenario.overrides)
        design = self.spec.design
        if design is not None:
            rows = design.values[self.spec.samples(members)]
            params.update({name: rows[:, j] for j, name in enumerate(design.names)})
        return params

    def _run_batch(self, batch: BatchModel, members: NDArray[np.int64]) -> xr.Dataset:
        scenario = self.spec.scenario
        schedule = batch.schedule(scenario.final_time)
        params = self._member_parameters(members)
        inputs: dict[str, ArrayLike] = {}
        for name, step in scenario.steps.items():
            before = params.pop(name, batch.default(name))
            inputs[name] = step_values(schedule.times, before, step, schedule.time_step)
        if self.noise_on:
            inputs.update(self._noise(members, len(schedule.times)))
        return batch.run(params, len(members), inputs=inputs,
                         return_variables=list(self.spec.variables or ()),
                         final_time=scenario.final_time, member_ids=members)

    def _noise(self, members: NDArray[np.int64], n_steps: int) -> dict[str, FloatArray]:
        """Return each noise input's series: one per member, ``(N, n_steps)``, or one shared."""
        streams, position = np.unique(self.spec.noise_streams(members), return_inverse=True)
        tables = white_noise_inputs(self.spec.seed, streams, n_steps, self.noise_inputs)
        # One shared series when every member uses the same stream (common random numbers).
        return {name: table[0] if len(streams) == 1 else table[position]
                for name, table in tables.items()}

    def _run_pysd(self, members: NDArray[np.int64]) -> xr.Dataset:
        if self.model_path is None:
            raise ValueError("MemberRunner: the PySD path needs the model_path")
        model = _pysd_model(self.model_path, self.data_files, self.model_sha256)
        params = self._member_parameters(members)
        streams = self.spec.noise_streams(members)
        base = self.spec.scenario
        runs = []
        for row, member in enumerate(members.tolist()):
            overrides = {name: float(np.asarray(value).reshape(-1)[row] if np.ndim(value)
                                     else value) for name, value in params.items()}
            scenario = replace(base, name=f"{base.name}.member{member}", overrides=overrides)
            runs.append(run_scenario(
                model, scenario, noise_seed=self.spec.seed if self.noise_on else None,
                noise_member=int(streams[row]), variables=self.spec.variables,
            ))
        return xr.concat(runs, dim=MEMBER_DIM, combine_attrs="drop_conflicts")

    def _labelled(self, dataset: xr.Dataset, members: NDArray[np.int64]) -> xr.Dataset:
        names = list(self.spec.variables or ())
        result = dataset[names].transpose(MEMBER_DIM, "time", ...)
        for name in names:
            result[name].attrs = dict(self.attrs[name])
        result.attrs = {}
        coords: dict[str, Any] = {MEMBER_DIM: members}
        if self.noise_on:
            coords[NOISE_STREAM] = (MEMBER_DIM, self.spec.noise_streams(members))
        design = self.spec.design
        if design is not None:
            samples = self.spec.samples(members)
            coords[SAMPLE] = (MEMBER_DIM, samples)
            coords[REPLICATE] = (MEMBER_DIM, members % self.spec.replicates)
            # Plain numpy strings (not objects) so netCDF stores the names as text.
            coords[PARAMETER] = np.array(design.names, dtype=str)
            coords[DESIGN] = ((MEMBER_DIM, PARAMETER), design.values[samples],
                              {"documentation": "value of each design parameter per member"})
        return result.assign_coords(coords)


@dataclass(frozen=True)
class _ByContent:
    """A loaded model, compared by its file, content and external values: the compiled models' key.

    The batch engine's plan holds the values PySD read from the model's data
    files and GET XLS/GET DIRECT files, so the same model with other values
    in those files is compiled again.
    """

    path: Path
    sha256: str
    externals: str
    model: LoadedModel = field(compare=False, hash=False)


@functools.lru_cache(maxsize=2)
def _compiled(loaded: _ByContent) -> BatchModel:
    """Compile a model for the batch engine once per file version.

    A study runs many ensembles of one model (a report: one per scenario);
    planning takes a fraction of a second each time. Keyed by the file and
    its content, so an edited model is compiled again; two entries bound the
    memory.
    """
    return BatchModel.from_model(loaded.model)


def engine_for(model: LoadedModel, engine: Engine = "auto") -> BatchModel | None:
    """Return the batch model, or None to run through PySD (logging why).

    ``engine`` is ``"pysd"`` (None), ``"batch"`` (the batch model, or the
    batch engine's error) or ``"auto"`` (the batch model, None where the
    batch engine cannot run the model).
    """
    if engine == "pysd":
        return None
    try:
        return _compiled(_ByContent(model.path.resolve(), model.sha256,
                                         external_fingerprint(model), model))
    except UnsupportedConstructError as error:
        if engine == "batch":
            raise
        logger.warning("the batch engine cannot run %s (%s); running the members one by one "
                       "through PySD", model.path.name, error)
        return None


def variable_attrs(model: LoadedModel, names: Iterable[str]) -> dict[str, dict[str, str]]:
    """Return the units and documentation of each recorded variable, for the results."""
    return {
        name: {"units": model.variables[name].units,
               "documentation": model.variables[name].documentation,
               "python_name": model.variables[name].python_name}
        for name in names
    }

"""Vectorized batch engine: integrate many ensemble members at once with NumPy.

PySD runs one member at a time through Python scalars. This engine is built
from a :class:`~sdcluster.model.loaded.LoadedModel`: it takes the abstract
model PySD's translator parsed when the model was loaded, and the model's
variables and clock, generates Python code that
evaluates the model's equations on arrays of shape ``(N,)``, one entry per
member, and integrates them with Euler exactly as PySD does: at every time
step all flows are computed from the current state, then
``state = state + derivative * dt``; values are recorded at PySD's saving
times. Results agree with PySD's to rounding (the tests check ``rtol=1e-9``).

Typical use::

    model = BatchModel.from_model(load_model("models/innovation_cluster.mdl"))
    ds = model.run({"openness": np.linspace(0, 1, 100)}, n_members=100)

Each member's values depend only on its own parameters and inputs, so
running members in chunks gives the same numbers whatever the chunk size.

What it runs, and a model's answer to "can it run this one?", are in
:mod:`sdcluster.engine.batch_support`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from sdcluster.engine import batch_results
from sdcluster.engine.batch_arguments import (
    Backend,
    checked_backend,
    constant_node,
    default_values,
    input_series,
    name_index,
    numba_run_for,
    output_nodes,
    parameter_values,
)
from sdcluster.engine.batch_codegen import CompiledRun, compile_run
from sdcluster.engine.batch_integrate import default_threads, even_chunks, run_numba, run_numpy
from sdcluster.engine.batch_numba import NumbaRun
from sdcluster.engine.batch_plan import Plan
from sdcluster.engine.batch_schedule import TimeSchedule
from sdcluster.engine.batch_translate import translate
from sdcluster.engine.batch_variables import VariableInfo
from sdcluster.engine.finite import raise_on_non_finite
from sdcluster.errors import (
    SpecError,
    UnknownVariableError,
    UnsupportedConstructError,
    did_you_mean,
)
from sdcluster.experiments.counts import check_count
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.names import normalize_name
from sdcluster.results.chunks import DEFAULT_CHUNK_SIZE

__all__ = [
    "Backend",
    "BatchModel",
]

FloatArray = NDArray[np.float64]



class BatchModel:
    """A model compiled for vectorized ensemble runs.

    Build it with :meth:`from_model` (or :meth:`from_file`). Variables are named as in the model
    file (PySD's "Real Name"); Python names (PySD's "Py Name") are accepted
    too, as are names that differ only in case, spaces or underscores.

    Parameters
    ----------
    plan
        The translated model (see :func:`~sdcluster.engine.batch_translate.translate`).
    backend : {"auto", "numpy", "numba"}
        How runs compute their steps unless a run says otherwise (see
        :data:`Backend`). Both backends give the same values, to the last bit
        or within a rounding of ``exp``, ``log`` or ``pow``.

    """

    def __init__(self, plan: Plan, backend: Backend = "auto") -> None:
        self._plan = plan
        self._backend = checked_backend(backend)
        self._compiled: dict[tuple[frozenset[str], tuple[str, ...]], CompiledRun] = {}
        # Numba's compiled runs; None where Numba cannot compile the model.
        self._numba: dict[tuple[frozenset[str], tuple[str, ...]], NumbaRun | None] = {}
        self._schedules: dict[float, TimeSchedule] = {}
        self._index = name_index(plan.variables)
        self._defaults = default_values(plan)

    @classmethod
    def from_model(cls, loaded: LoadedModel, *, backend: Backend = "auto") -> BatchModel:
        """Plan the engine for a loaded model.

        The plan is built from the abstract model PySD's translator parsed
        when ``loaded`` was loaded (the file is not parsed again); names,
        kinds, units, ranges, documentation and the clock (an XMILE file's
        save interval included) are ``loaded``'s. ``backend`` is the default
        of the model's runs (see :class:`BatchModel`).

        Raises
        ------
        UnsupportedConstructError
            If the model uses a construct the engine does not run.
        ModelFileError
            If the model is inconsistent.

        """
        return cls(translate(loaded), backend)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, backend: Backend = "auto") -> BatchModel:
        """Load a Vensim or XMILE file and plan the engine: ``from_model(load_model(path))``.

        Raises
        ------
        UnsupportedConstructError
            If the model uses a construct the engine does not run.
        ModelFileError
            If the file is missing or malformed, or PySD cannot translate it.

        """
        return cls.from_model(load_model(path), backend=backend)

    def __getstate__(self) -> dict[str, Any]:
        # Compiled functions live in an exec'd namespace: recompile after unpickling.
        return {"plan": self._plan, "backend": self._backend}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["plan"], state.get("backend", "auto"))  # type: ignore[misc]

    # -- description ---------------------------------------------------------

    @property
    def path(self) -> Path:
        """The model file."""
        return Path(self._plan.source_path)

    @property
    def backend(self) -> Backend:
        """The runs' default backend."""
        return self._backend

    @property
    def plan(self) -> Plan:
        """The translated model the engine runs (nodes, state objects), read-only by convention."""
        return self._plan

    @property
    def variables(self) -> tuple[str, ...]:
        """Every variable's model name, in the file's order (lookup tables excluded)."""
        return tuple(info.vensim_name for info in self._plan.variables)

    @property
    def parameters(self) -> tuple[str, ...]:
        """Names of the constants, which :meth:`run` can set per member."""
        return tuple(info.vensim_name for info in self._plan.variables if info.kind == "constant")

    def info(self, name: str) -> VariableInfo:
        """Return the names, kind, units, documentation and range of a variable.

        Raises
        ------
        UnknownVariableError
            If no variable has that name.

        """
        info = self._index.get(name) or self._index.get(normalize_name(name))
        if info is None:
            raise UnknownVariableError(
                f"{self.path.name}: no variable {name!r} in the model"
                f"{did_you_mean(name, self.variables)}"
            )
        return info

    def default(self, name: str) -> float:
        """Return the model's value of a constant or control variable."""
        info = self.info(name)
        if info.node not in self._defaults:
            raise SpecError(f"{self.path.name}: {info.vensim_name!r} is not a constant")
        return self._defaults[info.node]

    def schedule(self, final_time: float | None = None) -> TimeSchedule:
        """Return the time grid and saving times of a run, as PySD would use them.

        Built once per final time (a Python loop over the time steps) and
        kept: its arrays are read-only.
        """
        final = self._defaults["v_final_time"] if final_time is None else float(final_time)
        if final not in self._schedules:
            schedule = TimeSchedule.pysd(
                self._defaults["v_initial_time"],
                final,
                self._defaults["v_time_step"],
                self._defaults["v_saveper"],
            )
            for array in (schedule.times, schedule.saved, schedule.labels):
                array.flags.writeable = False
            self._schedules[final] = schedule
        return self._schedules[final]

    def source(
        self, *, inputs: Sequence[str] = (), return_variables: Sequence[str] | None = None
    ) -> str:
        """Return the generated Python code for a choice of inputs and outputs."""
        input_nodes = frozenset(self._input_node(name) for name in inputs)
        return self._compile(input_nodes, self._output_nodes(return_variables, input_nodes)).source

    # -- running -------------------------------------------------------------

    def run_arrays(
        self,
        params: Mapping[str, ArrayLike],
        n_members: int,
        *,
        inputs: Mapping[str, ArrayLike] | None = None,
        return_variables: Sequence[str] | None = None,
        final_time: float | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        backend: Backend | None = None,
        threads: int | None = None,
    ) -> dict[str, FloatArray]:
        """Run ``n_members`` members and return plain arrays.

        Parameters
        ----------
        params
            Constant name → a scalar (same for every member) or an array of
            shape ``(n_members,)``. Constants not given keep the model's value.
        n_members
            Number of members.
        inputs
            Constant name → exogenous series replacing it, of shape
            ``(n_members, T)`` or ``(T,)`` (shared), where ``T`` is at least
            ``len(self.schedule(final_time).times)``: column ``k`` is the value
            at ``schedule.times[k]``, as PySD takes a ``pandas.Series`` indexed
            by those times. Extra columns are ignored.
        return_variables
            Names to return; default: every variable that changes during the
            run. Constants can be requested too.
        final_time
            Overrides FINAL TIME.
        chunk_size
            Members integrated together at most; the members are split into
            chunks of equal size (within one). Only speed depends on it,
            never the results.
        backend : {"auto", "numpy", "numba"}, optional
            Overrides the model's :attr:`backend` for this run (see
            :data:`Backend`). Numba compiles the model on the first run with
            a given choice of inputs and outputs (a second or two, kept in the
            translation cache for later processes).
        threads
            Threads for the Numba backend, which integrates a chunk's members
            side by side (default: the cores this process may use; one in a
            Dask worker). The NumPy backend runs in one. Only speed depends
            on it, never the results.

        Returns
        -------
        dict of str to ndarray
            Model name → array of shape ``(n_members, n_saved)``, at the
            saving times ``self.schedule(final_time).labels``. Arrays may be
            non-contiguous views of one buffer; constants are read-only
            broadcast views.

        Raises
        ------
        UnknownVariableError, SpecError
            For unknown names, or values of the wrong shape or kind.
        SimulationError
            If a delay is shorter than its order times TIME STEP.
        UnsupportedConstructError
            With ``backend="numba"``, if Numba cannot compile the model.

        """
        n = check_count("n_members", n_members)
        chunk = check_count("chunk_size", chunk_size)
        workers = default_threads() if threads is None else check_count("threads", threads)
        schedule = self.schedule(final_time)
        values = parameter_values(self._defaults, params, n, final_time, self.info,
                                  self.path)
        input_nodes = frozenset(self._input_node(name) for name in inputs or {})
        both = [self.info(name).vensim_name for name in params
                if self.info(name).node in input_nodes]
        if both:
            raise SpecError(
                f"{self.path.name}: {', '.join(map(repr, both))} given both as a parameter "
                "and as an input series; give one"
            )
        outputs = self._output_nodes(return_variables, input_nodes)
        compiled = self._compile(input_nodes, outputs)
        chunks = even_chunks(n, chunk)
        fast = self._numba_run(input_nodes, outputs, backend)
        if fast is not None:
            # The compiled run reads one member's series after the other.
            series = input_series(inputs or {}, n, len(schedule.times), self.info, self.path,
                                  time_major=False)
            try:
                return run_numba(
                    self._plan, fast, compiled, values, series, schedule, chunks, outputs,
                    workers,
                )
            except UnsupportedConstructError:
                if (self._backend if backend is None else backend) == "numba":
                    raise
                # "auto": a value Numba cannot hold (complex); NumPy runs it.
        # The NumPy steps read one time's row of every series.
        series = input_series(inputs or {}, n, len(schedule.times), self.info, self.path,
                              time_major=True)
        return run_numpy(self._plan, compiled, values, series, schedule, chunks, outputs)

    def run(
        self,
        params: Mapping[str, ArrayLike],
        n_members: int,
        *,
        inputs: Mapping[str, ArrayLike] | None = None,
        return_variables: Sequence[str] | None = None,
        final_time: float | None = None,
        member_ids: ArrayLike | None = None,
        check_finite: bool = True,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        backend: Backend | None = None,
        threads: int | None = None,
    ) -> xr.Dataset:
        """Run ``n_members`` members and return an :class:`xarray.Dataset`.

        Parameters
        ----------
        params, n_members, inputs, return_variables, final_time, chunk_size, backend, threads
            As for :meth:`run_arrays`.
        member_ids
            Labels of the ``member`` coordinate (default ``0..n_members-1``);
            pass the global ids when running a chunk of a larger ensemble.
        check_finite
            Raise :class:`~sdcluster.errors.SimulationError` if a returned
            variable is NaN or infinite anywhere.

        Returns
        -------
        xarray.Dataset
            Dimensions ``("member", "time")``, one data variable per model
            name, with attributes ``units``, ``documentation``,
            ``python_name`` and ``kind``.

        """
        arrays = self.run_arrays(
            params, n_members, inputs=inputs, return_variables=return_variables,
            final_time=final_time, chunk_size=chunk_size, backend=backend, threads=threads,
        )
        ids = np.arange(n_members) if member_ids is None else np.asarray(member_ids)
        if ids.shape != (n_members,):
            raise SpecError(
                f"member_ids has shape {ids.shape}; expected ({n_members},) to match n_members"
            )
        labels = self.schedule(final_time).labels
        if check_finite:
            raise_on_non_finite({name: values.T for name, values in arrays.items()}, labels,
                                where=self.path.name, members=ids)
        return batch_results.member_dataset(self.path, self.info, arrays, ids, labels)

    # -- internals -----------------------------------------------------------

    def _compile(self, inputs: frozenset[str], outputs: tuple[str, ...]) -> CompiledRun:
        key = (inputs, outputs)
        if key not in self._compiled:
            self._compiled[key] = compile_run(self._plan, inputs, outputs)
        return self._compiled[key]

    def _numba_run(
        self,
        inputs: frozenset[str],
        outputs: tuple[str, ...],
        backend: Backend | None,
    ) -> NumbaRun | None:
        """Return the compiled run to use, or None for the NumPy backend."""
        chosen = self._backend if backend is None else checked_backend(backend)
        return numba_run_for(self._numba, self._plan, inputs, outputs, chosen)

    def _input_node(self, name: str) -> str:
        return constant_node(self.info(name), self.path, "replaced by input series")

    def _output_nodes(
        self, names: Sequence[str] | None, inputs: frozenset[str]
    ) -> tuple[str, ...]:
        return output_nodes(self._plan, names, inputs, self.info)

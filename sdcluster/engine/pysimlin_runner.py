"""The pysimlin engine with Loops That Matter scores: one run, its results and loop scores.

The scores' arithmetic (what a relative loop score is in Loops That Matter [1]_) is
:mod:`sdcluster.engine.ltm_scores`.

pysimlin scores every causal link while it simulates (``enable_ltm``); this
module runs the model through pysimlin, enumerates the elementary feedback
loops of its causal graph once per model (:mod:`sdcluster.model.causal_loops`, over
the links of ``Model.get_links``), and multiplies the link scores of
``Sim.get_links`` along each loop, then normalizes within each partition
(:func:`~sdcluster.engine.ltm_scores.loop_scores`). It does not use pysimlin's own
loop list: pysimlin enumerates loops only while the largest strongly connected component of the
causal graph has at most 50 variables (its ``MAX_LTM_SCC_NODES``); a larger
model (the cluster model of version 2 has one of 73) resolves to *discovery*
mode, in which ``Model.loops`` is empty and ``Model.analyze`` reports at most
200 loops of the base run only, without overrides or inputs. The link scores
are recorded in both modes, and the loop scores built from them equal
pysimlin's own relative loop scores to rounding (1e-16), in exhaustive mode
(version 1 of the model, 682 loops) as in discovery mode (the loops
``Model.analyze`` reports).

Fluctuations
------------
pysimlin cannot draw random numbers and takes no time-series inputs, but it can
be stepped: before each time step :class:`PysimlinLoopRunner` sets each
white-noise input (the constants named ``white noise ...``,
:func:`sdcluster.experiments.noise.noise_inputs`) to the seeded draw PySD would read
at that step, and applies scenario steps the same way, with the step rule of
:func:`sdcluster.experiments.inputs.step_values`; so a noisy run is the same run
PySD makes with that seed, not an approximation.

What the runs mean (named loops, phases, dominance) is the business of
:mod:`sdcluster.studies.loops` and :mod:`sdcluster.analysis.loops`.

References
----------
.. [1] Schoenberg, W., Davidsen, P. and Eberlein, R. (2020). Understanding model
   behavior using the Loops that Matter method. *System Dynamics Review*
   36(2), 158-190. https://doi.org/10.1002/sdr.1658

"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import xarray as xr

from sdcluster.engine.finite import raise_on_non_finite
from sdcluster.engine.ltm_scores import loop_scores, run_polarity
from sdcluster.errors import (
    AnalysisError,
    ModelFileError,
    SimulationError,
    SpecError,
    first_line,
)
from sdcluster.experiments.inputs import step_values
from sdcluster.experiments.scenarios import Scenario
from sdcluster.loop_polarity import LOOP_DIM
from sdcluster.model.causal_loops import feedback_loops, strong_components
from sdcluster.model.loaded import LoadedModel
from sdcluster.model.simlin_io import load_project
from sdcluster.names import normalize_name

if TYPE_CHECKING:
    from simlin import Model as SimlinModel
    from simlin.sim import Sim

#: Dimension of the results and scores over time (the results contract).
_TIME = "time"


# ------------------------------------------------------------------ one run


@dataclass(frozen=True, kw_only=True)
class LoopStructure:
    """The feedback loops of a model's causal graph; fixed for all runs.

    Attributes
    ----------
    ids : tuple of str
        Loop ids, ``L1``, ... (partitions first, then length and names).
    variables : tuple of tuple of str
        Each loop's variables, model names, in causal order.
    partitions : tuple of int
        Each loop's cycle partition (0 the largest).
    idents : tuple of tuple of str
        Each loop's variables as pysimlin identifiers, in causal order.

    """

    ids: tuple[str, ...] = ()
    variables: tuple[tuple[str, ...], ...] = ()
    partitions: tuple[int, ...] = ()
    idents: tuple[tuple[str, ...], ...] = ()

    def loops(self) -> dict[str, tuple[str, ...]]:
        """Return each loop id with the model names on the loop.

        The form :func:`sdcluster.model.named_loops.match_loops` takes.
        """
        return dict(zip(self.ids, self.variables, strict=True))


@dataclass(frozen=True, kw_only=True)
class LoopRun:
    """One pysimlin run: the model's variables and every loop's relative score.

    Attributes
    ----------
    results : xarray.Dataset
        Model variables over ``"time"``, keyed by their model names.
    scores : xarray.DataArray
        Relative loop scores, ``("loop", "time")``; coordinates ``polarity``
        (in this run, from the scores' signs: reinforcing, balancing, mixed or
        inactive), ``length``, ``variables`` (``" > "``-joined model names, in
        causal order) and ``partition``.

    """

    results: xr.Dataset
    scores: xr.DataArray


class PysimlinLoopRunner:
    """Runs one model through pysimlin with loop scores; reused across runs.

    The model is loaded into pysimlin (in memory) once per final time and its
    loops enumerated once (:attr:`structure`).

    Parameters
    ----------
    model : LoadedModel
        The model; pysimlin opens its file again.

    """

    def __init__(self, model: LoadedModel) -> None:
        self.model = model
        self._engines: dict[float, SimlinModel] = {}
        self._idents: dict[str, str] = {}
        self._structure: LoopStructure | None = None

    @property
    def structure(self) -> LoopStructure:
        """Return the model's feedback loops, loading the model into pysimlin if need be."""
        if self._structure is None:
            self.engine(self.model.time.final_time)
        return self._structure or LoopStructure()

    def engine(self, final_time: float) -> SimlinModel:
        """Return the pysimlin model set to run until ``final_time``.

        Raises
        ------
        ModelFileError
            If pysimlin cannot load the model or enumerate its loops.

        """
        if final_time not in self._engines:
            try:
                engine: SimlinModel = load_project(self.model.path).main_model
                if final_time != self.model.time.final_time:
                    engine.project.set_sim_specs(stop=final_time)  # type: ignore[union-attr]
                idents = engine.get_var_names()
                links = [(str(link.from_var), str(link.to_var)) for link in engine.get_links()]
            except Exception as error:  # pysimlin raises several types; report them as one
                raise ModelFileError(
                    f"{self.model.path}: pysimlin cannot load the model: {first_line(error)}"
                ) from None
            by_key = {normalize_name(ident): ident for ident in idents}
            self._idents = {name: by_key[normalize_name(name)] for name in self.model.variables
                            if normalize_name(name) in by_key}
            self._structure = self._structure or self._describe(links)
            self._engines[final_time] = engine
        return self._engines[final_time]

    def _describe(self, links: Sequence[tuple[str, str]]) -> LoopStructure:
        """Enumerate the loops of the causal graph; partition them by component.

        A partition is a strongly connected component of the causal graph
        (the stocks it holds are pysimlin's cycle partition), numbered by
        size, largest first; loop ids (``L1``, ...) follow the partitions,
        then length and names.
        """
        try:
            loops = feedback_loops(links)
        except AnalysisError as error:
            raise ModelFileError(f"{self.model.path}: {error}") from None
        components = sorted((sorted(c) for c in strong_components(links) if len(c) > 1
                             or any(link == (c[0], c[0]) for link in links)),
                            key=lambda c: (-len(c), c))
        component = {node: number for number, c in enumerate(components) for node in c}
        partition = [component[loop[0]] for loop in loops]
        ordered = sorted(range(len(loops)), key=lambda i: (partition[i], len(loops[i]),
                                                           loops[i]))
        names = {ident: name for name, ident in self._idents.items()}
        idents = tuple(loops[i] for i in ordered)
        return LoopStructure(
            ids=tuple(f"L{rank + 1}" for rank in range(len(ordered))),
            variables=tuple(tuple(names.get(v, v) for v in loop) for loop in idents),
            partitions=tuple(partition[i] for i in ordered), idents=idents)

    def ident(self, name: str) -> str:
        """Return pysimlin's identifier of a model variable."""
        if name not in self._idents:
            raise SpecError(f"{self.model.path.name}: pysimlin has no variable {name!r}")
        return self._idents[name]

    def run(self, scenario: Scenario, *,
            noise: Mapping[str, npt.NDArray[np.float64]] | None = None,
            variables: Iterable[str] | None = None) -> LoopRun:
        """Run one validated scenario with loop scores.

        Parameters
        ----------
        scenario : Scenario
            Overrides, steps and final time (validated against the model).
        noise : mapping of str to numpy.ndarray, optional
            White-noise inputs to their series, one draw per TIME STEP.
        variables : iterable of str, optional
            Model variables to keep in the results; all but the lookup tables
            (which have no values over time) by default.

        Returns
        -------
        LoopRun
            The results and the relative loop scores.

        Raises
        ------
        ModelFileError
            If pysimlin cannot load the model.
        SpecError
            If pysimlin lacks a variable of the scenario, a noise series is
            short, or ``variables`` names a lookup table.
        SimulationError
            If the run fails or a variable becomes NaN or infinite.

        """
        final_time = scenario.final_time or self.model.time.final_time
        engine = self.engine(final_time)
        overrides = {self.ident(name): float(v) for name, v in scenario.overrides.items()}
        schedule = self._schedule(scenario, noise, final_time)
        sim = self._simulate(engine, overrides, schedule, final_time, scenario.name)
        results = self._results(sim, variables, scenario.name)
        return LoopRun(results=results,
                       scores=self._scores(sim, results[_TIME].values, scenario.name))

    def _schedule(self, scenario: Scenario,
                  noise: Mapping[str, npt.NDArray[np.float64]] | None,
                  final_time: float) -> dict[str, npt.NDArray[np.float64]]:
        """Return the constants that change during the run, one value per TIME STEP."""
        times = self.model.time.step_times(final_time)
        schedule: dict[str, npt.NDArray[np.float64]] = {}
        for name, step in scenario.steps.items():
            before = scenario.overrides.get(name, self.model.variables[name].default)
            values = step_values(times, np.nan if before is None else before, step,
                                 self.model.time.time_step)
            schedule[self.ident(name)] = values.astype(float)
        for name, values in (noise or {}).items():
            series = np.asarray(values, dtype=float)
            if series.size < times.size:
                raise SpecError(f"noise of {name!r}: expected {times.size} draws (one per "
                                    f"TIME STEP), got {series.size}")
            schedule[self.ident(self.model.resolve(name))] = series[: times.size]
        return schedule

    def _simulate(self, engine: SimlinModel, overrides: dict[str, float],
                  schedule: Mapping[str, npt.NDArray[np.float64]], final_time: float,
                  label: str) -> Sim:
        try:
            sim = engine.simulate(overrides=overrides, enable_ltm=True)
            if schedule:
                # Set the values of step k, then advance to its time: pysimlin then
                # computes step k's flows with them, as PySD does with a series.
                for step, time in enumerate(self.model.time.step_times(final_time)):
                    for ident, values in schedule.items():
                        sim.set_value(ident, float(values[step]))
                    sim.run_to(float(time))
            sim.run_to_end()
        except Exception as error:  # pysimlin raises several types; report them as one
            raise SimulationError(f"scenario {label!r}: the pysimlin run failed: "
                                  f"{first_line(error)}") from None
        return sim

    def _results(self, sim: Sim, variables: Iterable[str] | None, label: str) -> xr.Dataset:
        # Read the series straight from the simulation: Sim.get_run() would also
        # compute pysimlin's dominant periods, in Python, at about 1 s a run.
        series = self._series_names(variables)
        time = np.asarray(sim.get_series("time"), dtype=float)
        data = {}
        for name, ident in self._idents.items():
            if name not in series:
                continue
            variable = self.model.variables[name]
            data[name] = xr.DataArray(
                np.asarray(sim.get_series(ident), dtype=float), dims=(_TIME,),
                attrs={"units": variable.units, "documentation": variable.documentation,
                       "python_name": variable.python_name})
        results = xr.Dataset(data, coords={_TIME: time})
        raise_on_non_finite({name: values.values for name, values in data.items()},
                            time, where=f"scenario {label!r}", scenario=label)
        return results

    def _series_names(self, variables: Iterable[str] | None) -> set[str]:
        """Return the variables of a run's results: those asked for, all by default.

        A lookup table is a function, not a value over time: pysimlin keeps no
        series of it (asking for one raises), so it is left out of the
        default, as PySD's runner leaves it out, and refused when asked for.
        """
        if variables is None:
            return {name for name in self._idents if not self._is_lookup(name)}
        wanted = set(variables)
        for name in sorted(wanted):
            if self._is_lookup(name):
                raise SpecError(f"{self.model.path.name}: {name!r} is a lookup table, which "
                                "has no values over time; ask for the variable that uses it")
        return wanted

    def _is_lookup(self, name: str) -> bool:
        variable = self.model.variables.get(name)
        return variable is not None and variable.kind == "lookup"

    def _scores(self, sim: Sim, time: npt.NDArray[np.float64], label: str) -> xr.DataArray:
        structure = self._structure or LoopStructure()
        try:
            links = {(str(link.from_var), str(link.to_var)): link.score
                     for link in sim.get_links()} if structure.ids else {}
        except Exception as error:  # pysimlin raises several types; report them as one
            raise SimulationError(f"scenario {label!r}: pysimlin gave no link scores: "
                                  f"{first_line(error)}") from None
        table = loop_scores(structure.idents, links, structure.partitions, time.size)
        return xr.DataArray(
            table, dims=(LOOP_DIM, _TIME),
            coords={LOOP_DIM: list(structure.ids), _TIME: time,
                    "polarity": (LOOP_DIM, [run_polarity(row) for row in table]),
                    "length": (LOOP_DIM, [len(v) for v in structure.variables]),
                    "variables": (LOOP_DIM, [" > ".join(v) for v in structure.variables]),
                    "partition": (LOOP_DIM, list(structure.partitions))},
        )

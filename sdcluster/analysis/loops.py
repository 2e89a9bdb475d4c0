"""Loop dominance: which feedback loop drives each phase, in one run and across ensembles.

Loops That Matter (LTM) [1]_ scores every feedback loop at every time step: the
*loop score* is the product of the scores of its links, a link's score being
the share of the change in its target that the source explains, signed by the
link's effect. Divided by the sum of the absolute loop scores of all loops in
the same cycle partition (the stocks linked by feedback), it becomes the
*relative loop score* in [-1, 1]: positive while the loop reinforces, negative
while it balances, and summing in absolute value to 1.

pysimlin scores every causal link while it simulates (``enable_ltm``); this
module runs the model through pysimlin, enumerates the elementary feedback
loops of its causal graph once per model (:mod:`sdcluster.causal_loops`, over
the links of ``Model.get_links``), and multiplies the link scores of
``Sim.get_links`` along each loop, then normalizes within each partition. It
does not use pysimlin's own loop list: pysimlin enumerates loops only while the
largest strongly connected component of the causal graph has at most 50
variables (its ``MAX_LTM_SCC_NODES``); a larger model (the cluster model of
version 2 has one of 67) resolves to *discovery* mode, in which
``Model.loops`` is empty and ``Model.analyze`` reports at most 200 loops of the
base run only, without overrides or inputs. The link scores are recorded in
both modes, and the loop scores built from them equal pysimlin's own relative
loop scores to rounding (1e-16), in exhaustive mode (version 1 of the model, 682
loops) as in discovery mode (the loops ``Model.analyze`` reports).

Named loops
-----------
The loops a modeler names (R1 spin-offs, B1 crowding, ...) are kept in the
model file, not in Python. In a Vensim file they are the loop identifiers of
the sketch (comments drawn as a loop symbol), whose text ends with the
variables on the loop in square brackets::

    R1 spin-offs [Mature Firms > spinoffs > Young Firms > maturation]
    B2 dilution [Innovative Firms > knowledge per firm > absorptive capacity > ...;
                 Innovative Firms > resource adequacy > resource effect > ...]

(the second is abbreviated here).

Each ``;``-separated chain stands for one loop: the shortest feedback loop
that contains every variable of the chain (ties are all kept and
reported as ambiguous). A named loop's score is the sum of the relative
scores of its chains' loops, which are distinct loops, so the sum is their
joint share. An XMILE file has no comments: its named loops are read from
``<simlin:loop-metadata name="R1 spin-offs" description="Mature Firms >
spinoffs > Young Firms > maturation"/>`` elements (the element pysimlin
writes for loops named with ``set_loop_name``; the description holds the
chains), or, if it has none, from the Vensim twin with the same stem beside it.

Dominance
---------
* **polarity**: at each time the *reinforcing share* is the sum of the positive
  relative scores of all loops, the *balancing share* the sum of the negative
  ones in absolute value (they add up to 1); reinforcing loops dominate when
  their share is above one half.
* **named loop**: the named loop with the largest absolute score at that time.
  Named loops are a few of the hundreds of loops a model like the cluster
  model has; the tables report the share of the total they cover.

A phase (:func:`sdcluster.analysis.phases.classify_phases`) is dominated by the
named loop with the largest mean absolute score over the phase, in one run
(:func:`phase_polarity`) as in each member of an ensemble;
:func:`phase_dominance` adds the share of the phase's time points at which
each named loop is the strongest. :func:`dominance_shifts` ignores dominance
changes that last less than its ``min_dwell`` (one time unit by default).

Fluctuations
------------
pysimlin cannot draw random numbers and takes no time-series inputs, but it can
be stepped: before each time step this module sets each white-noise input (the
constants named ``white noise ...``, :func:`sdcluster.engine.noise.noise_inputs`)
to the seeded draw PySD would read at that step (and applies scenario steps the
same way), so a noisy run is the same run PySD makes with that seed, not an
approximation.

References
----------
.. [1] Schoenberg, W., Davidsen, P. and Eberlein, R. (2020). Understanding model
   behavior using the Loops that Matter method. *System Dynamics Review*
   36(2), 158-190. https://doi.org/10.1002/sdr.1658
.. [2] Wilson, E. B. (1927). Probable inference, the law of succession, and
   statistical inference. *JASA* 22(158), 209-212.
   https://doi.org/10.1080/01621459.1927.10502953

"""

from __future__ import annotations

import time as clock
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from sdcluster.analysis.entropy import TOTAL_CHANGE
from sdcluster.analysis.phases import FIRMS, PHASES, classify_phases
from sdcluster.analysis.settings import ENTROPY_TOLERANCE_VARIABLE, AnalysisSettings
from sdcluster.causal_loops import BALANCING, REINFORCING, feedback_loops, strong_components
from sdcluster.diagram import loop_markers, split_loop_label
from sdcluster.engine.noise import noise_inputs, white_noise_inputs
from sdcluster.engine.schedule import step_values
from sdcluster.errors import (
    AnalysisError,
    ModelFileError,
    ScenarioError,
    SimulationError,
    did_you_mean,
    first_line,
)
from sdcluster.inputs import range_within
from sdcluster.model import LoadedModel, normalize_name
from sdcluster.scenarios import Scenario
from sdcluster.simlin_io import load_project

if TYPE_CHECKING:
    from simlin import Model as SimlinModel
    from simlin.sim import Sim

#: Separates the chains of a named loop's definition.
CHAIN_SEPARATOR = ";"
#: Separates the variables of one chain.
LINK_SEPARATOR = ">"
#: Namespace of pysimlin's XMILE extensions (``<simlin:loop-metadata>``).
SIMLIN_XMILE_NAMESPACE = "https://simlin.com/XMILE/v1.0"
#: Label of a time point at which no loop is active (e.g. the first one).
NO_LOOP = ""
LOOP_DIM = "loop"
NAMED_DIM = "named_loop"
MEMBER_DIM = "member"
PHASE_DIM = "phase"
TIME_DIM = "time"


# ----------------------------------------------------------------- named loops


@dataclass(frozen=True, kw_only=True)
class NamedLoop:
    """A feedback loop the modeler named, defined by the variables on it.

    Attributes
    ----------
    name : str
        Identifier and title, e.g. ``"R1 spin-offs"``; the first word is the
        code, whose first letter says the intended polarity (R or B).
    chains : tuple of tuple of str
        The defining variables, one tuple per loop the name stands for.
    source : str
        Where the name was declared, for messages.

    """

    name: str
    chains: tuple[tuple[str, ...], ...]
    source: str = ""

    @property
    def code(self) -> str:
        """Return the short name, e.g. ``"R1"``."""
        words = self.name.split()
        return words[0] if words else ""

    @property
    def intended_polarity(self) -> str:
        """Return ``"reinforcing"`` or ``"balancing"`` from the code, ``""`` if neither."""
        return intended_polarity(self.code)


def intended_polarity(name: str) -> str:
    """Return the polarity a loop's name declares: R... reinforcing, B... balancing, else ``""``."""
    return {"R": REINFORCING, "B": BALANCING}.get(name.strip()[:1].upper(), "")


def parse_definition(definition: str) -> tuple[tuple[str, ...], ...]:
    """Return the chains of a loop definition such as ``"A > B; C > D > E"``.

    Whitespace inside a name is collapsed; empty chains and names are dropped.
    """
    chains = []
    for chain in definition.split(CHAIN_SEPARATOR):
        names = tuple(" ".join(part.split()) for part in chain.split(LINK_SEPARATOR))
        names = tuple(name for name in names if name)
        if names:
            chains.append(names)
    return tuple(chains)


def named_loops(model_path: str | Path) -> tuple[NamedLoop, ...]:
    """Return the named loops a model file declares (see the module docstring).

    Parameters
    ----------
    model_path : str or Path
        A Vensim ``.mdl`` or XMILE file.

    Returns
    -------
    tuple of NamedLoop
        In the order of the file; empty when the file names no loop. A loop
        identifier without a bracketed definition gives a loop with no chains.

    Raises
    ------
    ModelFileError
        If an XMILE file cannot be parsed.

    """
    path = Path(model_path)
    if path.suffix.lower() == ".mdl":
        return _loops_from_markers(path)
    declared = _loops_from_xmile(path)
    if declared:
        return declared
    twin = path.with_suffix(".mdl")
    return _loops_from_markers(twin) if twin.is_file() else ()


def _loops_from_markers(path: Path) -> tuple[NamedLoop, ...]:
    return tuple(
        NamedLoop(name=marker.text, chains=parse_definition(marker.definition),
                  source=f"{path.name}, view {marker.view!r}")
        for marker in loop_markers(path)
    )


def _loops_from_xmile(path: Path) -> tuple[NamedLoop, ...]:
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        raise ModelFileError(f"{path}: cannot read the XMILE file: {error}") from None
    loops = []
    for element in root.iter(f"{{{SIMLIN_XMILE_NAMESPACE}}}loop-metadata"):
        name = " ".join(element.get("name", "").split())
        _, bracketed = split_loop_label(element.get("description", ""))
        definition = bracketed or element.get("description", "")
        if name:
            loops.append(NamedLoop(name=name, chains=parse_definition(definition),
                                   source=f"{path.name}, simlin:loop-metadata"))
    return tuple(loops)


def check_named_loops(named: Iterable[NamedLoop], model: LoadedModel) -> None:
    """Raise if a named loop's definition names a variable the model lacks.

    Raises
    ------
    ModelFileError
        Naming the loop, where it was declared, the unknown variable and the
        closest model names.

    """
    for loop in named:
        for chain in loop.chains:
            for name in chain:
                if name not in model:
                    raise ModelFileError(
                        f"{loop.source}: loop {loop.name!r} names unknown variable "
                        f"{name!r}{did_you_mean(name, model.variables)}"
                    )


# -------------------------------------------------------------------- matching


@dataclass(frozen=True, kw_only=True)
class LoopMatch:
    """The enumerated loops that stand for one named loop.

    Attributes
    ----------
    named : NamedLoop
        The named loop.
    loop_ids : tuple of str
        Ids (``L1``, ...) of the loops matched by its chains (no repeats).
    notes : tuple of str
        Problems: a chain no loop contains, or several shortest loops (ambiguity).

    """

    named: NamedLoop
    loop_ids: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        """Return whether at least one discovered loop stands for the named loop."""
        return bool(self.loop_ids)


def match_loops(
    named: Iterable[NamedLoop], loops: Mapping[str, Sequence[str]]
) -> tuple[LoopMatch, ...]:
    """Match named loops to enumerated loops by the variables on them.

    Parameters
    ----------
    named : iterable of NamedLoop
        The named loops.
    loops : mapping of str to sequence of str
        Loop id to the variables on the loop (any spelling that
        :func:`sdcluster.model.normalize_name` maps to the model's names).

    Returns
    -------
    tuple of LoopMatch
        One per named loop. Each chain matches the shortest loops
        containing all its variables; several of equal length are all kept and
        noted as ambiguous.

    """
    members = {loop_id: frozenset(normalize_name(v) for v in variables)
               for loop_id, variables in loops.items()}
    return tuple(_match_one(loop, members) for loop in named)


def _match_one(loop: NamedLoop, members: Mapping[str, frozenset[str]]) -> LoopMatch:
    if not loop.chains:
        return LoopMatch(named=loop, loop_ids=(),
                         notes=("no defining variables: add [A > B > ...] to its identifier",))
    ids: list[str] = []
    notes: list[str] = []
    for chain in loop.chains:
        wanted = frozenset(normalize_name(name) for name in chain)
        containing = [i for i, variables in members.items() if wanted <= variables]
        text = " > ".join(chain)
        if not containing:
            notes.append(f"no feedback loop contains all of [{text}]")
            continue
        shortest = min(len(members[i]) for i in containing)
        best = sorted(i for i in containing if len(members[i]) == shortest)
        if len(best) > 1:
            notes.append(f"[{text}]: {len(best)} loops of {shortest} variables tie "
                         f"({', '.join(best)}); their scores are added")
        ids.extend(i for i in best if i not in ids)
    return LoopMatch(named=loop, loop_ids=tuple(ids), notes=tuple(notes))


def named_scores(scores: xr.DataArray, matches: Sequence[LoopMatch]) -> xr.DataArray:
    """Return each named loop's score: the sum of its matched loops' relative scores.

    Parameters
    ----------
    scores : xarray.DataArray
        Relative loop scores, dimensions ``("loop", "time")`` (loop ids).
    matches : sequence of LoopMatch
        From :func:`match_loops`.

    Returns
    -------
    xarray.DataArray
        Dimensions ``("named_loop", "time")`` (loop names), with a ``"code"``
        coordinate; NaN throughout for a named loop that matched nothing. A
        loop score pysimlin leaves undefined (NaN) counts as 0.

    """
    position = {str(loop_id): row for row, loop_id in enumerate(scores[LOOP_DIM].values)}
    values = np.asarray(scores.transpose(LOOP_DIM, TIME_DIM).values, dtype=float)
    table = np.full((len(matches), scores.sizes[TIME_DIM]), np.nan)
    for row, match in enumerate(matches):
        rows = [position[i] for i in match.loop_ids if i in position]
        if rows:
            table[row] = np.nansum(values[rows], axis=0)
    return xr.DataArray(
        table,
        dims=(NAMED_DIM, TIME_DIM),
        coords={NAMED_DIM: [m.named.name for m in matches],
                "code": (NAMED_DIM, [m.named.code for m in matches]),
                TIME_DIM: scores[TIME_DIM].values},
    )


def loop_scores(loops: Sequence[Sequence[str]], link_scores: Mapping[tuple[str, str], Any],
                partitions: Sequence[int], steps: int) -> npt.NDArray[np.float64]:
    """Return the relative loop scores of loops from their links' scores (LTM [1]_).

    A loop's score is the product of the scores of its links; divided by the
    sum of the absolute scores of the loops in the same partition it is the
    relative score, 0 where every loop of the partition is 0.

    Parameters
    ----------
    loops : sequence of sequence of str
        Each loop's variables in causal order (as :func:`feedback_loops`).
    link_scores : mapping of (str, str) to array
        Score series of each link, cause to effect; a missing or ``None``
        score makes the loops through that link NaN.
    partitions : sequence of int
        Partition of each loop (loops are compared within one).
    steps : int
        Length of the series (longer ones are cut).

    Returns
    -------
    numpy.ndarray
        ``(loop, time)``; NaN where a link score is missing or not finite.

    """
    # One row per scored link, padded with NaN to ``steps``; the last row is
    # all NaN and stands for a missing link.
    index: dict[tuple[str, str], int] = {}
    rows: list[npt.NDArray[np.float64]] = []
    for link, series in link_scores.items():
        if series is not None:
            values = np.full(steps, np.nan)
            given = np.asarray(series, dtype=float)[:steps]
            values[: given.size] = given
            index[link] = len(rows)
            rows.append(values)
    rows.append(np.full(steps, np.nan))
    table = np.vstack(rows)
    missing = len(rows) - 1
    raw = np.empty((len(loops), steps))
    for row, loop in enumerate(loops):
        links = [index.get((source, loop[(k + 1) % len(loop)]), missing)
                 for k, source in enumerate(loop)]
        raw[row] = table[links].prod(axis=0)
    raw[~np.isfinite(raw)] = np.nan
    relative = np.zeros_like(raw)
    groups = np.asarray(partitions, dtype=int)
    for group in np.unique(groups):
        inside = groups == group
        total = np.nansum(np.abs(raw[inside]), axis=0)
        safe = np.where(total > 0, total, 1.0)
        relative[inside] = np.where(total > 0, raw[inside] / safe, 0.0)
        relative[inside] = np.where(np.isnan(raw[inside]), np.nan, relative[inside])
    return relative


# ------------------------------------------------------------------ one run


@dataclass(frozen=True, kw_only=True)
class LoopAnalysis:
    """The feedback loops of one run and their relative scores over time.

    Attributes
    ----------
    scenario : str
        Name of the run.
    results : xarray.Dataset
        Model variables over ``"time"``, keyed by their model names (the
        results contract of ``sdcluster.results``).
    scores : xarray.DataArray
        Relative loop score of every elementary loop of the model's causal
        graph, dimensions ``("loop", "time")``; coordinates ``polarity`` (in
        this run, from the scores' signs: reinforcing, balancing, mixed or
        inactive), ``length``, ``variables`` (``" > "``-joined model names, in
        causal order) and ``partition``.
    matches : tuple of LoopMatch
        The named loops and the loops that stand for them.
    named : xarray.DataArray
        Score of each named loop, ``("named_loop", "time")`` (:func:`named_scores`).
    phases : xarray.DataArray
        Phase at each time (:func:`~sdcluster.analysis.phases.classify_phases`),
        or ``"whole run"`` for a model without the cluster's phase variables.
    noise_seed : int or None
        Seed of the white-noise input; ``None`` for a run without noise.

    """

    scenario: str
    results: xr.Dataset
    scores: xr.DataArray
    matches: tuple[LoopMatch, ...]
    named: xr.DataArray
    phases: xr.DataArray
    noise_seed: int | None = None


#: Phase label of a model that lacks the variables the phases are read from.
WHOLE_RUN = "whole run"
#: The six entropy flows, which add up to dS total when the model lacks it.
_ENTROPY_FLOWS = tuple(f"d{kind}S {part}" for kind in "ie" for part in "RKU")
#: What the phases are read from (the firm count, and dS total for decline);
#: ensembles keep only these of each run.
_PHASE_INPUTS = (FIRMS, TOTAL_CHANGE, ENTROPY_TOLERANCE_VARIABLE, *_ENTROPY_FLOWS)


def _has_phase_variables(names: Iterable[str]) -> bool:
    """Return whether the phases can be read: the firm count and dS total (or its flows)."""
    present = set(names)
    return FIRMS in present and (TOTAL_CHANGE in present
                                 or all(flow in present for flow in _ENTROPY_FLOWS))


@dataclass(frozen=True)
class _Structure:
    """The feedback loops of a model's causal graph; fixed for all runs."""

    ids: tuple[str, ...]
    variables: tuple[tuple[str, ...], ...]  # model names, in causal order
    partitions: tuple[int, ...]
    matches: tuple[LoopMatch, ...]
    idents: tuple[tuple[str, ...], ...] = ()  # pysimlin identifiers, in causal order


class _LoopRunner:
    """Runs one model through pysimlin with loop scores; reused across runs."""

    def __init__(self, model: LoadedModel, named: Sequence[NamedLoop] | None) -> None:
        self.model = model
        self.named = tuple(named_loops(model.path) if named is None else named)
        check_named_loops(self.named, model)
        self._engines: dict[float, SimlinModel] = {}
        self._idents: dict[str, str] = {}
        self._structure: _Structure | None = None

    def engine(self, final_time: float) -> SimlinModel:
        """Return the pysimlin model set to run until ``final_time``."""
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

    def _describe(self, links: Sequence[tuple[str, str]]) -> _Structure:
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
        ids = tuple(f"L{rank + 1}" for rank in range(len(ordered)))
        idents = tuple(loops[i] for i in ordered)
        variables = tuple(tuple(names.get(v, v) for v in loop) for loop in idents)
        return _Structure(
            ids=ids, variables=variables, idents=idents,
            partitions=tuple(partition[i] for i in ordered),
            matches=match_loops(self.named, dict(zip(ids, variables, strict=True))))

    def ident(self, name: str) -> str:
        """Return pysimlin's identifier of a model variable."""
        if name not in self._idents:
            raise ScenarioError(f"{self.model.path.name}: pysimlin has no variable {name!r}")
        return self._idents[name]

    def run(self, scenario: Scenario, *,
            noise: Mapping[str, npt.NDArray[np.float64]] | None = None,
            noise_seed: int | None = None, settings: AnalysisSettings | None = None,
            variables: Iterable[str] | None = None) -> LoopAnalysis:
        """Run one scenario with loop scores.

        ``noise`` maps white-noise inputs to their series, one draw per TIME
        STEP; ``variables`` limits the results kept (all model variables by
        default).
        """
        final_time = scenario.final_time or self.model.time.final_time
        engine = self.engine(final_time)
        overrides = {self.ident(name): float(v) for name, v in scenario.overrides.items()}
        schedule = self._schedule(scenario, noise, final_time)
        sim = self._simulate(engine, overrides, schedule, final_time, scenario.name)
        results = self._results(sim, variables, scenario.name)
        scores = self._scores(sim, results[TIME_DIM].values, scenario.name)
        matches = self._structure.matches if self._structure else ()
        return LoopAnalysis(scenario=scenario.name, results=results, scores=scores,
                            matches=matches, named=named_scores(scores, matches),
                            phases=_phases(results, settings), noise_seed=noise_seed)

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
                raise ScenarioError(f"noise of {name!r}: expected {times.size} draws (one per "
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
        wanted = set(self._idents) if variables is None else set(variables)
        time = np.asarray(sim.get_series("time"), dtype=float)
        data = {}
        for name, ident in self._idents.items():
            if name not in wanted:
                continue
            variable = self.model.variables[name]
            data[name] = xr.DataArray(
                np.asarray(sim.get_series(ident), dtype=float), dims=(TIME_DIM,),
                attrs={"units": variable.units, "documentation": variable.documentation,
                       "python_name": variable.python_name})
        results = xr.Dataset(data, coords={TIME_DIM: time})
        _raise_on_non_finite(results, label)
        return results

    def _scores(self, sim: Sim, time: npt.NDArray[np.float64], label: str) -> xr.DataArray:
        structure = self._structure or _Structure((), (), (), ())
        try:
            links = {(str(link.from_var), str(link.to_var)): link.score
                     for link in sim.get_links()} if structure.ids else {}
        except Exception as error:  # pysimlin raises several types; report them as one
            raise SimulationError(f"scenario {label!r}: pysimlin gave no link scores: "
                                  f"{first_line(error)}") from None
        table = loop_scores(structure.idents, links, structure.partitions, time.size)
        return xr.DataArray(
            table, dims=(LOOP_DIM, TIME_DIM),
            coords={LOOP_DIM: list(structure.ids), TIME_DIM: time,
                    "polarity": (LOOP_DIM, [_polarity(row) for row in table]),
                    "length": (LOOP_DIM, [len(v) for v in structure.variables]),
                    "variables": (LOOP_DIM, [" > ".join(v) for v in structure.variables]),
                    "partition": (LOOP_DIM, list(structure.partitions))},
        )


def _polarity(scores: npt.NDArray[np.float64]) -> str:
    """Return a loop's polarity in a run, from the signs of its relative scores."""
    active = scores[np.isfinite(scores) & (scores != 0)]
    if active.size == 0:
        return "inactive"
    if (active > 0).all():
        return REINFORCING
    return BALANCING if (active < 0).all() else "mixed"


def _raise_on_non_finite(results: xr.Dataset, label: str) -> None:
    for name, values in results.data_vars.items():
        bad = ~np.isfinite(values.values)
        if bad.any():
            when = float(results[TIME_DIM].values[int(np.argmax(bad))])
            raise SimulationError(f"scenario {label!r}: {name!r} is not finite at time {when:g}")


def _phases(results: xr.Dataset, settings: AnalysisSettings | None) -> xr.DataArray:
    if not _has_phase_variables(str(name) for name in results.data_vars):
        return xr.DataArray(np.full(results.sizes[TIME_DIM], WHOLE_RUN, dtype=object),
                            dims=(TIME_DIM,), coords={TIME_DIM: results[TIME_DIM].values})
    chosen = settings if settings is not None else AnalysisSettings.from_dataset(results)
    return classify_phases(results, chosen)


def analyze_loops(
    model: LoadedModel,
    scenario: Scenario | None = None,
    *,
    noise_seed: int | None = None,
    named: Sequence[NamedLoop] | None = None,
    settings: AnalysisSettings | None = None,
) -> LoopAnalysis:
    """Run a scenario through pysimlin and score its feedback loops (Loops That Matter).

    Parameters
    ----------
    model : LoadedModel
        The model (its file is opened again by pysimlin, in memory).
    scenario : Scenario, optional
        Overrides, steps and final time; the model as it is when omitted.
    noise_seed : int, optional
        Seed of the white-noise inputs, the same series PySD's runner feeds
        (member 0 of :mod:`sdcluster.engine.noise`, every input); no noise
        when omitted.
    named : sequence of NamedLoop, optional
        The named loops; those declared in the model file by default
        (:func:`named_loops`).
    settings : AnalysisSettings, optional
        Phase thresholds; from the run's own ``"entropy tolerance"`` by default.

    Returns
    -------
    LoopAnalysis
        Results, loop scores, named loops and phases of the run.

    Raises
    ------
    ModelFileError
        If pysimlin cannot load the model or a named loop names an unknown variable.
    ScenarioError, UnknownVariableError
        If the scenario does not fit the model.
    SimulationError
        If the run fails or a variable becomes NaN or infinite.

    """
    chosen = scenario or Scenario(name="baseline", title="model as it is")
    return analyze_scenario_loops(model, [chosen], noise_seed=noise_seed, named=named,
                                  settings=settings)[0]


def analyze_scenario_loops(
    model: LoadedModel,
    scenarios: Iterable[Scenario],
    *,
    noise_seed: int | None = None,
    named: Sequence[NamedLoop] | None = None,
    settings: AnalysisSettings | None = None,
) -> tuple[LoopAnalysis, ...]:
    """Score the feedback loops of several scenarios, loading the model into pysimlin once.

    Each run is the one :func:`analyze_loops` makes of that scenario; the
    model is loaded, its loops enumerated and matched to the named loops once
    for all of them (about 0.4 s of each run's cost on the cluster model).

    Parameters
    ----------
    model : LoadedModel
        The model.
    scenarios : iterable of Scenario
        The scenarios, in the order of the results.
    noise_seed, named, settings
        As for :func:`analyze_loops`; every scenario gets the same noise series.

    Returns
    -------
    tuple of LoopAnalysis
        One per scenario.

    Raises
    ------
    ModelFileError, ScenarioError, UnknownVariableError, SimulationError
        As :func:`analyze_loops`.

    """
    runner = _LoopRunner(model, named)
    analyses = []
    for scenario in scenarios:
        chosen = scenario.validated(model)
        noise = None
        if noise_seed is not None:
            final_time = chosen.final_time or model.time.final_time
            steps = model.time.step_times(final_time).size
            tables = white_noise_inputs(noise_seed, [0], steps, noise_inputs(model))
            noise = {name: table[0] for name, table in tables.items()}
        analyses.append(runner.run(chosen, noise=noise, noise_seed=noise_seed,
                                   settings=settings))
    return tuple(analyses)


# ------------------------------------------------------------------ dominance


def main_partition(scores: xr.DataArray) -> int:
    """Return the cycle partition holding the most loops (the model's main feedback structure).

    Relative scores are shares *within* a partition, so polarity shares are
    read in one partition; a loop alone in its partition (e.g. the smoothing
    of a noise input) would otherwise count as a whole partition's worth.
    """
    partitions = np.asarray(scores["partition"].values, dtype=int)
    if partitions.size == 0:
        return -1
    values, counts = np.unique(partitions, return_counts=True)
    return int(values[int(np.argmax(counts))])


def polarity_shares(scores: xr.DataArray) -> xr.Dataset:
    """Return the reinforcing and balancing shares over time, in the main partition.

    Parameters
    ----------
    scores : xarray.DataArray
        ``LoopAnalysis.scores``, dimensions ``("loop", "time")``.

    Returns
    -------
    xarray.Dataset
        ``"reinforcing"``: the sum of the positive relative scores;
        ``"balancing"``: the sum of the negative ones, in absolute value. They
        add up to 1 wherever a loop is active and are 0 where none is.

    """
    inside = np.asarray(scores["partition"].values) == main_partition(scores)
    values = np.nan_to_num(np.asarray(scores.transpose(LOOP_DIM, TIME_DIM).values,
                                      dtype=float)[inside])
    time = {TIME_DIM: scores[TIME_DIM].values}
    return xr.Dataset(
        {REINFORCING: xr.DataArray(values.clip(min=0.0).sum(axis=0), dims=(TIME_DIM,)),
         BALANCING: xr.DataArray((-values).clip(min=0.0).sum(axis=0), dims=(TIME_DIM,))},
        coords=time)


def dominant_polarity(scores: xr.DataArray) -> xr.DataArray:
    """Return ``"reinforcing"``, ``"balancing"`` or ``""`` (no loop active) at each time."""
    shares = polarity_shares(scores)
    reinforcing = shares[REINFORCING].values
    balancing = shares[BALANCING].values
    labels = np.where(reinforcing > balancing, REINFORCING,
                      np.where(balancing > 0, BALANCING, NO_LOOP))
    return xr.DataArray(labels.astype(object), dims=(TIME_DIM,),
                        coords={TIME_DIM: scores[TIME_DIM].values})


def dominant_named_loop(named: xr.DataArray) -> xr.DataArray:
    """Return the named loop with the largest absolute score at each time (``""`` if none)."""
    magnitude = np.nan_to_num(np.abs(np.asarray(named.transpose(NAMED_DIM, TIME_DIM).values,
                                                dtype=float)))
    names = np.asarray(named[NAMED_DIM].values, dtype=object)
    if names.size == 0:
        labels = np.full(named.sizes[TIME_DIM], NO_LOOP, dtype=object)
    else:
        strongest = names[np.argmax(magnitude, axis=0)]
        labels = np.where(magnitude.max(axis=0) > 0, strongest, NO_LOOP)
    return xr.DataArray(labels, dims=(TIME_DIM,), coords={TIME_DIM: named[TIME_DIM].values})


def _phase_order(phases: xr.DataArray) -> list[str]:
    present = [str(p) for p in pd.unique(np.asarray(phases.values, dtype=object))]
    known = [p for p in PHASES if p in present]
    return known + [p for p in present if p not in known]


def phase_polarity(analysis: LoopAnalysis) -> pd.DataFrame:
    """Summarize each phase of a run: polarity shares and the dominant named loop.

    Returns
    -------
    pandas.DataFrame
        Index: phase, in the paper's order. Columns: ``start`` and ``end``
        (first and last time in the phase), ``time points`` (with an active
        loop), ``reinforcing share`` (mean), ``reinforcing dominates`` (share of
        the phase's time points at which it is above one half), ``named
        coverage`` (mean sum of the named loops' absolute scores: how much of
        the behaviour the named loops account for), ``named reinforcing
        share`` (the positive part of the named loops' summed absolute scores
        over the phase), ``dominant loop`` (the named loop with the largest
        mean absolute score over the phase).

    """
    shares = polarity_shares(analysis.scores)
    reinforcing = shares[REINFORCING].values
    active = (reinforcing + shares[BALANCING].values) > 0
    phases = np.asarray(analysis.phases.values, dtype=object)
    time = analysis.scores[TIME_DIM].values
    magnitude = np.abs(np.nan_to_num(analysis.named.values))
    rows = []
    for phase in _phase_order(analysis.phases):
        points = (phases == phase) & active
        inside = np.flatnonzero(phases == phase)
        rows.append({
            "phase": phase, "start": float(time[inside[0]]), "end": float(time[inside[-1]]),
            "time points": int(points.sum()),
            "reinforcing share": _mean(reinforcing[points]),
            "reinforcing dominates": _mean((reinforcing[points] > 0.5).astype(float)),
            "named coverage": _mean(magnitude[:, points].sum(axis=0)),
            "named reinforcing share": _positive_share(analysis.named, points),
            "dominant loop": _strongest(analysis.named, points),
        })
    return pd.DataFrame(rows).set_index("phase")


def phase_dominance(analysis: LoopAnalysis) -> pd.DataFrame:
    """Return each named loop's share of dominance within each phase of a run.

    Returns
    -------
    pandas.DataFrame
        One row per phase and named loop. Columns: ``phase``, ``loop``,
        ``dominant share`` (share of the phase's active time points at which
        the loop is the strongest named loop), ``mean score`` (signed mean
        relative score over those points) and ``mean |score|``.

    """
    dominant = np.asarray(dominant_named_loop(analysis.named).values, dtype=object)
    phases = np.asarray(analysis.phases.values, dtype=object)
    scores = np.nan_to_num(np.asarray(analysis.named.values, dtype=float))
    active = dominant != NO_LOOP
    rows = []
    for phase in _phase_order(analysis.phases):
        points = (phases == phase) & active
        for row, name in enumerate(analysis.named[NAMED_DIM].values):
            rows.append({
                "phase": phase, "loop": str(name),
                "dominant share": _mean((dominant[points] == name).astype(float)),
                "mean score": _mean(scores[row, points]),
                "mean |score|": _mean(np.abs(scores[row, points])),
            })
    return pd.DataFrame(rows, columns=["phase", "loop", "dominant share", "mean score",
                                       "mean |score|"])


def _mean(values: npt.NDArray[Any]) -> float:
    return float(np.mean(values)) if values.size else float("nan")


def _positive_share(named: xr.DataArray, points: npt.NDArray[np.bool_]) -> float:
    """Return the share of the named loops' absolute scores at ``points`` that is positive."""
    values = np.nan_to_num(np.asarray(named.values, dtype=float)[:, points])
    total = np.abs(values).sum()
    return float(values.clip(min=0.0).sum() / total) if total > 0 else float("nan")


def _strongest(named: xr.DataArray, points: npt.NDArray[np.bool_]) -> str:
    """Return the named loop with the largest mean absolute score at ``points``."""
    if named.sizes[NAMED_DIM] == 0 or not points.any():
        return NO_LOOP
    magnitude = np.abs(np.nan_to_num(np.asarray(named.values, dtype=float)[:, points]))
    means = magnitude.mean(axis=1)
    if means.max() <= 0:
        return NO_LOOP
    return str(named[NAMED_DIM].values[int(np.argmax(means))])


def hold_labels(labels: Sequence[Any] | npt.NDArray[Any], time: npt.NDArray[np.float64],
                min_dwell: float) -> npt.NDArray[np.object_]:
    """Ignore label changes that last less than ``min_dwell``.

    A run of equal labels is *held* when the time from its first to its last
    point is at least ``min_dwell``; a shorter run takes the label held
    before it (at the start: the first held label), as phases do
    (:class:`~sdcluster.analysis.settings.AnalysisSettings`). With no held
    run at all the labels are returned unchanged.
    """
    values = np.asarray(labels, dtype=object)
    bounds = label_runs(values)
    held = [(a, b) for a, b in bounds if time[b] - time[a] >= min_dwell]
    if not held:
        return values.copy()
    out = values.copy()
    previous = values[held[0][0]]
    for first, last in bounds:
        if (first, last) in held:
            previous = values[first]
        else:
            out[first:last + 1] = previous
    return out


def label_runs(values: Sequence[Any] | npt.NDArray[Any]) -> list[tuple[int, int]]:
    """Return the (first, last) indices of each run of equal consecutive values."""
    labels = np.asarray(values, dtype=object)
    if labels.size == 0:
        return []
    changes = [i for i in range(1, labels.size) if labels[i] != labels[i - 1]]
    starts = [0, *changes]
    ends = [*(c - 1 for c in changes), labels.size - 1]
    return list(zip(starts, ends, strict=True))


def dominance_shifts(analysis: LoopAnalysis, min_dwell: float = 1.0) -> pd.DataFrame:
    """Return the moments at which dominance shifts, ignoring changes shorter than ``min_dwell``.

    Returns
    -------
    pandas.DataFrame
        Columns ``time``, ``phase`` (at that time), ``level`` (``"polarity"``
        or ``"named loop"``), ``from`` and ``to``; sorted by time.

    """
    time = np.asarray(analysis.scores[TIME_DIM].values, dtype=float)
    phases = np.asarray(analysis.phases.values, dtype=object)
    rows = []
    for level, labels in (("polarity", dominant_polarity(analysis.scores).values),
                          ("named loop", dominant_named_loop(analysis.named).values)):
        held = hold_labels(labels, time, min_dwell)
        for first, _ in label_runs(held)[1:]:
            rows.append({"time": float(time[first]), "phase": str(phases[first]),
                         "level": level, "from": str(held[first - 1]), "to": str(held[first])})
    frame = pd.DataFrame(rows, columns=["time", "phase", "level", "from", "to"])
    return frame.sort_values(["time", "level"], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------- ensembles


@dataclass(frozen=True, kw_only=True)
class LoopEnsembleSpec:
    """A Latin-hypercube sample of parameters, each member scored for loop dominance.

    Attributes
    ----------
    ranges : mapping of str to (float, float)
        Constants to sample and their ranges (model names; see
        :func:`parameter_ranges`).
    samples : int
        Number of members.
    seed : int
        Seed of the Latin hypercube.
    noise_seed : int or None
        Root seed of the white-noise inputs: member ``m`` gets noise stream
        ``m`` of ``noise_seed`` for every input (:mod:`sdcluster.engine.noise`),
        as in the batch engine's ensembles. ``None``: parameter uncertainty only.
    scenario : Scenario or None
        The base the sample varies (its overrides, steps and final time).

    Raises
    ------
    ScenarioError
        If there are no ranges, a range is empty, or a count or seed is invalid.

    """

    ranges: Mapping[str, tuple[float, float]]
    samples: int = 100
    seed: int = 0
    noise_seed: int | None = None
    scenario: Scenario | None = None

    def __post_init__(self) -> None:
        if not self.ranges:
            raise ScenarioError("loop ensemble: give at least one parameter to sample")
        for name, (low, high) in self.ranges.items():
            if not (np.isfinite(low) and np.isfinite(high) and low < high):
                raise ScenarioError(f"loop ensemble: range of {name!r} must be finite and "
                                    f"low < high, got [{low:g}, {high:g}]")
        counts: list[tuple[str, object, int]] = [("samples", self.samples, 1),
                                                  ("seed", self.seed, 0)]
        if self.noise_seed is not None:
            counts.append(("noise_seed", self.noise_seed, 0))
        for label, value, least in counts:
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ScenarioError(f"loop ensemble: {label} must be an integer >= {least}, "
                                    f"got {value!r}")


def parameter_ranges(model: LoadedModel, names: Iterable[str] | None = None,
                     overrides: Mapping[str, tuple[float, float]] | None = None,
                     ) -> dict[str, tuple[float, float]]:
    """Return the declared ranges of the constants to sample.

    Parameters
    ----------
    model : LoadedModel
        The model.
    names : iterable of str, optional
        Constants to sample; the policy levers (:attr:`LoadedModel.levers`)
        when omitted.
    overrides : mapping of str to (float, float), optional
        Ranges that replace the declared ones (e.g. a narrower study range).

    Raises
    ------
    UnknownVariableError
        If a name is not a model variable (with the closest names).
    ScenarioError
        If a name is not a constant, or has no finite declared range and no override.

    """
    chosen = list(model.levers if names is None else names)
    replaced = {model.resolve(k): v for k, v in (overrides or {}).items()}
    ranges = {}
    for raw in chosen:
        name = model.resolve(raw)
        variable = model.variables[name]
        if variable.kind != "constant":
            raise ScenarioError(f"{model.path.name}: {name!r} is a {variable.kind}; only "
                                f"constants can be sampled{did_you_mean(raw, model.constants)}")
        bounds = replaced.get(name, variable.range)
        if bounds is None or bounds[0] is None or bounds[1] is None:
            raise ScenarioError(f"{model.path.name}: {name!r} has no finite declared range; "
                                "give one")
        ranges[name] = range_within(variable, float(bounds[0]), float(bounds[1]),
                                    f"{model.path.name}: {name!r}")
    return ranges


def latin_hypercube(ranges: Mapping[str, tuple[float, float]], samples: int,
                    seed: int | np.random.Generator | None = None) -> pd.DataFrame:
    """Return a Latin-hypercube sample of ``ranges`` (scipy.stats.qmc.LatinHypercube).

    Returns
    -------
    pandas.DataFrame
        One row per member (index ``"member"``), one column per parameter.

    """
    from scipy.stats import qmc

    names = list(ranges)
    unit = qmc.LatinHypercube(d=len(names), seed=seed).random(samples)
    low = np.array([ranges[n][0] for n in names])
    high = np.array([ranges[n][1] for n in names])
    frame = pd.DataFrame(qmc.scale(unit, low, high), columns=names)
    frame.index.name = MEMBER_DIM
    return frame


@dataclass(frozen=True, kw_only=True)
class LoopEnsemble:
    """Loop dominance of every member of a parameter sample, phase by phase.

    Attributes
    ----------
    spec : LoopEnsembleSpec
        What was run.
    parameters : pandas.DataFrame
        The sample (index ``"member"``).
    phase_scores : xarray.DataArray
        Mean signed score of each named loop over each phase,
        ``("member", "phase", "named_loop")``; NaN where a member never
        reaches the phase.
    reinforcing_share : xarray.DataArray
        Mean reinforcing share over each phase, ``("member", "phase")``.
    named_reinforcing_share : xarray.DataArray
        The same for the named loops only (``named reinforcing share`` of
        :func:`phase_polarity`), ``("member", "phase")``.
    dominant : xarray.DataArray
        The named loop with the largest mean absolute score over each phase,
        ``("member", "phase")``; ``""`` where the phase is not reached.
    matches : tuple of LoopMatch
        The named loops as matched in the first member.
    seconds : float
        Wall time of the runs.

    """

    spec: LoopEnsembleSpec
    parameters: pd.DataFrame
    phase_scores: xr.DataArray
    reinforcing_share: xr.DataArray
    named_reinforcing_share: xr.DataArray
    dominant: xr.DataArray
    matches: tuple[LoopMatch, ...]
    seconds: float


@dataclass
class _PhaseSummary:
    scores: npt.NDArray[np.float64]  # (phase, named loop)
    reinforcing: npt.NDArray[np.float64]  # (phase,)
    named_reinforcing: npt.NDArray[np.float64]  # (phase,)
    dominant: list[str] = field(default_factory=list)  # per phase


def _summarize_phases(analysis: LoopAnalysis, phases: Sequence[str]) -> _PhaseSummary:
    shares = polarity_shares(analysis.scores)
    reinforcing = shares[REINFORCING].values
    active = (reinforcing + shares[BALANCING].values) > 0
    labels = np.asarray(analysis.phases.values, dtype=object)
    named = np.nan_to_num(np.asarray(analysis.named.values, dtype=float))
    summary = _PhaseSummary(scores=np.full((len(phases), named.shape[0]), np.nan),
                            reinforcing=np.full(len(phases), np.nan),
                            named_reinforcing=np.full(len(phases), np.nan))
    for row, phase in enumerate(phases):
        points = (labels == phase) & active
        summary.dominant.append(_strongest(analysis.named, points))
        if points.any():
            summary.scores[row] = named[:, points].mean(axis=1)
            summary.reinforcing[row] = reinforcing[points].mean()
            summary.named_reinforcing[row] = _positive_share(analysis.named, points)
    return summary


def run_loop_ensemble(
    model: LoadedModel,
    spec: LoopEnsembleSpec,
    *,
    named: Sequence[NamedLoop] | None = None,
    settings: AnalysisSettings | None = None,
    progress: bool = False,
) -> LoopEnsemble:
    """Score the loops of every member of a Latin-hypercube sample, phase by phase.

    Parameters
    ----------
    model : LoadedModel
        The model.
    spec : LoopEnsembleSpec
        Ranges, sample size, seeds and base scenario.
    named : sequence of NamedLoop, optional
        The named loops; those of the model file by default.
    settings : AnalysisSettings, optional
        Phase thresholds; from each run's ``"entropy tolerance"`` by default.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    LoopEnsemble
        Per member and phase: named-loop scores, reinforcing share, dominant loop.

    Raises
    ------
    ScenarioError, UnknownVariableError, ModelFileError, SimulationError
        As :func:`analyze_loops`, naming the member that failed.

    """
    import sys

    from tqdm import tqdm

    base = (spec.scenario or Scenario(name="baseline")).validated(model)
    parameters = latin_hypercube({model.resolve(k): v for k, v in spec.ranges.items()},
                                 spec.samples, spec.seed)
    runner = _LoopRunner(model, named)
    noise = _ensemble_noise(model, base, spec)
    phases = list(PHASES) if _has_phase_variables(model.variables) else [WHOLE_RUN]
    summaries: list[_PhaseSummary] = []
    matches: tuple[LoopMatch, ...] = ()
    started = clock.perf_counter()
    for member in tqdm(parameters.index, desc="loop runs", unit="run", file=sys.stderr,
                       disable=not progress):
        row = {str(k): float(v) for k, v in parameters.loc[member].items()}
        scenario = Scenario(name=f"member {member}", overrides={**base.overrides, **row},
                            steps=base.steps, final_time=base.final_time)
        member_noise = {name: table[member] for name, table in noise.items()}
        analysis = runner.run(scenario, noise=member_noise, settings=settings,
                              variables=_PHASE_INPUTS)
        matches = matches or analysis.matches
        summaries.append(_summarize_phases(analysis, phases))
    seconds = clock.perf_counter() - started
    return _ensemble(spec, parameters, summaries, phases, runner.named, matches, seconds)


def _ensemble_noise(model: LoadedModel, base: Scenario,
                    spec: LoopEnsembleSpec) -> dict[str, npt.NDArray[np.float64]]:
    """Return each noise input's series for every member, ``(samples, steps)``; none unseeded."""
    if spec.noise_seed is None:
        return {}
    steps = model.time.step_times(base.final_time or model.time.final_time).size
    return white_noise_inputs(spec.noise_seed, np.arange(spec.samples), steps,
                              noise_inputs(model))


def _ensemble(spec: LoopEnsembleSpec, parameters: pd.DataFrame,
              summaries: Sequence[_PhaseSummary], phases: Sequence[str],
              named: Sequence[NamedLoop], matches: tuple[LoopMatch, ...],
              seconds: float) -> LoopEnsemble:
    members = parameters.index.to_numpy()
    names = [loop.name for loop in named]
    coords_phase = {MEMBER_DIM: members, PHASE_DIM: list(phases)}
    return LoopEnsemble(
        spec=spec, parameters=parameters, matches=matches, seconds=seconds,
        phase_scores=xr.DataArray(
            np.stack([s.scores for s in summaries]).reshape(len(members), len(phases),
                                                            len(names)),
            dims=(MEMBER_DIM, PHASE_DIM, NAMED_DIM),
            coords={**coords_phase, NAMED_DIM: names}),
        reinforcing_share=xr.DataArray(np.stack([s.reinforcing for s in summaries]),
                                       dims=(MEMBER_DIM, PHASE_DIM), coords=coords_phase),
        named_reinforcing_share=xr.DataArray(
            np.stack([s.named_reinforcing for s in summaries]),
            dims=(MEMBER_DIM, PHASE_DIM), coords=coords_phase),
        dominant=xr.DataArray(np.array([s.dominant for s in summaries], dtype=object),
                              dims=(MEMBER_DIM, PHASE_DIM), coords=coords_phase),
    )


def wilson_interval(successes: int, trials: int,
                    confidence: float = 0.95) -> tuple[float, float]:
    """Return the Wilson score interval of a binomial proportion [2]_.

    ``(nan, nan)`` when there are no trials. Unlike the normal approximation
    it stays within [0, 1] and is sound for proportions near 0 or 1.
    """
    from scipy.stats import norm

    if trials <= 0:
        return float("nan"), float("nan")
    z = float(norm.ppf(0.5 + confidence / 2.0))
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * np.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    half /= 1 + z * z / trials
    # At 0 or all successes the bound is exactly 0 or 1; rounding would miss it.
    low = 0.0 if successes <= 0 else max(0.0, float(centre - half))
    high = 1.0 if successes >= trials else min(1.0, float(centre + half))
    return low, high


#: Row of :func:`dominance_frequencies` for the reinforcing loops as a whole.
ALL_REINFORCING = "reinforcing loops (all)"
#: Row of :func:`dominance_frequencies` for the reinforcing named loops together.
NAMED_REINFORCING = "reinforcing named loops"


def dominance_frequencies(ensemble: LoopEnsemble, confidence: float = 0.95) -> pd.DataFrame:
    """Return how often each named loop dominates each phase across the ensemble.

    Returns
    -------
    pandas.DataFrame
        Columns ``phase``, ``loop``, ``dominates`` (members in which it
        dominates the phase), ``reached`` (members that reach the phase),
        ``share`` and its Wilson interval ``low``, ``high``. The row
        ``"reinforcing loops (all)"`` counts members whose mean reinforcing
        share over the phase is above one half, the row ``"reinforcing named
        loops"`` those whose named reinforcing share is.

    """
    rows = []
    for phase in ensemble.dominant[PHASE_DIM].values:
        dominant = np.asarray(ensemble.dominant.sel({PHASE_DIM: phase}).values, dtype=object)
        reached = int((dominant != NO_LOOP).sum())
        counts = {name: int((dominant == name).sum())
                  for name in ensemble.phase_scores[NAMED_DIM].values}
        for label, shares in ((ALL_REINFORCING, ensemble.reinforcing_share),
                              (NAMED_REINFORCING, ensemble.named_reinforcing_share)):
            share = np.asarray(shares.sel({PHASE_DIM: phase}).values, dtype=float)
            counts[label] = int((share[np.isfinite(share)] > 0.5).sum())
        for loop, count in counts.items():
            low, high = wilson_interval(count, reached, confidence)
            rows.append({"phase": str(phase), "loop": str(loop), "dominates": count,
                         "reached": reached, "share": count / reached if reached else np.nan,
                         "low": low, "high": high})
    return pd.DataFrame(rows, columns=["phase", "loop", "dominates", "reached", "share",
                                       "low", "high"])


#: Response of :func:`dominance_drivers` for the reinforcing share.
REINFORCING_SHARE = "reinforcing share"


def dominance_drivers(ensemble: LoopEnsemble) -> pd.DataFrame:
    """Return Spearman rank correlations between parameters and loop dominance.

    For each phase, each sampled parameter is correlated with the members'
    mean reinforcing share over the phase and with each named loop's mean
    absolute score over the phase, across the members that reach the phase.

    Returns
    -------
    pandas.DataFrame
        Columns ``phase``, ``response`` (``"reinforcing share"`` or a loop
        name), ``parameter``, ``rho``, ``p value`` and ``members``; NaN where a
        response or parameter does not vary. Sorted by phase, then by |rho|.

    """
    from scipy.stats import spearmanr

    rows = []
    for phase in ensemble.reinforcing_share[PHASE_DIM].values:
        responses = {REINFORCING_SHARE: ensemble.reinforcing_share.sel({PHASE_DIM: phase}).values}
        scores = abs(ensemble.phase_scores.sel({PHASE_DIM: phase}))
        for name in scores[NAMED_DIM].values:
            responses[str(name)] = scores.sel({NAMED_DIM: name}).values
        for response, values in responses.items():
            reached = np.isfinite(values)
            for parameter in ensemble.parameters.columns:
                x = ensemble.parameters[parameter].to_numpy()[reached]
                y = np.asarray(values)[reached]
                rho, p_value = (float("nan"), float("nan"))
                if x.size > 2 and np.ptp(x) > 0 and np.ptp(y) > 0:
                    result = spearmanr(x, y)
                    rho, p_value = float(result.statistic), float(result.pvalue)
                rows.append({"phase": str(phase), "response": response,
                             "parameter": str(parameter), "rho": rho, "p value": p_value,
                             "members": int(reached.sum())})
    frame = pd.DataFrame(rows, columns=["phase", "response", "parameter", "rho", "p value",
                                        "members"])
    order = {p: i for i, p in enumerate(PHASES)}
    frame["_phase"] = frame["phase"].map(order)
    frame["_size"] = -frame["rho"].abs()
    return (frame.sort_values(["_phase", "_size"], na_position="last", kind="stable")
            .drop(columns=["_phase", "_size"]).reset_index(drop=True))


# ------------------------------------------------------------- threshold search


@dataclass(frozen=True, kw_only=True)
class ThresholdSearch:
    """Where a named loop takes over (or loses) a phase as one parameter varies.

    Attributes
    ----------
    parameter, loop, phase : str
        What was searched.
    threshold : float or None
        The parameter value at which the loop starts (``takes_over``) or
        stops dominating the phase, to within ``tolerance``; ``None`` when its
        dominance does not change over the range.
    takes_over : bool
        True when the loop dominates above the threshold.
    grid : pandas.DataFrame
        The coarse sweep: columns ``value`` and ``dominant`` (the phase's
        dominant named loop, ``""`` when the phase is not reached).

    """

    parameter: str
    loop: str
    phase: str
    threshold: float | None
    takes_over: bool
    grid: pd.DataFrame


def dominance_threshold(
    model: LoadedModel,
    *,
    parameter: str,
    loop: str,
    phase: str,
    value_range: tuple[float, float] | None = None,
    points: int = 11,
    tolerance: float = 0.005,
    scenario: Scenario | None = None,
    named: Sequence[NamedLoop] | None = None,
    settings: AnalysisSettings | None = None,
) -> ThresholdSearch:
    """Find the parameter value at which a named loop takes over (or loses) a phase.

    A sweep of ``points`` values over ``value_range`` (the declared range by
    default) finds the first interval over which the loop's dominance of the
    phase changes (members that do not reach the phase are skipped);
    bisection then narrows it to ``tolerance``.

    Parameters
    ----------
    model : LoadedModel
        The model.
    parameter : str
        A constant.
    loop : str
        A named loop, by name or code (``"R5"``).
    phase : str
        One of :data:`~sdcluster.analysis.phases.PHASES`, or ``"whole run"``
        for a model without the cluster's phases.
    value_range : (float, float), optional
        Range to search.
    points : int
        Values in the coarse sweep (at least 2).
    tolerance : float
        Width of the final bracket.
    scenario : Scenario, optional
        The base (other constants); the model as it is by default.
    named, settings
        As for :func:`analyze_loops`.

    Returns
    -------
    ThresholdSearch
        The threshold (or ``None``) and the sweep.

    Raises
    ------
    AnalysisError
        If the loop or phase is unknown or ``points`` < 2.

    """
    runner = _LoopRunner(model, named)
    target = _named_loop(runner.named, loop, model)
    if phase not in (*PHASES, WHOLE_RUN):
        raise AnalysisError(f"unknown phase {phase!r}{did_you_mean(phase, (*PHASES, WHOLE_RUN))}")
    if points < 2:
        raise AnalysisError(f"threshold search: points must be at least 2, got {points}")
    name = model.resolve(parameter)
    low, high = value_range or parameter_ranges(model, [name])[name]
    base = (scenario or Scenario(name="baseline")).validated(model)

    def dominant_at(value: float) -> str:
        trial = Scenario(name=f"{name} = {value:g}", overrides={**base.overrides, name: value},
                         steps=base.steps, final_time=base.final_time)
        analysis = runner.run(trial, settings=settings, variables=_PHASE_INPUTS)
        summary = _summarize_phases(analysis, [phase])
        return summary.dominant[0]

    values = np.linspace(low, high, points)
    labels = [dominant_at(float(v)) for v in values]
    grid = pd.DataFrame({"value": values, "dominant": labels})
    return _bisect(grid, target, tolerance, dominant_at,
                   ThresholdSearch(parameter=name, loop=target, phase=phase, threshold=None,
                                   takes_over=False, grid=grid))


def _named_loop(named: Sequence[NamedLoop], wanted: str, model: LoadedModel) -> str:
    for loop in named:
        if wanted in (loop.name, loop.code):
            return loop.name
    choices = [loop.name for loop in named] + [loop.code for loop in named]
    raise AnalysisError(f"{model.path.name}: no named loop {wanted!r}"
                        f"{did_you_mean(wanted, choices)}")


def _bisect(grid: pd.DataFrame, target: str, tolerance: float,
            dominant_at: Callable[[float], str], found: ThresholdSearch) -> ThresholdSearch:
    reached = grid[grid["dominant"] != NO_LOOP].reset_index(drop=True)
    holds = (reached["dominant"] == target).to_numpy()
    changes = np.flatnonzero(holds[1:] != holds[:-1])
    if changes.size == 0:
        return found
    first = int(changes[0])
    low, high = float(reached["value"][first]), float(reached["value"][first + 1])
    below = bool(holds[first])
    while high - low > tolerance:
        middle = (low + high) / 2
        label = dominant_at(middle)
        if label != NO_LOOP and (label == target) == below:
            low = middle
        else:
            high = middle
    return ThresholdSearch(parameter=found.parameter, loop=found.loop, phase=found.phase,
                           threshold=(low + high) / 2, takes_over=not below, grid=grid)

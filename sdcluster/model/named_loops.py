"""Named feedback loops: read from the model file, matched to the enumerated loops.

The loops a modeler names (R1 spin-offs, B1 crowding, ...) are kept in the
model file, not in Python. In a Vensim file they are the loop identifiers of
the sketch (comments drawn as a loop symbol, :func:`sdcluster.model.diagram.loop_markers`),
whose text ends with the variables on the loop in square brackets::

    R1 spin-offs [Mature Firms > spinoffs > Young Firms > maturation]
    B2 dilution [Innovative Firms > knowledge per firm > absorptive capacity > ...;
                 Innovative Firms > resource adequacy > resource effect > ...]

(the second is abbreviated here).

Each ``;``-separated chain stands for one loop: the shortest feedback loop
that contains every variable of the chain (ties are all kept and
reported as ambiguous; :func:`match_loops`). A named loop's score is the sum
of the relative scores of its chains' loops, which are distinct loops, so the
sum is their joint share (:func:`sdcluster.analysis.loops.named_scores`). An
XMILE file has no comments: its named loops are read from
``<simlin:loop-metadata name="R1 spin-offs" description="Mature Firms >
spinoffs > Young Firms > maturation"/>`` elements (the element pysimlin
writes for loops named with ``set_loop_name``; the description holds the
chains), or, if it has none, from the Vensim twin with the same stem beside it.

The loops themselves are enumerated from the causal graph in
:mod:`sdcluster.model.causal_loops`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sdcluster.errors import ModelFileError, did_you_mean
from sdcluster.loop_polarity import BALANCING, REINFORCING
from sdcluster.model.diagram import loop_markers, split_loop_label
from sdcluster.model.loaded import LoadedModel
from sdcluster.names import normalize_name

#: Separates the chains of a named loop's definition.
CHAIN_SEPARATOR = ";"
#: Separates the variables of one chain.
LINK_SEPARATOR = ">"
#: Namespace of pysimlin's XMILE extensions (``<simlin:loop-metadata>``).
SIMLIN_XMILE_NAMESPACE = "https://simlin.com/XMILE/v1.0"


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
        :func:`sdcluster.names.normalize_name` maps to the model's names).

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

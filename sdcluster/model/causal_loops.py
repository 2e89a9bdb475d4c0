"""The feedback loops of a model's causal graph, with their structural polarity.

pysimlin lists a model's loops (``simlin.Model.loops``) only while the largest
strongly connected component of its causal graph has at most 50 variables; past
that it lists none. The causal links themselves (``Model.get_links``, with the
sign pysimlin reads from each equation) are always there, so the loops are
enumerated here from them, with networkx (Johnson's algorithm [1]_), once per
model. The pysimlin engine (:mod:`sdcluster.engine.pysimlin_runner`) scores these
loops and :mod:`sdcluster.analysis.loops` reads dominance from the scores;
:meth:`sdcluster.model.loaded.LoadedModel.feedback_loops` lists them.

References
----------
.. [1] Johnson, D. B. (1975). Finding all the elementary circuits of a directed
   graph. *SIAM Journal on Computing* 4(1), 77-84. https://doi.org/10.1137/0204007

"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from sdcluster.errors import AnalysisError, ModelFileError, first_line
from sdcluster.loop_polarity import BALANCING, REINFORCING, UNDETERMINED
from sdcluster.model.simlin_io import load_project

#: Most elementary feedback loops :func:`feedback_loops` enumerates; a causal
#: graph with more is refused (their scores would not fit in memory).
MAX_LOOPS = 200_000


def _graph(links: Iterable[tuple[str, str]]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_edges_from(links)
    return graph


def strong_components(links: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Return the strongly connected components of a directed graph (networkx).

    Parameters
    ----------
    links : iterable of (str, str)
        The edges, source to target.

    Returns
    -------
    list of list of str
        Every node in exactly one component (a node on no cycle is a
        component of its own).

    """
    return [list(component) for component in nx.strongly_connected_components(_graph(links))]


def feedback_loops(links: Iterable[tuple[str, str]], *,
                   limit: int = MAX_LOOPS) -> tuple[tuple[str, ...], ...]:
    """Return the elementary feedback loops of a causal graph (Johnson's algorithm [1]_).

    The enumeration is ``networkx.simple_cycles``.

    Parameters
    ----------
    links : iterable of (str, str)
        The causal links, cause to effect (repeats are ignored).
    limit : int
        Most loops to enumerate.

    Returns
    -------
    tuple of tuple of str
        Each loop once, as its variables in causal order starting from its
        smallest name (a link from the last back to the first closes it);
        sorted by length, then by names.

    Raises
    ------
    AnalysisError
        If the graph has more than ``limit`` loops.

    """
    loops: list[tuple[str, ...]] = []
    for cycle in nx.simple_cycles(_graph(links)):
        first = cycle.index(min(cycle))
        loops.append(tuple(cycle[first:] + cycle[:first]))
        if len(loops) > limit:
            raise AnalysisError(f"the causal graph has more than {limit} feedback "
                                "loops: too many to score each one")
    return tuple(sorted(loops, key=lambda loop: (len(loop), loop)))


def structural_loops(model_path: str | Path) -> tuple[tuple[tuple[str, ...], str], ...]:
    """Return the feedback loops of a model file with their structural polarity.

    Unlike ``simlin.Model.loops``, which is empty for a model past pysimlin's
    enumeration limit (see the module docstring), this enumerates the loops of
    pysimlin's causal links itself (:func:`feedback_loops`). The polarity is
    the links' signs as pysimlin reads them from the equations: reinforcing
    for an even number of negative links, balancing for an odd one,
    undetermined when a link's sign is unknown (e.g. through a lookup).

    Returns
    -------
    tuple of (tuple of str, str)
        Each loop's variables (pysimlin identifiers, in causal order) and
        ``"reinforcing"``, ``"balancing"`` or ``"undetermined"``.

    Raises
    ------
    ModelFileError
        If pysimlin cannot load the file or the graph has too many loops.

    """
    try:
        links = load_project(model_path).main_model.get_links()
    except Exception as error:  # pysimlin raises several types; report them as one
        raise ModelFileError(f"{model_path}: pysimlin cannot load the model: "
                             f"{first_line(error)}") from None
    signs = {(str(link.from_var), str(link.to_var)): str(link.polarity) for link in links}
    try:
        loops = feedback_loops(signs)
    except AnalysisError as error:
        raise ModelFileError(f"{model_path}: {error}") from None
    out = []
    for loop in loops:
        on_loop = [signs[(v, loop[(k + 1) % len(loop)])] for k, v in enumerate(loop)]
        if any(sign not in "+-" for sign in on_loop):
            polarity = UNDETERMINED
        else:
            polarity = BALANCING if on_loop.count("-") % 2 else REINFORCING
        out.append((loop, polarity))
    return tuple(out)

"""The pieces of a diagram view: stocks, flows drawn as pipes, shadows, loop labels.

Authoring aid for ``build_model.py`` (see ``layout.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

Point = tuple[int, int]


@dataclass(frozen=True)
class Flow:
    """A flow drawn as a pipe: source and target are a stock name or a cloud position."""

    name: str
    valve: Point
    source: str | Point
    target: str | Point
    horizontal: bool = True


@dataclass(frozen=True)
class View:
    """One view of the diagram."""

    title: str
    stocks: dict[str, Point]
    flows: list[Flow]
    auxiliaries: dict[str, Point]
    shadows: list[tuple[str, Point]] = field(default_factory=list)
    shadow_stocks: dict[str, Point] = field(default_factory=dict)
    #: Loop identifiers:
    #: ``"R1 spin-offs [Mature Firms > spinoffs > Young Firms > maturation]"``. The words
    #: before the brackets are the name drawn in the view; the bracketed chains
    #: (``;`` between alternatives) are the variables on the loop, which
    #: ``sdcluster.model.named_loops`` uses to find the loop among those pysimlin scores.
    loops: dict[str, Point] = field(default_factory=dict)
    notes: dict[str, Point] = field(default_factory=dict)

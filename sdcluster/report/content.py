"""The report's content model: one tree of sections, rendered to HTML and to PDF.

A :class:`Document` holds :class:`Section` objects; a section holds blocks
(:class:`Paragraph`, :class:`BulletList`, :class:`Table`, :class:`Figure`,
:class:`Note`, :class:`Code`) and subsections. Text is plain text: the
renderers escape it, so a ``<`` or ``&`` in a model's documentation shows as
that character. Figures are SVG documents (vector in both formats).

The content is built once (:mod:`sdcluster.report.build`) and both renderers
(:mod:`sdcluster.report.html`, :mod:`sdcluster.report.pdf`) draw the same
tree, so the two files cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

#: How a table row is highlighted: ``"fail"`` for a failed check, ``""`` otherwise.
RowTone = Literal["", "fail", "pass"]


@dataclass(frozen=True, kw_only=True)
class Paragraph:
    """A paragraph of plain text."""

    text: str


@dataclass(frozen=True, kw_only=True)
class BulletList:
    """An unordered list of plain-text items."""

    items: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Table:
    """A table of text cells.

    Attributes
    ----------
    caption : str
        What the table shows.
    columns : tuple of str
        Column headers.
    rows : tuple of tuple of str
        Cell texts, one tuple per row, as long as ``columns``.
    numeric : tuple of bool
        Which columns hold numbers (right-aligned); empty means none.
    tones : tuple of str
        Per row, a highlight (see :data:`RowTone`); empty means none.

    """

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    tones: tuple[RowTone, ...] = ()

    def __post_init__(self) -> None:
        width = len(self.columns)
        for row in self.rows:
            if len(row) != width:
                raise ValueError(f"table {self.caption!r}: row {row!r} has {len(row)} cells, "
                                 f"expected {width}")
        if self.numeric and len(self.numeric) != width:
            raise ValueError(f"table {self.caption!r}: numeric flags for {len(self.numeric)} "
                             f"columns, expected {width}")
        if self.tones and len(self.tones) != len(self.rows):
            raise ValueError(f"table {self.caption!r}: {len(self.tones)} tones for "
                             f"{len(self.rows)} rows")

    def is_numeric(self, column: int) -> bool:
        """Return whether column ``column`` holds numbers."""
        return bool(self.numeric) and self.numeric[column]

    def tone(self, row: int) -> RowTone:
        """Return the highlight of row ``row``."""
        return self.tones[row] if self.tones else ""


@dataclass(frozen=True, kw_only=True)
class Figure:
    """A vector figure.

    Attributes
    ----------
    caption : str
        What the figure shows.
    svg : str
        A standalone SVG document.
    width : float
        Share of the text width the figure takes, 0 to 1.

    """

    caption: str
    svg: str
    width: float = 1.0


@dataclass(frozen=True, kw_only=True)
class Note:
    """A remark set apart from the text, e.g. why a part is left out.

    Attributes
    ----------
    text : str
        The remark.
    kind : str
        ``"unavailable"`` for a part of the report that could not be made
        (the text says why), ``"info"`` otherwise.

    """

    text: str
    kind: Literal["unavailable", "info"] = "info"


@dataclass(frozen=True, kw_only=True)
class Code:
    """Literal text shown in a monospaced font, e.g. a command."""

    text: str


Block = Paragraph | BulletList | Table | Figure | Note | Code


@dataclass(frozen=True, kw_only=True)
class Section:
    """A titled part of the report.

    Attributes
    ----------
    key : str
        Identifier, unique in the document (HTML anchor, PDF bookmark).
    title : str
        Heading.
    blocks : tuple of Block
        Content before the subsections.
    subsections : tuple of Section
        Nested sections.

    """

    key: str
    title: str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = ()

    def walk(self, level: int = 1) -> Iterator[tuple[int, Section]]:
        """Yield ``(level, section)`` for this section and every nested one, in order."""
        yield level, self
        for subsection in self.subsections:
            yield from subsection.walk(level + 1)


@dataclass(frozen=True, kw_only=True)
class Document:
    """A whole report.

    Attributes
    ----------
    title : str
        Title of the report.
    subtitle : str
        One line under the title (model, date).
    sections : tuple of Section
        Top-level sections, in order.
    metadata : dict
        Facts for the file's own metadata (e.g. PDF author/subject).

    """

    title: str
    subtitle: str
    sections: tuple[Section, ...]
    metadata: dict[str, str] = field(default_factory=dict)

    def walk(self) -> Iterator[tuple[int, Section]]:
        """Yield ``(level, section)`` for every section, depth first."""
        for section in self.sections:
            yield from section.walk()

    def numbered(self) -> list[tuple[str, int, Section]]:
        """Return ``(number, level, section)`` for every section, e.g. ``("2.1", 2, ...)``."""
        numbered: list[tuple[str, int, Section]] = []

        def visit(sections: tuple[Section, ...], prefix: str, level: int) -> None:
            for index, section in enumerate(sections, start=1):
                number = f"{prefix}{index}"
                numbered.append((number, level, section))
                visit(section.subsections, f"{number}.", level + 1)

        visit(self.sections, "", 1)
        return numbered

    def section(self, key: str) -> Section:
        """Return the section with identifier ``key``.

        Raises
        ------
        KeyError
            If there is none.

        """
        for _, section in self.walk():
            if section.key == key:
                return section
        raise KeyError(key)

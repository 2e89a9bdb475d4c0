"""Render a report :class:`~sdcluster.report.content.Document` as one self-contained HTML file.

The page needs nothing from outside: the stylesheet is inline, figures are
SVG documents embedded as ``data:`` URIs (each keeps its own styles and ids,
so figures cannot disturb each other or the page), and a Content Security
Policy forbids loading anything else. Templates live in the package
(``sdcluster/report/templates``); Jinja2 autoescaping is on, so text from a
model (names, documentation) shows as written, ``<`` and ``&`` included.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import jinja2

from sdcluster.errors import ReportError
from sdcluster.report.content import Document, Section
from sdcluster.results.atomic import write_atomically

_TEMPLATE = "report.html.j2"


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("sdcluster.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["svg_data_uri"] = svg_data_uri
    environment.globals["kind"] = lambda block: type(block).__name__
    return environment


def svg_data_uri(svg: str) -> str:
    """Return an SVG document as a base64 ``data:`` URI."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render_html(document: Document) -> str:
    """Return the report as HTML text."""
    numbers = {section.key: number for number, _, section in document.numbered()}
    toc = _toc(document.sections, numbers)
    template = _environment().get_template(_TEMPLATE)
    return template.render(document=document, numbers=numbers, toc=toc)


def _toc(sections: tuple[Section, ...], numbers: dict[str, str]) -> list[dict[str, object]]:
    return [{"key": s.key, "title": s.title, "number": numbers[s.key],
             "children": _toc(s.subsections, numbers)} for s in sections]


def write_html(document: Document, path: str | os.PathLike[str]) -> Path:
    """Write the report as an HTML file, atomically; return its path.

    Raises
    ------
    ReportError
        If the file cannot be written.

    """
    text = render_html(document)
    return write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"),
                            what="the report", error=ReportError)

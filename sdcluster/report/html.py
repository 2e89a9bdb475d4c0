"""Render a report :class:`~sdcluster.report.content.Document` as one self-contained HTML file.

The page needs nothing from outside: the stylesheet is inline, figures are
SVG documents embedded as ``data:`` URIs (each keeps its own styles and ids,
so figures cannot disturb each other or the page), and a Content Security
Policy forbids loading anything else. The live policy explorer
(:mod:`sdcluster.report.explorer`), when given, follows the decision summary:
its inline script is the only one the policy allows, by its SHA-256; the PDF
does not show it. Templates live in the package
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
from sdcluster.report.explorer import ExplorerBlock, content_security_policy
from sdcluster.results.atomic import write_atomically

_TEMPLATE = "report.html.j2"
#: The section the explorer follows (the first section if the report has none such).
EXPLORER_AFTER = "decision"
EXPLORER_TITLE = "Live policy explorer"


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


def render_html(document: Document, explorer: ExplorerBlock | None = None) -> str:
    """Return the report as HTML text, with the live policy explorer if given."""
    numbers = {section.key: number for number, _, section in document.numbered()}
    toc = _toc(document.sections, numbers)
    after = _explorer_place(document) if explorer is not None else None
    if after is not None:
        at = next(i for i, entry in enumerate(toc) if entry["key"] == after) + 1
        toc.insert(at, {"key": "explorer", "title": EXPLORER_TITLE, "number": "",
                        "children": []})
    template = _environment().get_template(_TEMPLATE)
    return template.render(document=document, numbers=numbers, toc=toc, explorer=explorer,
                           explorer_after=after, explorer_title=EXPLORER_TITLE,
                           csp=content_security_policy(explorer))


def _explorer_place(document: Document) -> str | None:
    keys = [section.key for section in document.sections]
    if not keys:
        return None
    return EXPLORER_AFTER if EXPLORER_AFTER in keys else keys[0]


def _toc(sections: tuple[Section, ...], numbers: dict[str, str]) -> list[dict[str, object]]:
    return [{"key": s.key, "title": s.title, "number": numbers[s.key],
             "children": _toc(s.subsections, numbers)} for s in sections]


def write_html(document: Document, path: str | os.PathLike[str], *,
               explorer: ExplorerBlock | None = None) -> Path:
    """Write the report as an HTML file, atomically; return its path.

    ``explorer`` (see :func:`sdcluster.report.explorer.report_explorer`) is
    placed after the decision summary.

    Raises
    ------
    ReportError
        If the file cannot be written.

    """
    text = render_html(document, explorer)
    return write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"),
                            what="the report", error=ReportError)

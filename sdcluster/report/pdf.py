"""Render a report :class:`~sdcluster.report.content.Document` as a PDF file.

ReportLab's platypus lays out the same content tree as the HTML page:
selectable text in DejaVu fonts (shipped with matplotlib, so nothing beyond
pip is needed, and symbols such as ε, ≥ and → print), a table of contents
with page numbers, PDF bookmarks, page numbers in the footer, and vector
figures: each SVG is converted to ReportLab drawing operations by svglib.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from matplotlib import get_data_path
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from sdcluster.errors import ReportError
from sdcluster.report import content
from sdcluster.results.atomic import write_atomically

_FONT = "DejaVuSans"
_FONT_BOLD = "DejaVuSans-Bold"
_FONT_ITALIC = "DejaVuSans-Oblique"
_FONT_MONO = "DejaVuSansMono"
_FONT_FILES = {_FONT: "DejaVuSans.ttf", _FONT_BOLD: "DejaVuSans-Bold.ttf",
               _FONT_ITALIC: "DejaVuSans-Oblique.ttf", _FONT_MONO: "DejaVuSansMono.ttf"}
_MARGIN = 18 * mm
_FAIL_COLOUR = colors.HexColor("#fde2e1")
_HEADER_COLOUR = colors.HexColor("#eef1f4")
_NOTE_COLOUR = colors.HexColor("#fff6d6")
# svglib reads fill-opacity and stroke-opacity but ignores `opacity` (matplotlib's shading).
_OPACITY = re.compile(r"(?<![-\w])opacity\s*:\s*([0-9.]+)")
# svglib asks fontconfig (a subprocess) for every text node whose font it has not
# registered; figures are drawn in DejaVu Sans, registered once.
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)
_FONT_FAMILY_IN_CSS = re.compile(r"font-family\s*:(?:&#?\w+;|[^;}])*")
_FONT_FAMILY_IN_STYLE = re.compile(r'font-family\s*:(?:&#?\w+;|[^;"])*')
_FONT_FAMILY_ATTR = re.compile(r'font-family="[^"]*"')
_FONT_WEIGHT = re.compile(r'font-weight(\s*:\s*|=")(\d+)')
_SVG_FAMILY = "DejaVu Sans"


def _register_fonts() -> None:
    if _FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(get_data_path()) / "fonts" / "ttf"
    for name, file in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(_FONT, normal=_FONT, bold=_FONT_BOLD, italic=_FONT_ITALIC,
                                  boldItalic=_FONT_BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=_FONT, fontSize=9.5, leading=12.6, spaceAfter=5)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=_FONT_BOLD, fontSize=20,
                                leading=25, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", parent=body, textColor=colors.HexColor("#555555")),
        "h1": ParagraphStyle("h1", parent=body, fontName=_FONT_BOLD, fontSize=15, leading=19,
                             spaceBefore=10, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=body, fontName=_FONT_BOLD, fontSize=12, leading=15,
                             spaceBefore=8, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=body, fontName=_FONT_BOLD, fontSize=10.5, leading=13,
                             spaceBefore=6, spaceAfter=3),
        "body": body,
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=12, bulletIndent=2),
        "note": ParagraphStyle("note", parent=body, backColor=_NOTE_COLOUR, borderPadding=4,
                               leftIndent=4, rightIndent=4, spaceBefore=4, spaceAfter=8),
        "code": ParagraphStyle("code", parent=body, fontName=_FONT_MONO, fontSize=8, leading=10,
                               backColor=colors.HexColor("#f3f3f3"), borderPadding=4),
        "caption": ParagraphStyle("caption", parent=body, fontSize=8.5, leading=11,
                                  textColor=colors.HexColor("#555555"), alignment=TA_CENTER),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7, leading=8.6, spaceAfter=0),
        "head": ParagraphStyle("head", parent=body, fontName=_FONT_BOLD, fontSize=7,
                               leading=8.6, spaceAfter=0),
        "toc1": ParagraphStyle("toc1", parent=body, fontSize=10, leading=13, leftIndent=10,
                               firstLineIndent=-10),
        "toc2": ParagraphStyle("toc2", parent=body, fontSize=9, leading=11.5, leftIndent=28,
                               firstLineIndent=-10),
        "toc3": ParagraphStyle("toc3", parent=body, fontSize=8.5, leading=11, leftIndent=44,
                               firstLineIndent=-10),
    }


def _text(text: str) -> str:
    """Escape plain text for ReportLab's paragraph markup."""
    return escape(text)


class _Heading(Paragraph):  # type: ignore[misc]
    """A section heading that the document template enters into the contents and bookmarks."""

    def __init__(self, text: str, style: ParagraphStyle, *, level: int, key: str,
                 plain: str) -> None:
        super().__init__(text, style)
        self.toc_level = level
        self.toc_key = key
        self.toc_text = plain


class _ClippedDrawing(Flowable):  # type: ignore[misc]
    """A vector drawing clipped to its box (a diagram view is a window on a larger canvas)."""

    def __init__(self, drawing: Drawing, width: float, height: float) -> None:
        super().__init__()
        self.drawing = drawing
        self.width = width
        self.height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        path = canvas.beginPath()
        path.rect(0, 0, self.width, self.height)
        canvas.clipPath(path, stroke=0, fill=0)
        renderPDF.draw(self.drawing, canvas, 0, 0)
        canvas.restoreState()


class _ReportTemplate(BaseDocTemplate):  # type: ignore[misc]
    """A4 pages with a footer; headings feed the table of contents and the PDF outline."""

    def __init__(self, path: str, document: content.Document) -> None:
        super().__init__(path, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN,
                         topMargin=_MARGIN, bottomMargin=_MARGIN, title=document.title,
                         author=document.metadata.get("author", ""),
                         subject=document.metadata.get("subject", ""),
                         creator="sdcluster report")
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._footer)])
        self.footer_text = document.title

    def _footer(self, canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawString(_MARGIN, 10 * mm, self.footer_text)
        canvas.drawRightString(A4[0] - _MARGIN, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    def afterFlowable(self, flowable: Any) -> None:
        if isinstance(flowable, _Heading):
            level = flowable.toc_level
            self.notify("TOCEntry", (level - 1, flowable.toc_text, self.page, flowable.toc_key))
            self.canv.bookmarkPage(flowable.toc_key)
            self.canv.addOutlineEntry(flowable.toc_text, flowable.toc_key, level=level - 1,
                                      closed=level > 1)


def _named_weight(match: re.Match[str]) -> str:
    weight = "bold" if int(match.group(2)) >= 600 else "normal"
    return f"font-weight{match.group(1)}{weight}"


def _register_svg_fonts() -> None:
    from svglib.fonts import find_font, register_font

    _register_fonts()
    if find_font(_SVG_FAMILY)[1] and find_font(_SVG_FAMILY, "bold")[0] == _FONT_BOLD:
        return
    folder = Path(get_data_path()) / "fonts" / "ttf"
    register_font(_SVG_FAMILY, str(folder / _FONT_FILES[_FONT]), rlgFontName=_FONT)
    register_font(_SVG_FAMILY, str(folder / _FONT_FILES[_FONT_BOLD]), weight="bold",
                  rlgFontName=_FONT_BOLD)


def svg_drawing(svg: str) -> Drawing:
    """Convert an SVG document to a ReportLab drawing (vector).

    Raises
    ------
    ReportError
        If svglib cannot read the SVG.

    """
    from svglib.svglib import svg2rlg

    _register_svg_fonts()
    fixed = _OPACITY.sub(r"fill-opacity: \1; stroke-opacity: \1", svg)
    fixed = _STYLE_ELEMENT.sub(
        lambda match: _FONT_FAMILY_IN_CSS.sub(f"font-family: {_SVG_FAMILY}", match.group(0)),
        fixed)
    fixed = _FONT_FAMILY_IN_STYLE.sub(f"font-family: {_SVG_FAMILY}", fixed)
    fixed = _FONT_FAMILY_ATTR.sub(f'font-family="{_SVG_FAMILY}"', fixed)
    fixed = _FONT_WEIGHT.sub(_named_weight, fixed)
    drawing = svg2rlg(io.BytesIO(fixed.encode("utf-8")))
    if drawing is None:
        raise ReportError("a figure's SVG could not be converted for the PDF")
    return drawing


def _figure(block: content.Figure, styles: dict[str, ParagraphStyle], width: float,
            height: float) -> list[Flowable]:
    drawing = svg_drawing(block.svg)
    scale = min(width * block.width / drawing.width, 0.8 * height / drawing.height)
    drawing.scale(scale, scale)
    box = _ClippedDrawing(drawing, drawing.width * scale, drawing.height * scale)
    box.hAlign = "CENTER"
    return [KeepTogether([box, Spacer(1, 3), Paragraph(_text(block.caption), styles["caption"])]),
            Spacer(1, 8)]


def _column_widths(block: content.Table, width: float) -> list[float]:
    """Share the width by column: room for the longest word, more for long texts."""
    weights = []
    for index, column in enumerate(block.columns):
        cells = [column, *(row[index] for row in block.rows)]
        longest_word = max(len(word) for cell in cells for word in [*cell.split(), ""])
        typical = sum(len(cell) for cell in cells) / len(cells)
        weights.append(max(longest_word, min(typical, 45.0), 4) + 2)
    total = sum(weights)
    return [width * w / total for w in weights]


def _table(block: content.Table, styles: dict[str, ParagraphStyle], width: float) -> list[Any]:
    right = ParagraphStyle("cell-right", parent=styles["cell"], alignment=2)
    head_right = ParagraphStyle("head-right", parent=styles["head"], alignment=2)
    data = [[Paragraph(_text(c), head_right if block.is_numeric(i) else styles["head"])
             for i, c in enumerate(block.columns)]]
    data += [[Paragraph(_text(cell), right if block.is_numeric(i) else styles["cell"])
              for i, cell in enumerate(row)] for row in block.rows]
    table = Table(data, colWidths=_column_widths(block, width), repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER_COLOUR),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
    ]
    commands += [("BACKGROUND", (0, row + 1), (-1, row + 1), _FAIL_COLOUR)
                 for row in range(len(block.rows)) if block.tone(row) == "fail"]
    table.setStyle(TableStyle(commands))
    # The caption stays with its table: a caption alone at the foot of a page reads as lost.
    caption = ParagraphStyle("table-caption", parent=styles["caption"], keepWithNext=1,
                             spaceAfter=2)
    return [Paragraph(_text(block.caption), caption), table, Spacer(1, 8)]


def _block(block: content.Block, styles: dict[str, ParagraphStyle], width: float,
           height: float) -> list[Any]:
    if isinstance(block, content.Paragraph):
        return [Paragraph(_text(block.text), styles["body"])]
    if isinstance(block, content.BulletList):
        return [Paragraph(_text(item), styles["bullet"], bulletText="•") for item in block.items]
    if isinstance(block, content.Note):
        return [Paragraph(_text(block.text), styles["note"])]
    if isinstance(block, content.Code):
        return [Paragraph(_text(block.text), styles["code"]), Spacer(1, 6)]
    if isinstance(block, content.Figure):
        return _figure(block, styles, width, height)
    return _table(block, styles, width)


def _story(document: content.Document, styles: dict[str, ParagraphStyle], width: float,
           height: float) -> list[Any]:
    contents = TableOfContents()
    contents.levelStyles = [styles["toc1"], styles["toc2"], styles["toc3"]]
    story: list[Any] = [Paragraph(_text(document.title), styles["title"]),
                        Paragraph(_text(document.subtitle), styles["subtitle"]), Spacer(1, 4)]
    for index, (number, level, section) in enumerate(document.numbered()):
        if index > 0 and level == 1 and contents not in story:
            # The first section (the decision summary) is the first page a reader sees;
            # the contents follow it on a page of their own.
            story += [PageBreak(), Paragraph("Contents", styles["h2"]), contents, PageBreak()]
        plain = f"{number} {section.title}"
        style = styles[f"h{min(level, 3)}"]
        if index > 0:
            story.append(CondPageBreak(60 * mm if level == 1 else 30 * mm))
        story.append(_Heading(_text(plain), style, level=min(level, 3), key=section.key,
                              plain=plain))
        for block in section.blocks:
            story += _block(block, styles, width, height)
    if contents not in story:
        story += [PageBreak(), Paragraph("Contents", styles["h2"]), contents]
    return story


def render_pdf(document: content.Document, path: str | os.PathLike[str]) -> None:
    """Lay out the report and write it to ``path`` (not atomic; see :func:`write_pdf`)."""
    _register_fonts()
    template = _ReportTemplate(str(path), document)
    styles = _styles()
    template.multiBuild(_story(document, styles, template.width, template.height))


def write_pdf(document: content.Document, path: str | os.PathLike[str]) -> Path:
    """Write the report as a PDF file, atomically; return its path.

    Raises
    ------
    ReportError
        If the file cannot be written.

    """
    return write_atomically(path, lambda temporary: render_pdf(document, temporary),
                            what="the report", error=ReportError)

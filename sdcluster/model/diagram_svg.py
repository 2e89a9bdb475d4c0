"""SVG geometry of one view's picture: keep the view's elements, restyle labels, fit the frame.

pysimlin draws a model's whole canvas in one SVG. :mod:`sdcluster.model.diagram`
makes one picture per view from it with these functions: :func:`keep_view`
removes what belongs to other views, :func:`restyle_labels` sets labels at
:data:`LABEL_FONT` (long names over two lines, shadows grey) and
:func:`fit_frame` crops the picture to what is drawn. Only the SVG is read;
the model's equations never are.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from typing import Any

#: Font size of the variable labels (pysimlin draws 12 px, too small once a wide view is
#: scaled down to a page): a view about 1100 units wide shown 900 px wide gives 12 px labels.
LABEL_FONT = 15.0
#: Font size of the view's title and of the loop identifiers.
TITLE_FONT = 17.0
#: Labels wider than this (in font sizes) are set on two lines, as Vensim wraps names.
WRAP_WIDTH = 8.6
#: Distance between the lines of a label, in font sizes.
LINE_GAP = 1.1
#: Room between the view's drawing and its frame (pixels).
PADDING = 12.0
#: Shadows (copies of a variable that lives in another view) are drawn grey, as in Vensim.
SHADOW_COLOUR = "#8a8a8a"

Box = tuple[float, float, float, float]  # left, top, right, bottom

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_TRANSFORM = re.compile(r"(matrix|rotate|translate)\(([^)]*)\)")
_PATH_TOKEN = re.compile(r"[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?")
#: Numbers each path command takes, and which of them are the end point.
_PATH_ARGS = {"M": 2, "L": 2, "T": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "A": 7, "Z": 0}
#: Advance widths of Arial (and its metric twin Liberation Sans), in thousandths of an em.
_CHAR_WIDTHS = {
    **dict.fromkeys("'", 191), **dict.fromkeys("ijl", 222), **dict.fromkeys("|", 260),
    **dict.fromkeys("ftI!,./:;[\\] ", 278), **dict.fromkeys("r()-`{}", 333),
    **dict.fromkeys('"', 355), **dict.fromkeys("*", 389), **dict.fromkeys("^", 469),
    **dict.fromkeys("cksvxyzJ", 500), **dict.fromkeys("+<=>~", 584),
    **dict.fromkeys("FTZ", 611), **dict.fromkeys("ABEKPSVXY&", 667),
    **dict.fromkeys("wCDHNRU", 722), **dict.fromkeys("GOQ", 778),
    **dict.fromkeys("mM", 833), **dict.fromkeys("%", 889), **dict.fromkeys("W", 944),
}  # fmt: skip


def text_width(text: str, size: float) -> float:
    """Return the width of ``text`` set in Arial at ``size`` pixels (others 0.556 em)."""
    return sum(_CHAR_WIDTHS.get(char, 556) for char in text) * size / 1000.0


def wrap_label(text: str) -> list[str]:
    """Break a long label in two at the space that leaves the shorter longest line."""
    words = text.split(" ")
    if text_width(text, 1.0) <= WRAP_WIDTH or len(words) < 2:
        return [text]
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return list(min(splits, key=lambda pair: max(text_width(p, 1.0) for p in pair)))


def element_tag(element: ElementTree.Element) -> str:
    """Return an element's tag without its namespace."""
    return element.tag.rpartition("}")[2]


def _style(element: ElementTree.Element, key: str) -> str:
    for item in element.get("style", "").split(";"):
        name, _, value = item.partition(":")
        if name.strip() == key:
            return value.strip()
    return ""


def _set_style(element: ElementTree.Element, key: str, value: str) -> None:
    items = [i for i in element.get("style", "").split(";") if i and i.partition(":")[0] != key]
    element.set("style", ";".join([*items, f"{key}:{value}"]))


def _relabel(text: ElementTree.Element, size: float) -> None:
    """Set a pysimlin label at ``size`` pixels, a long one over two lines, on the same side."""
    spans = [s for s in text if element_tag(s) == "tspan"]
    _set_style(text, "font-size", f"{size:g}px")
    if len(spans) != 1 or len(text) != 1:
        return
    span = spans[0]
    lines = wrap_label(span.text or "")
    gap = size * LINE_GAP
    anchor = _style(text, "text-anchor")
    if anchor in ("start", "end"):
        # Beside a vertical flow's valve: pysimlin sets y 9 px above the valve's centre.
        first = 9.0 + 0.35 * size - gap * (len(lines) - 1) / 2
    elif span.get("dy", "").startswith("0"):
        first = -gap * (len(lines) - 1)  # above a stock: the last line sits on y
    else:
        first = size  # below a symbol: the first line hangs from y
    text.remove(span)
    for index, line in enumerate(lines):
        tspan = ElementTree.SubElement(text, f"{{{SVG_NAMESPACE}}}tspan", {"x": span.get("x", "0")})
        tspan.set("dy", f"{first if index == 0 else gap:.1f}")
        tspan.text = line


def _points(element: ElementTree.Element) -> list[tuple[float, float]]:
    """Return the points that bound an element: circle and rectangle corners, path vertices."""
    tag = element_tag(element)
    pts: list[tuple[float, float]] = []
    if tag == "circle":
        cx, cy, r = (float(element.get(k, "0")) for k in ("cx", "cy", "r"))
        pts = [(cx - r, cy - r), (cx + r, cy + r)]
    elif tag == "rect":
        x, y, w, h = (float(element.get(k, "0")) for k in ("x", "y", "width", "height"))
        pts = [(x, y), (x + w, y + h)]
    elif tag == "path":
        pts = _path_points(element.get("d", ""))
    transform = _TRANSFORM.search(element.get("transform", ""))
    if transform and transform.group(1) == "matrix":
        a, b, c, d, e, f = (float(v) for v in re.split(r"[\s,]+", transform.group(2).strip()))
        pts = [(a * px + c * py + e, b * px + d * py + f) for px, py in pts]
    elif transform and transform.group(1) == "translate":
        values = [float(v) for v in re.split(r"[\s,]+", transform.group(2).strip())]
        dx, dy = values[0], values[1] if len(values) > 1 else 0.0
        pts = [(px + dx, py + dy) for px, py in pts]
    return pts


def _path_points(d: str) -> list[tuple[float, float]]:
    """Return a path's vertices (absolute commands; pysimlin writes no relative ones)."""
    pts: list[tuple[float, float]] = []
    command, args = "M", list[float]()
    x = y = 0.0
    for token in [*_PATH_TOKEN.findall(d), "Z"]:
        if token.isalpha():
            command, args = token.upper(), []
            continue
        args.append(float(token))
        if len(args) < _PATH_ARGS.get(command, 2):
            continue
        if command == "H":
            x = args[0]
        elif command == "V":
            y = args[0]
        else:
            pairs = args[-2:] if command == "A" else args
            pts.extend(zip(pairs[::2], pairs[1::2], strict=False))
            x, y = pts[-1]
        if command in ("H", "V"):
            pts.append((x, y))
        args = []
    return pts


def _length(value: str, size: float) -> float:
    """Return an SVG length in pixels (``1em``, ``0px`` or a bare number)."""
    if value.endswith("em"):
        return float(value[:-2]) * size
    return float(value.removesuffix("px"))


def _text_box(text: ElementTree.Element) -> Box | None:
    size = float(_style(text, "font-size").removesuffix("px") or 12)
    anchor = _style(text, "text-anchor") or "middle"
    x, y = float(text.get("x", "0")), float(text.get("y", "0"))
    lines = [(s.text or "", s.get("x"), s.get("dy", "0"))
             for s in text if element_tag(s) == "tspan"]
    if not lines:
        lines = [(text.text or "", None, "0")]
    if text.get("dominant-baseline") == "hanging":
        y += 0.8 * size
    boxes = []
    for line, tx, dy in lines:
        y += _length(dy, size)
        left = float(tx) if tx is not None else x
        width = text_width(line, size)
        left -= {"middle": width / 2, "end": width}.get(anchor, 0.0)
        boxes.append((left, y - 0.75 * size, left + width, y + 0.22 * size))
    return _union(boxes)


def _union(boxes: Sequence[Box | None]) -> Box | None:
    real = [b for b in boxes if b is not None]
    if not real:
        return None
    return (
        min(b[0] for b in real),
        min(b[1] for b in real),
        max(b[2] for b in real),
        max(b[3] for b in real),
    )


def _extent(element: ElementTree.Element) -> Box | None:
    """Return the box an element covers, labels included (arrowheads, which rotate, excluded)."""
    if "rotate" in element.get("transform", "") or element_tag(element) == "title":
        return None
    if element_tag(element) == "text":
        return _text_box(element)
    own = _points(element)
    boxes: list[Box | None] = [_extent(child) for child in element]
    if own:
        boxes.append((min(p[0] for p in own), min(p[1] for p in own),
                      max(p[0] for p in own), max(p[1] for p in own)))  # fmt: skip
    return _union(boxes)


def _anchor_inside(element: ElementTree.Element, box: tuple[float, float, float, float]) -> bool:
    """Return whether the element starts inside pysimlin's box of a view (x, y, width, height)."""
    x, y, w, h = box
    for node in element.iter():
        drawn = element_tag(node) in ("circle", "rect", "path")
        if drawn and "rotate" not in node.get("transform", ""):
            pts = _points(node)
            if pts:
                px, py = pts[0]
                return x <= px <= x + w and y <= py <= y + h
    return False


def _is_frame_of(element: ElementTree.Element, box: tuple[float, float, float, float]) -> bool:
    rect = element.find(f"{{{SVG_NAMESPACE}}}rect")
    if rect is None:
        return False
    return (
        abs(float(rect.get("x", "0")) - box[0]) < 0.5
        and abs(float(rect.get("y", "0")) - box[1]) < 0.5
    )


def keep_view(drawing: ElementTree.Element, box: tuple[float, float, float, float]) -> Any:
    """Remove what belongs to other views; return this view's frame (pysimlin's group box)."""
    frame = None
    for element in list(drawing):
        if "simlin-group" in element.get("class", ""):
            if frame is None and _is_frame_of(element, box):
                frame = element
            else:
                drawing.remove(element)
        elif not _anchor_inside(element, box):
            drawing.remove(element)
    return frame


def restyle_labels(drawing: ElementTree.Element) -> None:
    """Enlarge and wrap every label, grey the shadows', move stock names off their pipes."""
    pipes = [
        _points(path)
        for path in drawing.iter(f"{{{SVG_NAMESPACE}}}path")
        if path.get("class") == "simlin-outer"
    ]
    for element in drawing:
        kind = element.get("class", "")
        for text in element.iter(f"{{{SVG_NAMESPACE}}}text"):
            _relabel(text, LABEL_FONT)
            if kind == "simlin-alias":
                _set_style(text, "fill", SHADOW_COLOUR)
            elif kind == "simlin-stock":
                _clear_pipes(text, pipes)


def _clear_pipes(text: ElementTree.Element, pipes: list[list[tuple[float, float]]]) -> None:
    """Set a stock's name beside a pipe that enters the stock from above, not on it."""
    box = _text_box(text)
    if box is None:
        return
    for pts in pipes:
        for (x1, y1), (x2, y2) in itertools.pairwise(pts):
            vertical = abs(x1 - x2) < 1 and box[0] < x1 < box[2]
            if vertical and min(y1, y2) < box[3] and max(y1, y2) > box[1]:
                _set_style(text, "text-anchor", "start")
                for span in [text, *text]:
                    if span.get("x") is not None:
                        span.set("x", f"{x1 + 8:g}")
                return


def fit_frame(
    root: ElementTree.Element, drawing: ElementTree.Element, frame: Any, box: Box
) -> None:
    """Crop the document to its drawing, and move the view's frame and title around it."""
    left, top, right, bottom = _union([_extent(e) for e in drawing if e is not frame]) or box
    left, right, bottom = left - PADDING, right + PADDING, bottom + PADDING
    top -= PADDING + (TITLE_FONT + 8 if frame is not None else 0)
    if frame is not None:
        rect, title = frame.find(f"{{{SVG_NAMESPACE}}}rect"), frame.find(f"{{{SVG_NAMESPACE}}}text")
        if rect is not None:
            rect.attrib.update(
                {"x": f"{left + 1:.0f}", "y": f"{top + 1:.0f}"}
                | {"width": f"{right - left - 2:.0f}", "height": f"{bottom - top - 2:.0f}"}
            )
        if title is not None:
            # A baseline position, not dominant-baseline="hanging": svglib (the PDF)
            # ignores that attribute and drew the title above the frame.
            title.attrib.pop("dominant-baseline", None)
            title.attrib.update(
                {"x": f"{left + 10:.0f}", "y": f"{top + 8 + 0.8 * TITLE_FONT:.0f}"}
                | {"style": f"font-size:{TITLE_FONT:g}px;font-weight:600;text-anchor:start"}
            )
    width, height = right - left, bottom - top
    root.attrib.pop("style", None)  # pysimlin's size of the whole canvas
    root.set("viewBox", f"{left:.0f} {top:.0f} {width:.0f} {height:.0f}")
    root.set("width", f"{width:.0f}")
    root.set("height", f"{height:.0f}")

"""Drop what lies outside an SVG's viewBox, so a view of a large diagram stays small.

pysimlin draws a model's whole canvas; :func:`sdcluster.model.diagram.view_svgs`
shows one view of it by setting the viewBox, so each view's document still
holds every element of every view. :func:`crop_to_view` removes the
top-level drawing elements none of whose anchor points (path start points,
positions, centres) fall inside the viewBox widened by a margin. The picture
does not change; the document gets several times smaller and quicker to
convert for the PDF.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator

_SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_GROUP = f"{{{_SVG_NAMESPACE}}}g"
_MOVE_TO = re.compile(r"[Mm]\s*(-?[\d.]+(?:e-?\d+)?)[\s,]+(-?[\d.]+(?:e-?\d+)?)")
_POINT_ATTRIBUTES = (("x", "y"), ("cx", "cy"), ("x1", "y1"), ("x2", "y2"))
# A translation moves a shape drawn around the origin (pysimlin's clouds): its offset is
# the anchor. Rotations about a point keep absolute coordinates.
_NUMBER = r"(-?[\d.]+(?:e-?\d+)?)"
_MATRIX = re.compile(rf"matrix\(\s*(?:{_NUMBER}[\s,]+){{4}}{_NUMBER}[\s,]+{_NUMBER}\s*\)")
_TRANSLATE = re.compile(rf"translate\(\s*{_NUMBER}(?:[\s,]+{_NUMBER})?\s*\)")
#: Room around the viewBox in which elements are kept (labels stick out of symbols).
MARGIN = 120.0


def _translation(transform: str) -> tuple[float, float] | None:
    matrix = _MATRIX.search(transform)
    if matrix:
        return float(matrix.group(2)), float(matrix.group(3))
    translate = _TRANSLATE.search(transform)
    if translate:
        return float(translate.group(1)), float(translate.group(2) or 0.0)
    return None


def _anchors(element: ElementTree.Element) -> Iterator[tuple[float, float]]:
    for node in element.iter():
        offset = _translation(node.get("transform", ""))
        if offset is not None:
            yield offset
            continue
        for x_name, y_name in _POINT_ATTRIBUTES:
            x, y = node.get(x_name), node.get(y_name)
            if x is not None and y is not None:
                try:
                    yield float(x), float(y)
                except ValueError:
                    continue
        for match in _MOVE_TO.finditer(node.get("d", "")):
            yield float(match.group(1)), float(match.group(2))


def _inside(box: tuple[float, float, float, float], element: ElementTree.Element) -> bool:
    left, top, width, height = box
    anchors = list(_anchors(element))
    if not anchors:
        return True
    return any(left - MARGIN <= x <= left + width + MARGIN
               and top - MARGIN <= y <= top + height + MARGIN for x, y in anchors)


def crop_to_view(svg: str) -> str:
    """Return ``svg`` without the top-level drawing elements that lie outside its viewBox.

    A document that cannot be parsed, or has no viewBox, is returned unchanged.
    """
    ElementTree.register_namespace("", _SVG_NAMESPACE)
    try:
        root = ElementTree.fromstring(svg)
        box = tuple(float(v) for v in root.get("viewBox", "").replace(",", " ").split())
    except (ElementTree.ParseError, ValueError):
        return svg
    if len(box) != 4:
        return svg
    view = (box[0], box[1], box[2], box[3])
    for group in [child for child in root if child.tag == _GROUP]:
        for element in list(group):
            if not _inside(view, element):
                group.remove(element)
    return ElementTree.tostring(root, encoding="unicode")

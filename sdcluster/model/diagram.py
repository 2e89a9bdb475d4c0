"""Draw a model's own stock-and-flow diagram, one SVG per view, with its loop identifiers.

pysimlin draws the sketch stored in the model file (Vensim views become groups of
one canvas). It does not keep Vensim comments, so the loop identifiers a modeler
placed in a view (comments drawn as a loop symbol, e.g. ``R1 spin-offs``) are read
from the sketch here and drawn on top, at the same place relative to the view.

A loop identifier may end with the variables that define the loop, in square
brackets: ``R1 spin-offs [Innovative Firms > spawning]`` (several chains are
separated by ``;``). The picture shows only the name before the brackets;
:mod:`sdcluster.model.named_loops` reads the variables to match the named loop to
the loops pysimlin finds.

The sketch is read only for those comments and for the position of one variable
per view; the equations are never parsed here.

Each view's picture is made for a page about 900 px wide: it keeps only that
view's elements, is cropped to what they cover, sets labels at :data:`LABEL_FONT`
(pysimlin's 12 px become about 9 px once a 1300-unit view is scaled to 900 px),
breaks long names over two lines as Vensim does, and greys the shadow variables.
"""

from __future__ import annotations

import html
import itertools
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdcluster.errors import ModelFileError
from sdcluster.model.simlin_io import load_project

#: Vensim sketch comment shape that draws a loop symbol (clockwise loop).
LOOP_SHAPE = 5
#: Font size of the variable labels (pysimlin draws 12 px, too small once a wide view is
#: scaled down to a page): a view about 1100 units wide shown 900 px wide gives 12 px labels.
LABEL_FONT = 15.0
#: Font size of the view's title and of the loop identifiers.
TITLE_FONT = 17.0
LOOP_FONT = 15.0
LOOP_RADIUS = 15.0
#: Labels wider than this (in font sizes) are set on two lines, as Vensim wraps names.
WRAP_WIDTH = 8.6
#: Distance between the lines of a label, in font sizes.
LINE_GAP = 1.1
#: Room between the view's drawing and its frame (pixels).
PADDING = 12.0
#: Shadows (copies of a variable that lives in another view) are drawn grey, as in Vensim.
SHADOW_COLOUR = "#8a8a8a"
EXTRA_CSS = """
.simlin-alias circle { stroke: #8a8a8a; stroke-dasharray: 3 2; }
.simlin-connector, .simlin-connector-dashed { stroke-width: 0.8px; stroke: #7a7a7a; }
.simlin-group text { fill: #444444; }
"""
_GROUP = re.compile(
    r'<group name="([^"]*)" x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"'
)
_XMILE_PLACED = re.compile(r'<(?:stock|aux) name="([^"]*)" x="([-\d.]+)" y="([-\d.]+)"')


@dataclass(frozen=True)
class LoopMarker:
    """A loop identifier placed in a view: its name (e.g. ``R1 spin-offs``) and position.

    ``definition`` is the text inside the trailing square brackets of the
    comment (the loop's defining variables, e.g. ``Innovative Firms > spawning``),
    ``""`` when the comment has none.
    """

    view: str
    text: str
    x: float
    y: float
    definition: str = ""

    @property
    def code(self) -> str:
        """Return the loop's short name, e.g. ``R1``."""
        return self.text.split()[0]


@dataclass(frozen=True)
class _SketchView:
    title: str
    #: Where the view's own stocks and auxiliaries sit (sketch coordinates).
    placed: dict[str, tuple[float, float]]
    loops: list[LoopMarker]


def _parse_sketch(text: str) -> list[_SketchView]:
    """Return the views of a Vensim sketch with their stocks, auxiliaries and loop markers."""
    views: list[_SketchView] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("*") and index > 0 and lines[index - 1].startswith("V300"):
            views.append(_SketchView(line[1:].strip(), {}, []))
            continue
        if not views:
            continue
        fields = line.split(",")
        current = views[-1]
        if fields[0] == "10" and len(fields) > 8 and fields[7] in ("3", "8") and fields[8] == "3":
            current.placed[fields[2].strip('"')] = (float(fields[3]), float(fields[4]))
        elif (
            fields[0] == "12"
            and len(fields) > 7
            and fields[2] == "0"
            and fields[7] == str(LOOP_SHAPE)
        ):
            label = lines[index + 1].strip() if index + 1 < len(lines) else ""
            name, definition = split_loop_label(label)
            current.loops.append(
                LoopMarker(current.title, name, float(fields[3]), float(fields[4]), definition)
            )
    return views


def split_loop_label(label: str) -> tuple[str, str]:
    """Split ``"R1 spin-offs [A > B]"`` into the name and the bracketed definition.

    A label without a trailing ``[...]`` is all name (definition ``""``).
    """
    text = label.strip()
    if text.endswith("]") and "[" in text:
        name, _, definition = text[:-1].rpartition("[")
        return name.strip(), definition.strip()
    return text, ""


def loop_markers(model_path: str | Path) -> list[LoopMarker]:
    """Return the loop identifiers drawn in a Vensim model's views (none for XMILE).

    Parameters
    ----------
    model_path : str or Path
        A ``.mdl`` file.

    Returns
    -------
    list of LoopMarker
        One per loop symbol, in sketch order.

    """
    return [marker for view in _sketch_views(Path(model_path)) for marker in view.loops]


def _marker_svg(marker: LoopMarker, x: float, y: float) -> str:
    colour = "#b2182b" if marker.code.startswith("R") else "#2166ac"
    name = marker.text
    lines = _wrap(name[len(marker.code) :].strip() or name)
    tspans = "".join(
        f'<tspan x="{x:.0f}" dy="{LOOP_FONT if i == 0 else LOOP_FONT * LINE_GAP:.1f}">'
        f"{html.escape(line)}</tspan>"
        for i, line in enumerate(lines)
    )
    return (
        f'<g class="sdcluster-loop"><title>{html.escape(name)}</title>'
        f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{LOOP_RADIUS:.0f}" fill="#ffffff" '
        f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="66 24"/>'
        f'<text x="{x:.0f}" y="{y + 5:.0f}" style="fill:{colour};font-size:{LOOP_FONT:g}px;'
        f'font-weight:700;text-anchor:middle">{html.escape(marker.code)}</text>'
        f'<text x="{x:.0f}" y="{y + LOOP_RADIUS + 1:.0f}" '
        f'style="fill:{colour};font-size:{LOOP_FONT:g}px;text-anchor:middle;'
        f'filter:url(#labelBackground)">{tspans}</text></g>'
    )


def view_svgs(model_path: str | Path) -> dict[str, str]:
    """Render each view of a model's diagram as a standalone SVG document.

    Each document holds only its view, cropped to what is drawn there, with
    labels larger than pysimlin's (:data:`LABEL_FONT`, long names over two lines).

    Parameters
    ----------
    model_path : str or Path
        A Vensim ``.mdl`` or XMILE file with a sketch.

    Returns
    -------
    dict of str to str
        View title to SVG text, in the model's view order. A model whose file
        has a single unnamed view gives one entry named ``"diagram"``.

    Raises
    ------
    ModelFileError
        If pysimlin cannot open or draw the model.

    """
    path = Path(model_path)
    try:
        project = load_project(path)
        svg = project.render_svg().decode("utf-8")
        xmile = project.to_xmile().decode("utf-8")
    except Exception as error:  # pysimlin raises several types; report them as one
        raise ModelFileError(f"{path}: cannot draw the diagram: {error}") from None
    groups = _GROUP.findall(xmile)
    if not groups:
        return {"diagram": svg}
    sketch_views = {v.title: v for v in _sketch_views(path)}
    positions = {name: (float(x), float(y)) for name, x, y in _XMILE_PLACED.findall(xmile)}
    return {
        title: _view_document(
            svg, (float(x), float(y), float(w), float(h)), sketch_views.get(title), positions
        )
        for title, x, y, w, h in groups
    }


def _sketch_views(path: Path) -> list[_SketchView]:
    if path.suffix.lower() != ".mdl":
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    _, marker, sketch = text.partition("\\\\\\---///")
    return _parse_sketch(marker + sketch) if marker else []


# --------------------------------------------------------------------- one view's picture

Box = tuple[float, float, float, float]  # left, top, right, bottom

_SVG = "http://www.w3.org/2000/svg"
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


def _wrap(text: str) -> list[str]:
    """Break a long label in two at the space that leaves the shorter longest line."""
    words = text.split(" ")
    if text_width(text, 1.0) <= WRAP_WIDTH or len(words) < 2:
        return [text]
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return list(min(splits, key=lambda pair: max(text_width(p, 1.0) for p in pair)))


def _tag(element: ElementTree.Element) -> str:
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
    spans = [s for s in text if _tag(s) == "tspan"]
    _set_style(text, "font-size", f"{size:g}px")
    if len(spans) != 1 or len(text) != 1:
        return
    span = spans[0]
    lines = _wrap(span.text or "")
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
        tspan = ElementTree.SubElement(text, f"{{{_SVG}}}tspan", {"x": span.get("x", "0")})
        tspan.set("dy", f"{first if index == 0 else gap:.1f}")
        tspan.text = line


def _points(element: ElementTree.Element) -> list[tuple[float, float]]:
    """Return the points that bound an element: circle and rectangle corners, path vertices."""
    tag = _tag(element)
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
    lines = [(s.text or "", s.get("x"), s.get("dy", "0")) for s in text if _tag(s) == "tspan"]
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
    if "rotate" in element.get("transform", "") or _tag(element) == "title":
        return None
    if _tag(element) == "text":
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
        if _tag(node) in ("circle", "rect", "path") and "rotate" not in node.get("transform", ""):
            pts = _points(node)
            if pts:
                px, py = pts[0]
                return x <= px <= x + w and y <= py <= y + h
    return False


def _is_frame_of(element: ElementTree.Element, box: tuple[float, float, float, float]) -> bool:
    rect = element.find(f"{{{_SVG}}}rect")
    if rect is None:
        return False
    return (
        abs(float(rect.get("x", "0")) - box[0]) < 0.5
        and abs(float(rect.get("y", "0")) - box[1]) < 0.5
    )


def _keep_view(drawing: ElementTree.Element, box: tuple[float, float, float, float]) -> Any:
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


def _restyle_labels(drawing: ElementTree.Element) -> None:
    """Enlarge and wrap every label, grey the shadows', move stock names off their pipes."""
    pipes = [
        _points(path)
        for path in drawing.iter(f"{{{_SVG}}}path")
        if path.get("class") == "simlin-outer"
    ]
    for element in drawing:
        kind = element.get("class", "")
        for text in element.iter(f"{{{_SVG}}}text"):
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


def _fit_frame(
    root: ElementTree.Element, drawing: ElementTree.Element, frame: Any, box: Box
) -> None:
    """Crop the document to its drawing, and move the view's frame and title around it."""
    left, top, right, bottom = _union([_extent(e) for e in drawing if e is not frame]) or box
    left, right, bottom = left - PADDING, right + PADDING, bottom + PADDING
    top -= PADDING + (TITLE_FONT + 8 if frame is not None else 0)
    if frame is not None:
        rect, title = frame.find(f"{{{_SVG}}}rect"), frame.find(f"{{{_SVG}}}text")
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


def _view_document(
    svg: str,
    box: tuple[float, float, float, float],
    view: _SketchView | None,
    positions: dict[str, tuple[float, float]],
) -> str:
    """Return the SVG of one view: its elements only, larger labels, cropped to its drawing."""
    ElementTree.register_namespace("", _SVG)
    root = ElementTree.fromstring(svg)
    drawing = next(child for child in root if _tag(child) == "g")
    frame = _keep_view(drawing, box)
    _restyle_labels(drawing)
    if view is not None:
        dx, dy = _offset(view, positions)
        for marker in view.loops:
            snippet = _marker_svg(marker, marker.x + dx, marker.y + dy)
            drawing.append(ElementTree.fromstring(f'<svg xmlns="{_SVG}">{snippet}</svg>')[0])
    x, y, w, h = box
    _fit_frame(root, drawing, frame, (x, y, x + w, y + h))
    for style in root.iter(f"{{{_SVG}}}style"):
        style.text = (style.text or "") + EXTRA_CSS
    return ElementTree.tostring(root, encoding="unicode")


def _offset(view: _SketchView, positions: dict[str, tuple[float, float]]) -> tuple[float, float]:
    """Return the shift from the view's sketch coordinates to the canvas drawn by pysimlin."""
    for name, (sx, sy) in view.placed.items():
        key = name.replace(" ", "_")
        for candidate in (name, key, key.lower()):
            if candidate in positions:
                cx, cy = positions[candidate]
                return cx - sx, cy - sy
    return 0.0, 0.0


def write_view_svgs(model_path: str | Path, folder: str | Path) -> list[Path]:
    """Write one SVG per view into ``folder``, named after the view titles; return the paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for title, svg in view_svgs(model_path).items():
        slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
        target = out / f"{slug}.svg"
        tmp = target.with_suffix(".svg.tmp")
        tmp.write_text(svg, encoding="utf-8")
        tmp.replace(target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Write the view SVGs of a model: ``python -m sdcluster.model.diagram MODEL FOLDER``."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m sdcluster.model.diagram MODEL FOLDER", file=sys.stderr)
        return 2
    for path in write_view_svgs(args[0], args[1]):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

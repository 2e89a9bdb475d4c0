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
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from sdcluster.errors import ModelFileError
from sdcluster.model.diagram_svg import (
    LINE_GAP,
    SVG_NAMESPACE,
    element_tag,
    fit_frame,
    keep_view,
    restyle_labels,
    wrap_label,
)
from sdcluster.model.simlin_io import load_project

#: Vensim sketch comment shape that draws a loop symbol (clockwise loop).
LOOP_SHAPE = 5
LOOP_FONT = 15.0
LOOP_RADIUS = 15.0
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
    lines = wrap_label(name[len(marker.code) :].strip() or name)
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


def _view_document(
    svg: str,
    box: tuple[float, float, float, float],
    view: _SketchView | None,
    positions: dict[str, tuple[float, float]],
) -> str:
    """Return the SVG of one view: its elements only, larger labels, cropped to its drawing."""
    ElementTree.register_namespace("", SVG_NAMESPACE)
    root = ElementTree.fromstring(svg)
    drawing = next(child for child in root if element_tag(child) == "g")
    frame = keep_view(drawing, box)
    restyle_labels(drawing)
    if view is not None:
        dx, dy = _offset(view, positions)
        for marker in view.loops:
            snippet = _marker_svg(marker, marker.x + dx, marker.y + dy)
            wrapped = f'<svg xmlns="{SVG_NAMESPACE}">{snippet}</svg>'
            drawing.append(ElementTree.fromstring(wrapped)[0])
    x, y, w, h = box
    fit_frame(root, drawing, frame, (x, y, x + w, y + h))
    for style in root.iter(f"{{{SVG_NAMESPACE}}}style"):
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

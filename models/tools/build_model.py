"""Write ``models/innovation_cluster.mdl`` from ``equations.py`` and ``layout.py``.

Authoring aid, kept so the first layout can be regenerated: the ``.mdl`` it writes
is the model of record, edited in Vensim from then on. Usage::

    python models/tools/build_model.py models/innovation_cluster.mdl

The sketch is written in Vensim's documented sketch format (V300): stocks (type
10, shape 3), valves (11) with pipes (arrows of thickness 22) to stocks or clouds
(comments 12 with name 48), flow labels (shape 40), auxiliaries (shape 8), shadow
variables (bits 2) for causes that live in another view, information arrows, and
loop identifiers (comments with shape 5 followed by their text).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from equations import CONTROL, VARIABLES, Var
from layout import VIEWS, Flow, View

HEADER = "{UTF-8}\n"
VIEW_STYLE = "$192-192-192,0,Times New Roman|12||0-0-0|0-0-0|0-0-255|-1--1--1|-1--1--1|96,96,100,0"
SHADOW_STYLE = "128-128-128,0-0-0,|12||128-128-128"
SKETCH_MARKER = "\\\\\\---/// Sketch information - do not modify anything except names"
SKETCH_VERSION = "V300  Do not put anything below this section - it will be ignored"
# Vensim's settings block after the sketch: output file, the variable to show, time bounds.
SETTINGS = "\n".join(
    [
        *(":L<%^E!@", "1:Current.vdf", "9:Current", "15:0,0,0,0,0,0", "19:100,0", "27:2,"),
        *("34:0,", "4:Time", "5:Order Degree", "35:Date", "36:YYYY-MM-DD", "37:2000", "38:1"),
        *("39:1", "40:2", "41:0", "42:1", "24:0", "25:150", "26:150", ""),
    ]
)


def format_equation(var: Var) -> str:
    """Return one Vensim equation block (name, equation, units with range, documentation)."""
    units = var.units
    if var.range is not None:
        units += f" [{var.range[0]:g},{var.range[1]:g}]"
    equation = var.equation
    if equation.startswith("INTEG("):
        inner = equation[len("INTEG(") : -1]
        rate, initial = inner.rsplit(",", 1)
        equation = f"INTEG (\n\t{rate.strip()},\n\t\t{initial.strip()})"
    return f"{var.name}=\n\t{equation}\n\t~\t{units}\n\t~\t{var.doc}\n\t|\n\n"


def group_header(name: str, text: str) -> str:
    """Return a Vensim group header (groups show up as sections in Vensim's equation list)."""
    line = "*" * 56
    return f"{line}\n\t.{name}\n{line}~\n\t\t{text}\n\t|\n\n"


def write_equations() -> str:
    """Return the equations section, grouped as in the diagram's views."""
    groups: dict[str, list[Var]] = {}
    for var in VARIABLES:
        groups.setdefault(var.group, []).append(var)
    parts = [HEADER]
    for name, members in groups.items():
        parts.append(group_header(name, f"Variables of the view '{name}'."))
        parts.extend(format_equation(v) for v in members)
    parts.append(group_header("Control", "Simulation Control Parameters"))
    parts.extend(format_equation(v) for v in CONTROL)
    return "".join(parts)


def dependencies(var: Var, names: set[str]) -> list[str]:
    """Return the model variables an equation refers to, longest names first matched."""
    text = var.equation
    found: list[str] = []
    for name in sorted(names, key=lambda n: (-len(n), n)):
        pattern = r"(?<!\w)" + re.escape(name) + r"(?!\w)"
        if re.search(pattern, text):
            found.append(name)
            text = re.sub(pattern, " ", text)
    return found


class SketchWriter:
    """Accumulates the sketch objects of one view with consecutive ids."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.next_id = 1
        self.instances: dict[str, list[tuple[int, tuple[int, int]]]] = {}
        #: Where a flow's name sits, by id (its instance above is the valve the arrows meet).
        self.name_at: dict[int, tuple[int, int]] = {}

    def new_id(self) -> int:
        """Return the next free sketch object id."""
        self.next_id += 1
        return self.next_id - 1

    def variable(self, name: str, x: int, y: int, *, shape: int, shadow: bool, w: int = 0) -> int:
        """Draw a variable (stock shape 3, auxiliary 8, flow label 40), or its grey shadow."""
        ident = self.new_id()
        width = w or max(24, int(len(name) * 3.3))
        height = 20 if shape == 3 else 10
        if shape == 3:
            width = max(width, 44)
        if shadow:
            self.lines.append(
                f"10,{ident},{name},{x},{y},{width},{height},8,2,0,3,-1,0,0,0,{SHADOW_STYLE}"
            )
        else:
            self.lines.append(f"10,{ident},{name},{x},{y},{width},{height},{shape},3,0,0,0,0,0,0")
        self.instances.setdefault(name, []).append((ident, (x, y)))
        return ident

    def primary(self, name: str) -> tuple[int, tuple[int, int]]:
        """Return the id and position of the first drawing of ``name``."""
        return self.instances[name][0]

    def nearest(self, name: str, to: tuple[int, int]) -> tuple[int, tuple[int, int]]:
        """Return the drawing of ``name`` nearest the point ``to``."""
        return min(
            self.instances[name],
            key=lambda inst: (inst[1][0] - to[0]) ** 2 + (inst[1][1] - to[1]) ** 2,
        )

    def cloud(self, x: int, y: int) -> int:
        """Draw a cloud (a source or sink outside the model boundary)."""
        ident = self.new_id()
        self.lines.append(f"12,{ident},48,{x},{y},10,8,0,3,0,0,-1,0,0,0")
        return ident

    def pipe(self, valve: int, target: int, point: tuple[int, int], *, into: bool) -> None:
        """Draw one half of a flow's pipe, from its valve to a stock or cloud."""
        shape = 4 if into else 100
        self.lines.append(
            f"1,{self.new_id()},{valve},{target},{shape},0,0,22,0,0,0,-1--1--1,,1|({point[0]},{point[1]})|"
        )

    def arrow(self, source: str, target: str) -> None:
        """Draw a straight information arrow from the drawing of ``source`` nearest ``target``."""
        target_id, end = self.primary(target)
        source_id, start = self.nearest(source, end)
        x, y = straight_control(
            self.name_at.get(source_id, start), self.name_at.get(target_id, end), start, end
        )
        self.lines.append(
            f"1,{self.new_id()},{source_id},{target_id},0,0,0,0,0,64,0,-1--1--1,,1|({x},{y})|"
        )

    def loop_marker(self, text: str, x: int, y: int) -> None:
        """Draw a loop identifier such as ``R1 spin-offs``."""
        ident = self.new_id()
        # Loop identifier: a comment with shape 5 (loop symbol); its text follows on the next line.
        self.lines.append(f"12,{ident},0,{x},{y},18,18,5,4,0,0,-1,0,0,0")
        self.lines.append(text)

    def label(self, text: str, x: int, y: int, w: int = 200) -> None:
        """Draw a plain text comment."""
        ident = self.new_id()
        self.lines.append(f"12,{ident},0,{x},{y},{w},14,8,135,0,0,-1,0,0,0")
        self.lines.append(text)


def straight_control(
    tail: tuple[int, int], head: tuple[int, int], start: tuple[int, int], end: tuple[int, int]
) -> tuple[int, int]:
    """Return the control point that makes an arrow drawn from ``start`` to ``end`` straight.

    An arrow's control point says how it bends: pysimlin fits a circle through the
    positions of its two ends and the control point and leaves the tail along that
    circle. For a flow the position in the sketch is its name (``tail``, ``head``),
    while the arrow is drawn to its valve (``start``, ``end``): the control point is
    put on the circle through both names that leaves ``tail`` towards ``end``, so the
    arrow leaves straight for the valve (Vensim, which aims at the valve, draws a
    slight bend when the name sits beside it).
    """
    ux, uy = end[0] - start[0], end[1] - start[1]
    norm = math.hypot(ux, uy) or 1.0
    nx, ny = -uy / norm, ux / norm
    wx, wy = tail[0] - head[0], tail[1] - head[1]
    across = nx * wx + ny * wy
    mid = ((tail[0] + head[0]) / 2, (tail[1] + head[1]) / 2)
    if abs(across) < 0.5:  # the names are on the line between the valves: a straight arrow
        return round(mid[0]), round(mid[1])
    radius = -(wx * wx + wy * wy) / (2 * across)
    centre = (tail[0] + radius * nx, tail[1] + radius * ny)
    dx, dy = mid[0] - centre[0], mid[1] - centre[1]
    scale = abs(radius) / (math.hypot(dx, dy) or 1.0)
    return round(centre[0] + dx * scale), round(centre[1] + dy * scale)


def edge_point(stock: tuple[int, int], towards: tuple[int, int]) -> tuple[int, int]:
    """Return where a straight pipe from ``towards`` meets the stock's box."""
    sx, sy = stock
    tx, ty = towards
    if abs(tx - sx) >= abs(ty - sy):
        return (sx - 46 if tx < sx else sx + 46, sy)
    return (sx, sy - 22 if ty < sy else sy + 22)


def write_flow(sw: SketchWriter, flow: Flow) -> None:
    """Write a valve, its label and its two pipe ends (stock or cloud)."""
    valve = sw.new_id()
    vx, vy = flow.valve
    sw.lines.append(f"11,{valve},48,{vx},{vy},6,8,{34 if flow.horizontal else 33},3,0,0,1,0,0,0")
    lx, ly = (vx, vy + 20) if flow.horizontal else (vx + 12 + int(len(flow.name) * 3.3), vy)
    label = sw.variable(flow.name, lx, ly, shape=40, shadow=False)
    # Arrows meet the valve, not the name: measure distances from it (see SketchWriter.arrow).
    sw.instances[flow.name] = [(label, flow.valve)]
    sw.name_at[label] = (lx, ly)
    for end, into in ((flow.target, True), (flow.source, False)):
        if isinstance(end, str):
            target_id, position = sw.primary(end)
            point = edge_point(position, flow.valve)
        else:
            target_id = sw.cloud(*end)
            point = end
        sw.pipe(valve, target_id, point, into=into)


def write_view(view: View, by_name: dict[str, Var], names: set[str]) -> str:
    """Return the sketch of one view, checking that every cause is drawn in it."""
    sw = SketchWriter()
    for name, (x, y) in view.stocks.items():
        sw.variable(name, x, y, shape=3, shadow=False)
    for name, (x, y) in view.shadow_stocks.items():
        ident = sw.variable(name, x, y, shape=3, shadow=True)
        # pysimlin draws a stock's shadow half a stock box up and left of where Vensim does.
        sw.instances[name][-1] = (ident, (x - 22, y - 17))
        sw.name_at[ident] = (x, y)
    for flow in view.flows:
        write_flow(sw, flow)
    for name, (x, y) in view.auxiliaries.items():
        sw.variable(name, x, y, shape=8, shadow=False)
    for name, (x, y) in view.shadows:
        sw.variable(name, x, y, shape=8, shadow=True)
    write_arrows(sw, view, by_name, names)
    for text, (x, y) in view.loops.items():
        sw.loop_marker(text, x, y)
    for text, (x, y) in view.notes.items():
        sw.label(text, x, y)
    head = f"{SKETCH_MARKER}\n{SKETCH_VERSION}\n*{view.title}\n{VIEW_STYLE}\n"
    return head + "\n".join(sw.lines) + "\n"


def causes_of(var: Var, names: set[str]) -> list[str]:
    """Return what an arrow into ``var`` comes from: for a stock only its initial value's causes."""
    if var.equation.startswith("INTEG("):
        # Pipes already connect a stock to its flows.
        initial = var.equation[len("INTEG(") : -1].rsplit(",", 1)[1]
        return dependencies(Var(var.name, initial, "", "", ""), names)
    return dependencies(var, names)


def write_arrows(sw: SketchWriter, view: View, by_name: dict[str, Var], names: set[str]) -> None:
    """Draw an arrow into every variable defined in the view from each of its causes."""
    for name in [*view.stocks, *(f.name for f in view.flows), *view.auxiliaries]:
        for cause in causes_of(by_name[name], names):
            if cause not in sw.instances:
                raise SystemExit(f"view {view.title!r}: {cause!r} (cause of {name!r}) is not drawn")
            sw.arrow(cause, name)


def write_sketch() -> str:
    """Return the sketch section (every view), checking every variable is placed once."""
    by_name = {v.name: v for v in [*VARIABLES, *CONTROL]}
    names = set(by_name)
    placed: dict[str, str] = {}
    for view in VIEWS:
        for name in [*view.stocks, *(f.name for f in view.flows), *view.auxiliaries]:
            if name in placed:
                raise SystemExit(f"{name!r} placed in both {placed[name]!r} and {view.title!r}")
            placed[name] = view.title
    missing = sorted(v.name for v in VARIABLES if v.name not in placed)
    if missing:
        raise SystemExit(f"not placed in any view: {missing}")
    body = "".join(write_view(view, by_name, names) for view in VIEWS)
    return body + "///---\\\\\\\n" + SETTINGS


def main(argv: list[str] | None = None) -> int:
    """Write the model file named on the command line (default: the model of record)."""
    default = Path(__file__).resolve().parents[1] / "innovation_cluster.mdl"
    parser = argparse.ArgumentParser(
        description="Write the Vensim model from equations.py and the layout modules.",
        epilog="example: python models/tools/build_model.py /tmp/innovation_cluster.mdl",
    )
    parser.add_argument("out", nargs="?", type=Path, default=default, metavar="FILE.mdl")
    out = parser.parse_args(argv).out
    if out.suffix != ".mdl":
        parser.error(f"{out}: expected a .mdl file name")
    text = write_equations() + write_sketch()
    tmp = out.with_suffix(".mdl.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Section "The model": diagram, stocks, flows, levers and named feedback loops.

Everything comes from the model description stored in the results file
(:class:`~sdcluster.report.model_info.ModelInfo`): the diagram is redrawn
from the stored source text with :func:`sdcluster.model.diagram.view_svgs`, the
loop identifiers are read from its sketch with
:func:`sdcluster.model.diagram.loop_markers`, and the sentence each loop encodes
comes from the data file ``loops.toml`` beside the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sdcluster.errors import SdclusterError
from sdcluster.model.simlin_io import load_project
from sdcluster.report.content import Block, Figure, Note, Paragraph, Section, Table
from sdcluster.report.model_info import LOOPS_FILE, ModelInfo
from sdcluster.report.text import MISSING, fmt_number, join_names, plural


def model_section(info: ModelInfo, clock: Mapping[str, Any]) -> Section:
    """Return the section describing the model."""
    with info.materialized() as path:
        diagram = _diagram_section(info, path)
        loops = _loops_section(info, path)
    return Section(
        key="model",
        title="The model",
        blocks=(Paragraph(text=_overview(info, clock)),),
        subsections=(diagram, _stocks_section(info), _flows_section(info),
                     _levers_section(info), loops),
    )


def _overview(info: ModelInfo, clock: Mapping[str, Any]) -> str:
    counts = {kind: len(info.of_kind(kind)) for kind in ("stock", "flow", "auxiliary",
                                                         "constant")}
    units = clock.get("units", "")
    timing = (f"It runs from {fmt_number(clock.get('initial_time'))} to "
              f"{fmt_number(clock.get('final_time'))} {units} (Euler, TIME STEP "
              f"{fmt_number(clock.get('time_step'))}, saved every "
              f"{fmt_number(clock.get('saveper'))}). ") if clock else ""
    kinds = join_names(plural(counts[kind], word) for kind, word in
                       (("stock", "stock"), ("flow", "flow"), ("auxiliary", "auxiliary"),
                        ("constant", "constant")))
    return (f"Model file {info.file_name} (SHA-256 {info.sha256[:16]}…) holds "
            f"{plural(len(info.variables), 'variable')}: {kinds}; "
            f"{plural(len(info.levers), 'policy lever')} among the constants. {timing}"
            "Names, units, ranges and documentation below are the model file's own.")


def _diagram_section(info: ModelInfo, path: Path | None) -> Section:
    blocks: tuple[Block, ...]
    if path is None:
        blocks = (Note(text="not available: the results file does not hold the model's source",
                       kind="unavailable"),)
    else:
        blocks = _diagram_blocks(path)
    return Section(key="model-diagram", title="Stock-and-flow diagram", blocks=blocks)


def _diagram_blocks(path: Path) -> tuple[Block, ...]:
    from sdcluster.model.diagram import view_svgs

    try:
        views = view_svgs(path)
    except SdclusterError as error:
        return (Note(text=f"not available: {error}", kind="unavailable"),)
    intro = Paragraph(text=f"Drawn from the sketch stored in {path.name} "
                           f"({plural(len(views), 'view')}), with the loop identifiers placed "
                           "by the modeller.")
    # view_svgs keeps only each view's own elements, so the pictures stay small.
    figures = tuple(Figure(caption=f"View {title}", svg=svg) for title, svg in views.items())
    return (intro, *figures)


def _documentation(info: ModelInfo, name: str) -> str:
    variable = info.variable(name)
    return variable.documentation if variable is not None else ""


def _stocks_section(info: ModelInfo) -> Section:
    stocks = info.of_kind("stock")
    rows = tuple((v.name, v.units, ", ".join(info.stock_flows.get(v.name, ())) or MISSING,
                  v.documentation) for v in stocks)
    table = Table(caption=f"{plural(len(rows), 'stock').capitalize()} and the flows that "
                          "change them",
                  columns=("stock", "units", "flows", "documentation"), rows=rows)
    return Section(key="model-stocks", title="Stocks", blocks=(table,))


def _flows_section(info: ModelInfo) -> Section:
    rows = tuple((v.name, v.units, v.documentation) for v in info.of_kind("flow"))
    table = Table(caption=plural(len(rows), "flow").capitalize(),
                  columns=("flow", "units", "documentation"),
                  rows=rows)
    return Section(key="model-flows", title="Flows", blocks=(table,))


def _levers_section(info: ModelInfo) -> Section:
    rows = []
    for name in info.levers:
        variable = info.variable(name)
        if variable is not None:
            rows.append((name, fmt_number(variable.default), variable.range or MISSING,
                         variable.units, variable.documentation))
    table = Table(caption=f"{plural(len(rows), 'policy lever').capitalize()} (constants a "
                          "scenario may change)",
                  columns=("lever", "default", "range", "units", "documentation"),
                  rows=tuple(rows), numeric=(False, True, False, False, False))
    return Section(key="model-levers", title="Policy levers", blocks=(table,))


def _loops_section(info: ModelInfo, path: Path | None) -> Section:
    from sdcluster.model.diagram import loop_markers
    from sdcluster.model.named_loops import intended_polarity

    markers = loop_markers(path) if path is not None else []
    if not markers:
        count = _pysimlin_loop_count(path)
        found = f" pysimlin finds {count} feedback loops in its structure." if count else ""
        blocks: tuple[Block, ...] = (
            Note(text=f"The model's views name no feedback loops.{found}"),)
        return Section(key="model-loops", title="Feedback loops", blocks=blocks)
    sentences = {entry.code: entry for entry in info.loops}
    rows = []
    for marker in markers:
        entry = sentences.get(marker.code)
        sentence = (f"“{entry.sentence}”" if entry.sentence else entry.note) if entry else \
            f"(no entry in {LOOPS_FILE})"
        rows.append((marker.text, intended_polarity(marker.code) or "?", marker.view,
                     _loop_path(marker.definition), sentence,
                     entry.section if entry and entry.section else MISSING))
    rows.sort(key=lambda row: (row[0][:1] != "R", row[0]))
    table = Table(caption=f"{plural(len(rows), 'named feedback loop').capitalize()} and "
                          "what each encodes",
                  columns=("loop", "polarity", "view", "path", "the paper", "section"),
                  rows=tuple(rows))
    intro = Paragraph(text=(
        "Loop identifiers and their paths (the variables on each loop) are read from the "
        "model file's diagram; the sentence of the paper each loop encodes comes from the "
        f"data file {LOOPS_FILE} beside the model "
        f"(source: {info.loops_source}), not from program code. Sections refer to Wang (2020), "
        "doi:10.23977/socsam.2020.010101."))
    return Section(key="model-loops", title="Feedback loops", blocks=(intro, table))


def _loop_path(definition: str) -> str:
    """Return a loop definition ``"A > B; C > D"`` as ``"A → B; C → D"``."""
    from sdcluster.model.named_loops import parse_definition

    chains = parse_definition(definition)
    return "; ".join(" → ".join(chain) for chain in chains) if chains else MISSING


def _pysimlin_loop_count(path: Path | None) -> int:
    if path is None:
        return 0
    try:
        return len(load_project(path).main_model.loops)
    except Exception:  # pysimlin raises many types; the count is only a remark
        return 0

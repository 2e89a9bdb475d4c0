"""The live policy explorer: sliders for the levers, charts the model redraws in the browser.

The page is self-contained: the model runs in the browser as the JavaScript
that :mod:`sdcluster.engine.batch_js` emits from the model file (the batch
engine's own translation), and four small SVG charts are drawn by hand. No
server, no network: a Content Security Policy allows only the page's own
inline script (by its SHA-256) and styles.

:func:`explorer_block` is the markup to put into another page (the HTML
report embeds it after the decision summary); :func:`explorer_page` a whole
document; :func:`write_explorer` writes that document for
``sdcluster explore``. The page exposes ``window.sdclusterExplorer``:
``set(name, value)`` moves a slider and redraws, ``preset(name)`` applies a
scenario, ``series(name)`` and ``time()`` return the last run,
``lastRedrawMs()`` what the last run and redraw took.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdcluster.errors import ReportError, SdclusterError
from sdcluster.experiments.scenarios import Scenario, scenario_from_dict
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.atomic import refuse_overwriting_inputs, write_atomically

if TYPE_CHECKING:
    from sdcluster.studies.explorer import ExplorerModel

__all__ = [
    "ExplorerBlock",
    "content_security_policy",
    "explorer_block",
    "explorer_html",
    "explorer_page",
    "report_explorer",
    "write_explorer",
]


@dataclass(frozen=True)
class ExplorerBlock:
    """Markup of the explorer and the CSP source that allows its script.

    Attributes
    ----------
    html
        A ``<div>`` with its ``<style>`` and ``<script>``.
    script_source
        ``'sha256-...'``, for the page's ``script-src``.

    """

    html: str
    script_source: str


_STYLE = """\
#sdx { font: 14px/1.4 system-ui, sans-serif; color: #222; margin: 1em 0; }
#sdx .sdx-grid { display: grid; grid-template-columns: minmax(200px, 260px) 1fr; gap: 16px; }
#sdx .sdx-levers label { display: block; margin: 0 0 8px; }
#sdx .sdx-levers .sdx-name { display: flex; justify-content: space-between; gap: 8px; }
#sdx .sdx-levers output { font-variant-numeric: tabular-nums; }
#sdx .sdx-levers input[type=range] { width: 100%; margin: 2px 0 0; }
#sdx .sdx-presets { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 10px; }
#sdx .sdx-presets button { font: inherit; font-size: 12px; padding: 3px 8px; cursor: pointer;
  border: 1px solid #99a; border-radius: 4px; background: #f4f5f8; }
#sdx .sdx-presets button[aria-pressed=true] { background: #1f4e8c; color: #fff; }
#sdx .sdx-charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 10px; }
#sdx svg { width: 100%; height: auto; background: #fff; border: 1px solid #ddd; }
#sdx svg text { font: 11px system-ui, sans-serif; fill: #444; }
#sdx svg .sdx-title { font-weight: 600; fill: #222; }
#sdx svg .sdx-axis { stroke: #888; stroke-width: 1; fill: none; }
#sdx svg .sdx-base { stroke: #999; stroke-width: 1.5; stroke-dasharray: 4 3; fill: none; }
#sdx svg .sdx-run { stroke: #1f4e8c; stroke-width: 2; fill: none; }
#sdx .sdx-note { font-size: 12px; color: #555; margin: 8px 0 0; }
@media (max-width: 700px) { #sdx .sdx-grid, #sdx .sdx-charts { grid-template-columns: 1fr; } }
"""

# The page's behaviour; CONFIG is put in front of it. Runs once, on load.
_UI = r"""
(function () {
  "use strict";
  const M = sdclusterModel;
  const root = document.getElementById("sdx");
  const W = 360, H = 200, L = 58, R = 10, T = 22, B = 30;
  const state = {values: {}, extra: {}, steps: {}, finalTime: undefined, preset: null};
  let run = null, lastMs = NaN;
  const baseRuns = {};

  function fmt(v) {
    if (!isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
    return String(+v.toPrecision(a >= 100 ? 4 : 3));
  }
  function el(tag, attrs, text) {
    const ns = "http://www.w3.org/2000/svg";
    const svgTags = ["svg", "path", "text", "line", "g"];
    const node = svgTags.includes(tag) ? document.createElementNS(ns, tag)
                                       : document.createElement(tag);
    for (const k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function params() { return Object.assign({}, state.extra, state.values); }
  function options() {
    const o = {};
    if (Object.keys(state.steps).length) o.steps = state.steps;
    if (state.finalTime !== undefined) o.finalTime = state.finalTime;
    return o;
  }
  function baseRun() {
    const key = String(state.finalTime);
    if (!baseRuns[key]) {
      const horizon = state.finalTime === undefined ? {} : {finalTime: state.finalTime};
      baseRuns[key] = M.simulate({}, horizon);
    }
    return baseRuns[key];
  }

  // -- sliders and presets ------------------------------------------------------------
  const sliders = {};
  const levers = el("div", {"class": "sdx-levers"});
  for (const lever of CONFIG.levers) {
    state.values[lever.name] = lever.default;
    const label = el("label", {title: lever.documentation});
    const head = el("span", {"class": "sdx-name"});
    const units = lever.units && lever.units !== "Dmnl" ? " (" + lever.units + ")" : "";
    head.appendChild(el("span", {}, lever.name + units));
    const out = el("output", {}, fmt(lever.default));
    head.appendChild(out);
    // A step of about a hundredth of the range for the keyboard; presets keep exact values.
    const step = Math.pow(10, Math.floor(Math.log10((lever.high - lever.low) || 1)) - 2);
    const input = el("input", {type: "range", min: lever.low, max: lever.high, step: step,
                               value: lever.default, "data-lever": lever.name,
                               "aria-label": lever.name});
    input.addEventListener("input", function () {
      state.values[lever.name] = Number(input.value);
      out.textContent = fmt(Number(input.value));
      redraw();
    });
    label.appendChild(head);
    label.appendChild(input);
    levers.appendChild(label);
    sliders[lever.name] = {input: input, out: out};
  }
  const presets = el("div", {"class": "sdx-presets", role: "group",
                             "aria-label": "Scenario presets"});
  const buttons = {};
  function addPreset(name, title, description) {
    const button = el("button", {type: "button", "data-preset": name, title: description,
                                 "aria-pressed": "false"}, title);
    button.addEventListener("click", function () { applyPreset(name); });
    presets.appendChild(button);
    buttons[name] = button;
  }
  addPreset("", "Model defaults", "Every lever at the model's value.");
  for (const p of CONFIG.presets) addPreset(p.name, p.title, p.description);

  function setSlider(name, value) {
    const slider = sliders[name];
    state.values[name] = Number(value);
    slider.input.value = String(value);
    slider.out.textContent = fmt(Number(value));
  }
  function applyPreset(name) {
    const p = CONFIG.presets.find(function (x) { return x.name === name; }) || null;
    if (name && !p) throw new Error("no preset " + name);
    state.extra = {}; state.steps = {}; state.finalTime = undefined; state.preset = name || null;
    for (const lever of CONFIG.levers) setSlider(lever.name, lever.default);
    if (p) {
      for (const k in p.values) {
        if (k in sliders) setSlider(k, p.values[k]); else state.extra[k] = p.values[k];
      }
      for (const k in p.steps) state.steps[k] = {at: p.steps[k][0], to: p.steps[k][1]};
      if (p.final_time !== null) state.finalTime = p.final_time;
    }
    for (const k in buttons) buttons[k].setAttribute("aria-pressed", String(k === name));
    redraw();
  }

  // -- charts ---------------------------------------------------------------------
  const charts = el("div", {"class": "sdx-charts"});
  const chartParts = [];
  for (const chart of CONFIG.charts) {
    const svg = el("svg", {viewBox: "0 0 " + W + " " + H, role: "img",
                           "data-variable": chart.name, "aria-label": chart.name});
    svg.appendChild(el("text", {x: L, y: 14, "class": "sdx-title"},
                       chart.name + (chart.units ? " (" + chart.units + ")" : "")));
    const axis = "M" + L + "," + T + "V" + (H - B) + "H" + (W - R);
    svg.appendChild(el("path", {"class": "sdx-axis", d: axis}));
    const labels = [0, 1, 2, 3, 4].map(function (i) {
      const t = el("text", i < 3 ? {x: L - 4, "text-anchor": "end"} : {y: H - B + 14}, "");
      svg.appendChild(t);
      return t;
    });
    const base = el("path", {"class": "sdx-base", d: ""});
    const line = el("path", {"class": "sdx-run", d: ""});
    svg.appendChild(base);
    svg.appendChild(line);
    charts.appendChild(svg);
    chartParts.push({name: chart.name, labels: labels, base: base, line: line});
  }

  function pathOf(xs, ys, x0, x1, y0, y1) {
    const sx = (W - L - R) / ((x1 - x0) || 1), sy = (H - T - B) / ((y1 - y0) || 1);
    let d = "";
    for (let i = 0; i < xs.length; i++) {
      if (!isFinite(ys[i])) continue;
      d += (d ? "L" : "M") + (L + (xs[i] - x0) * sx).toFixed(1) + "," +
           (H - B - (ys[i] - y0) * sy).toFixed(1);
    }
    return d;
  }
  function bounds(arrays) {
    let lo = Infinity, hi = -Infinity;
    for (const a of arrays) {
      for (const v of a) if (isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    if (!isFinite(lo)) return [0, 1];
    if (lo === hi) { const pad = Math.abs(lo) * 0.1 || 1; return [lo - pad, hi + pad]; }
    const pad = (hi - lo) * 0.05;
    // A quantity that never goes negative keeps its axis at or above zero.
    return roundedOut(lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad);
  }
  // Widen [lo, hi] to multiples of a 1-2-2.5-5 step of about a quarter of the range, so
  // the axis labels (ends and middle) are round numbers, not the data's extremes.
  function roundedOut(lo, hi) {
    const rough = (hi - lo) / 4, power = Math.pow(10, Math.floor(Math.log10(rough)));
    const step = [1, 2, 2.5, 5, 10].map(function (m) { return m * power; })
                                   .find(function (s) { return s >= rough; });
    return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
  }
  function draw() {
    const base = baseRun(), xs = run.time;
    const x0 = xs[0], x1 = xs[xs.length - 1];
    for (const part of chartParts) {
      const ys = run.series[part.name], bs = base.series[part.name];
      const [y0, y1] = bounds([ys, bs]);
      part.line.setAttribute("d", pathOf(xs, ys, x0, x1, y0, y1));
      part.base.setAttribute("d", pathOf(base.time, bs, x0, x1, y0, y1));
      const ym = [y1, (y0 + y1) / 2, y0];
      for (let i = 0; i < 3; i++) {
        part.labels[i].textContent = fmt(ym[i]);
        part.labels[i].setAttribute("y", String(T + i * (H - T - B) / 2 + 4));
      }
      part.labels[3].textContent = fmt(x0);
      part.labels[3].setAttribute("x", String(L));
      part.labels[4].textContent = fmt(x1) + (CONFIG.timeUnits ? " " + CONFIG.timeUnits : "");
      part.labels[4].setAttribute("x", String(W - R));
      part.labels[4].setAttribute("text-anchor", "end");
    }
  }
  const note = el("p", {"class": "sdx-note"});
  function redraw() {
    const t0 = performance.now();
    try {
      run = M.simulate(params(), options());
    } catch (error) {
      // E.g. a delay shorter than its order times TIME STEP: keep the last run drawn.
      lastMs = performance.now() - t0;
      note.textContent = "This setting cannot be run: " + error.message;
      return;
    }
    draw();
    lastMs = performance.now() - t0;
    note.textContent = CONFIG.note + " Last run and redraw: " + lastMs.toFixed(1) + " ms.";
  }

  const left = el("div", {});
  left.appendChild(levers);
  const right = el("div", {});
  right.appendChild(presets);
  right.appendChild(charts);
  right.appendChild(note);
  const grid = el("div", {"class": "sdx-grid"});
  grid.appendChild(left);
  grid.appendChild(right);
  root.appendChild(grid);
  redraw();
  buttons[""].setAttribute("aria-pressed", "true");

  window.sdclusterExplorer = {
    set: function (name, value) {
      // A lever moves its slider; any other constant of the model is set as a preset does.
      if (name in sliders) setSlider(name, value);
      else if (name in M.defaults) state.extra[name] = Number(value);
      else throw new Error("no constant " + name);
      redraw();
      return lastMs;
    },
    preset: function (name) { applyPreset(name); return lastMs; },
    series: function (name) {
      if (!(name in run.series)) throw new Error("no variable " + name);
      return run.series[name].slice();
    },
    time: function () { return run.time.slice(); },
    params: function () { return params(); },
    options: function () { return JSON.parse(JSON.stringify(options())); },
    lastRedrawMs: function () { return lastMs; },
    levers: CONFIG.levers.map(function (l) { return l.name; }),
    charts: CONFIG.charts.map(function (c) { return c.name; }),
  };
})();
"""


def _config(model: ExplorerModel) -> dict[str, object]:
    return {
        "levers": [asdict(lever) for lever in model.levers],
        "presets": [asdict(preset) for preset in model.presets],
        "charts": [asdict(chart) for chart in model.charts],
        "timeUnits": model.time_units,
        "note": (
            f"Computed in this page by {model.file_name} itself (JavaScript generated from "
            "the model file by sdcluster's batch-engine translation), without fluctuations. "
            "Dashed: the model's defaults."
        ),
    }


def _script_text(model: ExplorerModel) -> str:
    config = json.dumps(_config(model), allow_nan=False).replace("<", "\\u003c")
    # "</" only occurs inside the script's string literals (names from the model):
    # there "<\/" is the same text, and the HTML parser cannot end the script early.
    script = model.script.replace("</", "<\\/").replace("<!--", "<\\!--")
    return f"{script}\nconst CONFIG = {config};\n{_UI}"


def explorer_block(model: ExplorerModel) -> ExplorerBlock:
    """Return the explorer's markup (a ``<div id="sdx">``, its style and script).

    The script builds the sliders and charts into the ``<div>`` when the page
    loads; put the markup once per page.
    """
    script = _script_text(model)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    markup = (
        f"<style>\n{_STYLE}</style>\n"
        f'<div id="sdx" class="sdx" data-model="{html.escape(model.file_name)}"></div>\n'
        f"<script>{script}</script>\n"
    )
    return ExplorerBlock(html=markup, script_source=f"'sha256-{digest}'")


def content_security_policy(block: ExplorerBlock | None) -> str:
    """Return the CSP of a self-contained page, allowing the explorer's script if given."""
    scripts = f"; script-src {block.script_source}" if block is not None else ""
    return f"default-src 'none'; img-src data:; style-src 'unsafe-inline'{scripts}"


def explorer_page(model: ExplorerModel) -> str:
    """Return a whole HTML document: the explorer alone."""
    block = explorer_block(model)
    title = html.escape(f"{model.file_name}: live policy explorer")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{content_security_policy(block)}">
<meta name="generator" content="sdcluster explore">
<title>{title}</title>
<style>body {{ max-width: 1100px; margin: 1.5em auto; padding: 0 1em; }}</style>
</head>
<body>
<h1 style="font: 600 20px system-ui, sans-serif">{title}</h1>
{block.html}</body>
</html>
"""


def explorer_html(
    model_path: str | os.PathLike[str] | LoadedModel | None = None,
    scenarios: Iterable[Scenario] | None = None,
) -> str:
    """Return the explorer page of a model (the built-in one if omitted).

    Parameters
    ----------
    model_path
        A model file or a loaded model.
    scenarios
        Scenarios offered as presets (validated against the model).

    Raises
    ------
    UnsupportedConstructError
        If the model uses a construct the explorer cannot compute in the browser.

    """
    # Imported here: rendering a report without an explorer needs no engine.
    from sdcluster.studies.explorer import explorer_model

    return explorer_page(explorer_model(model_path, scenarios))


def write_explorer(
    model: LoadedModel,
    out: str | os.PathLike[str],
    scenarios: Iterable[Scenario] | None = None,
) -> Path:
    """Write the explorer page of ``model`` to ``out``, atomically; return the path.

    Raises
    ------
    ReportError
        If ``out`` is an input (the model file, a data file, a scenario file) or cannot
        be written.
    UnsupportedConstructError
        If the model uses a construct the explorer cannot compute in the browser.

    """
    chosen = tuple(scenarios or ())
    inputs = [model.path, *model.data_files.paths,
              *(Path(s.source) for s in chosen if s.source and Path(s.source).exists())]
    refuse_overwriting_inputs({"--out": out}, inputs)
    text = explorer_html(model, chosen)
    return write_atomically(out, lambda temporary: temporary.write_text(text, encoding="utf-8"),
                            what="the explorer page", error=ReportError)


def report_explorer(metadata: Mapping[str, Any]) -> ExplorerBlock | None:
    """Return the explorer of the model a report's results came from, or None.

    The model file named in the results' metadata must still be there with
    the same content (SHA-256), or the explorer would show another model
    than the report; the report's scenarios become the presets (none if they
    no longer fit the model). None, too, for a model the explorer cannot
    compute in the browser: the report is then written without it.
    """
    from sdcluster.studies.explorer import explorer_model

    path = str(metadata.get("model_path") or "")
    if not path or not Path(path).is_file():
        return None
    try:
        model = load_model(path)
        if metadata.get("model_sha256") and model.sha256 != metadata["model_sha256"]:
            return None
        return explorer_block(explorer_model(model, _report_presets(model, metadata)))
    except SdclusterError:
        return None


def _report_presets(model: LoadedModel, metadata: Mapping[str, Any]) -> tuple[Scenario, ...]:
    try:
        return tuple(scenario_from_dict(entry).validated(model)
                     for entry in metadata.get("scenarios", []))
    except (SdclusterError, TypeError, AttributeError):
        return ()

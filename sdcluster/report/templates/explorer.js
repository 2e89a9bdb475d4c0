
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

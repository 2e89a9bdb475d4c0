"use strict";
const $SMALL = %(small)s;
function $pow(a, b) {
  // NumPy squares, inverts and takes square roots of arrays exactly (fast_scalar_power).
  if (b === 2) return a * a;
  if (b === -1) return 1 / a;
  if (b === 0.5) return Math.sqrt(a);
  return Math.pow(a, b);
}
function $pymod(a, b) {
  // Python's and NumPy's floor remainder, from C's fmod as CPython computes it.
  let m = a %% b;
  if (m !== 0) { if ((b < 0) !== (m < 0)) m += b; } else { m = b < 0 ? -0 : 0; }
  return m;
}
function $xidz(n, d, f) { return Math.abs(d) < $SMALL ? f : n / d; }
function $zidz(n, d) { return Math.abs(d) < $SMALL ? 0 : n / d; }
function $quantum(v, q) { return q < $SMALL ? v : q * Math.trunc(v / q); }
function $modulo(v, d) { return v - $quantum(v, d); }
function $step(time, dt, height, at) { return height * ((time + dt / 2) > at ? 1 : 0); }
function $ramp(time, slope, start, finish) {
  const last = finish === undefined ? time : Math.min(finish, time);
  return (((time + $SMALL) > start ? 1 : 0) * slope) * (last - start);
}
function $pulse(time, dt, start, repeat, width, magnitude, end) {
  if (repeat === undefined) repeat = 0;
  if (width === undefined) width = 0.5 * dt;
  const height = magnitude !== undefined ? magnitude / dt : 1;
  const single = ((start - $SMALL) <= time && time < (start + width)) ? height : 0;
  if (repeat == 0) return single;
  let active = start <= time;
  if (end !== undefined) active = active && time < end;
  const inPulse = $pymod((time - start) + $SMALL, repeat) < width;
  return (active && inPulse) ? height : 0;
}
function $fixedLength(delayTime, dt) {
  // batch_runtime.fixed_length: PySD's round(max(delay time / TIME STEP, 1) + 1e-6).
  return $rint(Math.max(delayTime / dt, 1) + $SMALL);
}
function $interp(x, xs, ys) {
  // numpy.interp (compiled_base.c arr_interp) for one value.
  const n = xs.length;
  if (Number.isNaN(x)) return x;
  if (n === 1) return ys[0];
  if (x > xs[n - 1]) return ys[n - 1];
  if (x < xs[0]) return ys[0];
  let lo = 0, hi = n - 1;
  while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (xs[mid] <= x) lo = mid; else hi = mid; }
  const j = x >= xs[n - 1] ? n - 1 : lo;
  if (j === n - 1 || xs[j] === x) return ys[j];
  const slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]);
  let r = slope * (x - xs[j]) + ys[j];
  if (Number.isNaN(r)) {
    r = slope * (x - xs[j + 1]) + ys[j + 1];
    if (Number.isNaN(r) && ys[j] === ys[j + 1]) r = ys[j];
  }
  return r;
}
function $holdBackward(x, xs, ys) {
  // ys[clip(searchsorted(xs, x, "right") - 1, 0, n - 1)]; NaN sorts last.
  let count = 0;
  if (Number.isNaN(x)) count = xs.length; else while (count < xs.length && xs[count] <= x) count++;
  return ys[Math.min(Math.max(count - 1, 0), xs.length - 1)];
}
function $rint(v) {
  // Round half to even, as numpy.rint.
  const f = Math.floor(v), d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f %% 2 === 0 ? f : f + 1;
}
function $schedule(initial, final, dt, saveper, decimals, scale) {
  // TimeSchedule.pysd: the grid accumulated step by step, PySD's saving times and labels.
  const precision = dt * %(precision)s;
  const times = [initial];
  let time = initial;
  while (time + precision < final) { time = time + dt; times.push(time); }
  const saved = new Uint8Array(times.length);
  const labels = [];
  for (let k = 0; k < times.length; k++) {
    const since = times[k] - initial;
    if ($pymod(since, saveper) < precision || $pymod(-since, saveper) < precision) {
      saved[k] = 1;
      const t = times[k];
      labels.push(decimals >= 0 ? $rint(t * scale) / scale : $rint(t / scale) * scale);
    }
  }
  return {times: times, saved: saved, labels: labels, dt: dt};
}
function $stepSeries(times, dt, before, at, to) {
  // sdcluster.experiments.inputs.step_values: "to" from at less a millionth of a TIME STEP.
  const series = new Float64Array(times.length);
  const always = times.length > 0 && at <= times[0];
  for (let k = 0; k < times.length; k++) {
    series[k] = (always || times[k] > at - dt * %(lead)s) ? to : before;
  }
  return series;
}

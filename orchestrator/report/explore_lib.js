// SPDX-License-Identifier: Apache-2.0
// explore.html, the pure part: from explore.json's document (what
// experiment/explore_results.cpp writes) to what the page draws: the
// points of every run (position, colour, link to its report), the
// boundary of each line with its 95% band, the lint's prediction, axis
// ticks. Nothing here touches the DOM: explore.js draws, this computes. In
// the page it is window.flExplore; under node the module's exports
// (tests/report/explore_lib.test.js).
(function (root, build) {
  'use strict';
  const lib = build();
  if (typeof module === 'object' && module && module.exports) module.exports = lib;
  else root.flExplore = lib;
})(this, function () {
  'use strict';
  const DASH = '\u2014';
  const isNum = (x) => typeof x === 'number' && isFinite(x);
  const obj = (x) => (x && typeof x === 'object' && !Array.isArray(x) ? x : {});
  const arr = (x) => (Array.isArray(x) ? x : []);

  const COLOURS = { good: '#2e9d5b', bad: '#d0433a', metastable: '#7a1f1a', band: 'rgba(120,120,220,0.22)',
                    estimate: '#4040b0', predicted: '#c08a00' };

  function fmt(v) {
    if (!isNum(v)) return DASH;
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
    return String(+v.toPrecision(4));
  }
  // A value of an axis as --set wrote it: the unit after it.
  function fmtAxis(v, axis) {
    const u = obj(axis).unit || '';
    if (!isNum(v)) return DASH;
    return fmt(v) + (u ? (u === obj(axis).suffix ? u : ' ' + u) : '');
  }

  // Ticks at 1, 2 or 5 times a power of ten over [lo, hi], about n of them.
  function ticks(lo, hi, n) {
    if (!isNum(lo) || !isNum(hi) || !(hi > lo)) return isNum(lo) ? [lo] : [];
    const raw = (hi - lo) / Math.max(1, n);
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) || 10 * p;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }

  // A linear map from [d0, d1] to [r0, r1]; a degenerate domain maps to the middle.
  function scale(d0, d1, r0, r1) {
    const f = (v) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0));
    f.domain = [d0, d1];
    return f;
  }

  // A run's colour: recovered, not, or metastable (did not recover with the
  // trigger gone).
  function runClass(run) {
    const r = obj(run);
    if (r.good === true) return 'good';
    return r.metastable === true ? 'metastable' : 'bad';
  }

  // The figure's geometry: {width, height, margin, x (scale), y (scale),
  // points, lines, predicted, twoD}. One axis: y is the run's repeat (the
  // repeats of a point stacked); two: y is the second key.
  function layout(doc, width, height) {
    const d = obj(doc);
    const xa = obj(d.x), ya = d.y ? obj(d.y) : null;
    const m = { left: 64, right: 20, top: 20, bottom: 48 };
    const runs = arr(d.runs);
    const xlo = isNum(xa.lo) ? xa.lo : 0, xhi = isNum(xa.hi) ? xa.hi : 1;
    const pad = (xhi - xlo) * 0.03;
    const x = scale(xlo - pad, xhi + pad, m.left, width - m.right);
    let y;
    if (ya) {
      const ypad = ((ya.hi || 0) - (ya.lo || 0)) * 0.06;
      y = scale((ya.lo || 0) - ypad, (ya.hi || 0) + ypad, height - m.bottom, m.top);
    } else {
      const most = Math.max(1, ...runs.map((r) => (isNum(r.repeat) ? r.repeat + 1 : 1)));
      y = scale(-0.5, Math.max(2.5, most - 0.5), height - m.bottom, m.top);
    }
    const points = runs.map((r) => ({
      cx: x(r.x), cy: ya ? y(r.y) + (isNum(r.repeat) ? r.repeat * 7 : 0) : y(isNum(r.repeat) ? r.repeat : 0),
      cls: runClass(r), href: typeof r.report === 'string' ? r.report : null,
      title: (xa.key || 'x') + '=' + fmtAxis(r.x, xa) + (ya ? ', ' + ya.key + '=' + fmtAxis(r.y, ya) : '') +
             ', repeat ' + ((r.repeat || 0) + 1) + ': ' + (r.good ? 'recovers' : 'does not recover') +
             (r.headline ? ' \u2014 ' + r.headline : ''),
    }));
    const lines = arr(d.lines).map((l) => {
      const found = l.kind === 'found' && isNum(l.estimate);
      const yy = ya ? y(l.y) : null;
      const lp = obj(l.predicted);
      return {
        found, kind: l.kind, verdict: l.verdict || '',
        y: yy,
        pred: isNum(lp.value) ? x(lp.value) : null,
        est: found ? x(l.estimate) : null,
        band: found ? [x(l.ci95_lo), x(l.ci95_hi)] : null,
      };
    });
    const pv = obj(d.predicted);
    const predicted = isNum(pv.value) ? { x: x(pv.value), label: 'lint: ' + (pv.what || '') + ' ' + fmtAxis(pv.value, xa) } : null;
    return { width, height, margin: m, x, y, points, lines, predicted, twoD: !!ya,
             xticks: ticks(xlo, xhi, 6), yticks: ya ? ticks(ya.lo, ya.hi, 5) : [] };
  }

  // Two axes: the boundary as a path through the lines' estimates, and its
  // band as a polygon from the intervals (lines without a boundary break it).
  function boundaryPaths(lines) {
    const segs = [];
    let cur = [];
    for (const l of arr(lines)) {
      if (l.found && isNum(l.y)) cur.push(l);
      else if (cur.length) { segs.push(cur); cur = []; }
    }
    if (cur.length) segs.push(cur);
    return segs.map((s) => ({
      line: s.map((l, i) => (i ? 'L' : 'M') + l.est.toFixed(1) + ',' + l.y.toFixed(1)).join(''),
      band: s.map((l, i) => (i ? 'L' : 'M') + l.band[0].toFixed(1) + ',' + l.y.toFixed(1)).join('') +
            s.slice().reverse().map((l) => 'L' + l.band[1].toFixed(1) + ',' + l.y.toFixed(1)).join('') + 'Z',
    }));
  }

  // Two axes: the lint's figure of each line (a second key can move it) as
  // a path through the lines, broken where a line has none.
  function predictedPath(lines) {
    let d = '', open = false;
    for (const l of arr(lines)) {
      if (isNum(l.pred) && isNum(l.y)) {
        d += (open ? 'L' : 'M') + l.pred.toFixed(1) + ',' + l.y.toFixed(1);
        open = true;
      } else open = false;
    }
    return d || null;
  }

  // The counts the page states: runs, recovered, not.
  function counts(doc) {
    const runs = arr(obj(doc).runs);
    const good = runs.filter((r) => r.good === true).length;
    return { runs: runs.length, good, bad: runs.length - good };
  }

  return { DASH, COLOURS, fmt, fmtAxis, ticks, scale, runClass, layout, boundaryPaths, predictedPath, counts };
});

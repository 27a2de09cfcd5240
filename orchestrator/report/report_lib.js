// SPDX-License-Identifier: Apache-2.0
// faultline report, the pure part: formatting, axis ticks and scales, colours,
// the graph's layout, and the shaping of the run's data (summary.json, the
// series, events.jsonl) into what the page draws: health at a time from the
// analysis' letters, the replay of the onsets, the waterfall of a trace.
// Nothing here touches the DOM, the window or a timer: report.js draws,
// this computes. In the page it is window.flReport; under node it is the
// module's exports (tests/report/report_lib.test.js).
(function (root, build) {
  'use strict';
  const lib = build();
  if (typeof module === 'object' && module && module.exports) module.exports = lib;
  else root.flReport = lib;
})(this, function () {
  'use strict';
  const DASH = '\u2014', ARROW = '\u2192', TIMES = '\u00d7', ELLIPSIS = '\u2026';

  // ----------------------------------------------------------------- values
  // The data is read defensively: a field of the wrong type is absent.
  const isNum = (x) => typeof x === 'number' && isFinite(x);
  const num = (x) => (isNum(x) ? x : null);
  const obj = (x) => (x && typeof x === 'object' && !Array.isArray(x) ? x : {});
  const arr = (x) => (Array.isArray(x) ? x : []);
  const str = (x) => (x === null || x === undefined ? '' : typeof x === 'object' ? JSON.stringify(x) : String(x));
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));

  // ------------------------------------------------------------- formatting
  function fmtNum(v) {
    if (!isNum(v)) return DASH;
    const a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 1e9) return +(v / 1e9).toPrecision(3) + 'G';
    if (a >= 1e6) return +(v / 1e6).toPrecision(3) + 'M';
    if (a >= 1e4) return +(v / 1e3).toPrecision(3) + 'k';
    if (a >= 100) return String(Math.round(v));
    return String(+v.toPrecision(3));
  }
  function fmtSec(v) {
    if (!isNum(v)) return DASH;
    const a = Math.abs(v);
    if (a === 0) return '0 s';
    if (a < 1e-3) return +(v * 1e6).toPrecision(3) + ' \u00b5s';
    if (a < 1) return +(v * 1e3).toPrecision(3) + ' ms';
    if (a < 100) return +v.toPrecision(3) + ' s';
    return Math.round(v) + ' s';
  }
  function fmtBytes(v) {
    if (!isNum(v)) return DASH;
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0, x = v;
    while (Math.abs(x) >= 1024 && i < u.length - 1) { x /= 1024; i++; }
    return +x.toPrecision(3) + ' ' + u[i];
  }
  function fmtUnit(v, unit) {
    if (unit === 's') return fmtSec(v);
    if (unit === 'B') return fmtBytes(v);
    if (!isNum(v)) return DASH;
    return fmtNum(v) + (unit ? ' ' + unit : '');
  }
  // Axis labels carry a unit only where it changes the number's reading
  // (seconds, bytes, cores); others are in the plot's heading.
  const axisLabel = (v, unit) => (unit === 's' || unit === 'B' || unit === 'cores' ? fmtUnit(v, unit) : fmtNum(v));
  const fmtT = (t) => (isNum(t) ? +t.toFixed(1) + ' s' : DASH);
  // Onsets are to the millisecond: whole milliseconds up to 10 s (tenths
  // below 10 ms), seconds beyond.
  function fmtMs(v) {
    if (!isNum(v)) return DASH;
    const ms = v * 1000, a = Math.abs(ms);
    if (a >= 1e4) return fmtSec(v);
    return (a < 10 ? +ms.toFixed(1) : Math.round(ms)) + ' ms';
  }
  const fmtAfter = (v) => (isNum(v) ? (v < 0 ? '' : '+') + fmtMs(v) : DASH);
  // A time on the slider, with as many decimals as its step needs (0.1 s: one).
  function fmtClock(t, step) {
    if (!isNum(t)) return DASH;
    const d = isNum(step) && step > 0 ? clamp(Math.ceil(-Math.log10(step) - 1e-9), 0, 4) : 1;
    return t.toFixed(d) + ' s';
  }
  const fmtX = (v) => (isNum(v) ? TIMES + String(+v.toPrecision(3)) : DASH);
  const fmtPct = (v) => (isNum(v) ? Math.round(v * 100) + '%' : DASH);
  function truncate(s, n) { return s.length > n ? s.slice(0, Math.max(1, n - 1)) + ELLIPSIS : s; }

  // ----------------------------------------------------------------- scales
  // Nice axis ticks: steps of 1, 2 or 5 times a power of ten.
  function niceStep(range, count) {
    const raw = range / Math.max(1, count);
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / p;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
  }
  function linTicks(lo, hi, count) {
    if (!(hi > lo)) return [lo];
    const st = niceStep(hi - lo, count), out = [];
    for (let v = Math.ceil(lo / st - 1e-9) * st; v <= hi + st * 1e-9; v += st) out.push(+v.toPrecision(12));
    return out;
  }
  function bisect(xs, x) { // index of the element of sorted xs nearest to x
    let lo = 0, hi = xs.length - 1;
    if (hi < 0) return -1;
    while (hi - lo > 1) { const m = (lo + hi) >> 1; if (xs[m] <= x) lo = m; else hi = m; }
    return Math.abs(xs[hi] - x) < Math.abs(xs[lo] - x) ? hi : lo;
  }
  // A plot's y axis over the values of `lines` (each {v: [number|null]}),
  // drawn from y0 (bottom, pixels) up to y1: linear from 0, or logarithmic
  // when `log` is asked for and the values span more than 30x. Returns the
  // scale y(v), the ticks and whether it is logarithmic.
  function yAxis(lines, log, y0, y1) {
    // Loops, not Math.min(...values): a long run has more values than a call has arguments.
    let lo = Infinity, hi = -Infinity, posMin = Infinity;
    for (const l of lines) {
      for (const v of l.v) {
        if (v === null) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (v > 0 && v < posMin) posMin = v;
      }
    }
    const useLog = !!log && isFinite(posMin) && hi / posMin > 30;
    let y;
    const ticks = [];
    if (useLog) {
      const a = Math.floor(Math.log10(posMin)), b = Math.max(a + 1, Math.ceil(Math.log10(hi)));
      y = (v) => y0 - (Math.log10(Math.max(v, Math.pow(10, a))) - a) / (b - a) * (y0 - y1);
      for (let e = a; e <= b; e++) for (const m of b - a <= 3 ? [1, 2, 5] : [1]) { const v = m * Math.pow(10, e); if (v <= Math.pow(10, b) * 1.0001) ticks.push(v); }
    } else {
      const top = hi > 0 ? hi : 1, bottom = Math.min(0, lo);
      const st = niceStep(top - bottom, 4), ymax = Math.ceil(top / st - 1e-9) * st;
      y = (v) => y0 - (v - bottom) / (ymax - bottom || 1) * (y0 - y1);
      ticks.push(...linTicks(bottom, ymax, 4));
    }
    return { y, ticks, log: useLog };
  }
  // An edge's stroke width from its (cumulative) amplification.
  const edgeWidth = (during) => (isNum(during) ? clamp(1.2 + Math.log2(Math.max(1, during)) * 1.6, 1.2, 7) : 1.6);
  // Badges of amplification: 1.5x is notable, 3x bad.
  function ampTone(v) { return !isNum(v) ? 'na' : v >= 3 ? 'bad' : v >= 1.5 ? 'warn' : 'ok'; }

  // ---------------------------------------------------------------- colours
  // One colour per service, kept across every plot and the graph legend:
  // the first asked for gets the first colour.
  const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7',
                   '#9c755f', '#3f8f8b', '#a0cbe8', '#8cd17d'];
  const LOAD_COLOURS = ['#6b7a90', '#8f7fb5', '#5f9ea0'];
  function colourPicker() {
    const colours = new Map();
    let nextColour = 0, nextLoad = 0;
    return function colourOf(id, kind) {
      if (!colours.has(id)) {
        if (kind === 'load') colours.set(id, LOAD_COLOURS[nextLoad++ % LOAD_COLOURS.length]);
        else if (kind === 'system') colours.set(id, '#7b8794');
        else if (kind === 'host') colours.set(id, '#a3a3a3');
        else colours.set(id, PALETTE[nextColour++ % PALETTE.length]);
      }
      return colours.get(id);
    };
  }
  // Health (summary.health's letters): idle (asked nothing) is not failure,
  // so it is a calm blue, apart from the warm colours of degradation.
  const HEALTH_COLOUR = { healthy: '#3aa66a', degraded: '#f0a202', failed: '#d7263d', idle: '#8fb4d9', unknown: '#a0a8b3' };
  const HEALTH_STATES = ['healthy', 'degraded', 'failed', 'idle', 'unknown'];
  const NEVER_COLOUR = '#7fbf8e', LOAD_FILL = '#546277';
  // When a service degraded, as a fraction of the latest: early = deep red
  // (where the failure started), late = yellow.
  const SCALE = [[0, [165, 0, 38]], [0.35, [226, 62, 45]], [0.7, [248, 141, 60]], [1, [253, 210, 102]]];
  function scaleColour(f) {
    f = clamp(f, 0, 1);
    for (let k = 1; k < SCALE.length; k++) {
      const [f1, c1] = SCALE[k];
      if (f <= f1) {
        const [f0, c0] = SCALE[k - 1], u = (f - f0) / (f1 - f0 || 1);
        return 'rgb(' + c0.map((c, j) => Math.round(c + (c1[j] - c) * u)).join(',') + ')';
      }
    }
    return 'rgb(' + SCALE[SCALE.length - 1][1].join(',') + ')';
  }
  function inkOn(rgb) { // dark text on light fills, white on dark ones
    const m = /rgb\((\d+),(\d+),(\d+)\)/.exec(rgb) || /#(..)(..)(..)/.exec(rgb);
    if (!m) return '#fff';
    const c = m.slice(1, 4).map((x) => (rgb[0] === '#' ? parseInt(x, 16) : +x));
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] > 150 ? '#1d2430' : '#fff';
  }

  // ------------------------------------------------------------------ graph
  // The graph's nodes from summary.topology: load generators ("load:NODE")
  // and services, and the calls between them.
  function topologyGraph(topo) {
    topo = obj(topo);
    const services = [], svcByName = new Map(), loads = [], loadByNode = new Map();
    for (const x of arr(topo.services)) {
      const o = obj(x), name = str(o.name);
      if (!name || svcByName.has(name)) continue;
      const e = { id: name, name, kind: 'service', node: str(o.node) || name, port: o.port };
      services.push(e); svcByName.set(name, e);
    }
    function addLoad(node) {
      if (!node || loadByNode.has(node)) return;
      const e = { id: 'load:' + node, name: node, kind: 'load', node };
      loads.push(e); loadByNode.set(node, e);
    }
    for (const x of arr(topo.nodes)) { const o = obj(x); if (o.load === true) addLoad(str(o.name)); }
    // An edge end is a service, or a load generator named "load:NODE" (or by
    // its bare node name when no service has that name).
    function canon(id) {
      if (id.startsWith('load:')) { addLoad(id.slice(5)); return id; }
      if (!svcByName.has(id) && loadByNode.has(id)) return 'load:' + id;
      if (!svcByName.has(id)) { const e = { id, name: id, kind: 'service', node: id }; services.push(e); svcByName.set(id, e); }
      return id;
    }
    const edges = [];
    for (const x of arr(topo.edges)) {
      const o = obj(x), a = str(o.caller), b = str(o.callee);
      if (a && b) edges.push({ caller: canon(a), callee: canon(b) });
    }
    const graphNodes = [...loads, ...services];
    return {
      services, svcByName, loads, loadByNode, edges, graphNodes,
      nodeById: new Map(graphNodes.map((n) => [n.id, n])),
      // A name from the summary as a graph id: a bare load node's name is "load:NODE".
      canonName: (id) => (!id.startsWith('load:') && !svcByName.has(id) && loadByNode.has(id) ? 'load:' + id : id),
    };
  }
  const short = (id) => (id.startsWith('load:') ? id.slice(5) : id);

  // What a series of timeseries.csv is, from its node and service columns:
  // the series' kind, the graph id it belongs to and its label.
  function classify(n, s, g) {
    if (s === 'system' || n === 'system') return { kind: 'system', id: 'system', label: 'system' };
    if (n === 'host') return { kind: 'host', id: 'host', label: 'host' };
    // The network's counters: link directions, segment members, partitions.
    if (n.startsWith('link:')) return { kind: 'net', id: n + '|' + s, label: s.replace('->', ' ' + ARROW + ' ') };
    if (n.startsWith('segment:')) return { kind: 'net', id: n + '|' + s, label: n.slice(8) + (s ? ': ' + s : ' (shared)') };
    if (n === 'partition') return { kind: 'net', id: n + '|' + s, label: 'partition ' + s };
    // The flow view's node pairs (eBPF: what the kernels saw on the wire).
    if (n === 'flow') return { kind: 'net', id: n + '|' + s, label: 'wire ' + s.replace('->', ' ' + ARROW + ' ') };
    const k = s.indexOf('->');
    if (k >= 0) {
      const a = s.slice(0, k), b = s.slice(k + 2);
      const ca = a.startsWith('load:') || g.svcByName.has(a) || !g.loadByNode.has(a) ? a : 'load:' + a;
      return { kind: 'edge', id: 'edge:' + ca + '->' + b, label: short(ca) + ' ' + ARROW + ' ' + b, caller: ca, callee: b };
    }
    if (g.loadByNode.has(n) && (s === '' || s === n || s === 'load:' + n)) return { kind: 'load', id: 'load:' + n, label: n + ' (load)' };
    if (s) return { kind: 'service', id: s, label: s };
    return { kind: 'node', id: 'node:' + n, label: n };
  }
  // The series as the page draws them (report/series.cpp makes them columnar:
  // {t: [...], series: [{m, n, s, v: [...]}]}); a series without a metric is dropped.
  function seriesList(ts, g) {
    return arr(obj(ts).series).map((x) => {
      const o = obj(x), n = str(o.n), s = str(o.s);
      return Object.assign({ m: str(o.m), n, s, v: arr(o.v).map(num) }, classify(n, s, g));
    }).filter((x) => x.m);
  }

  // The flow view on a call's edge: trouble on the wire between the caller's
  // and the callee's nodes at tick i, both directions summed (requests one
  // way, answers the other): retransmissions, drops, resets sent and
  // received, failed connection attempts, per second. null: nothing recorded.
  const FLOW_TROUBLE = ['retransmits_ps', 'drops_pps', 'resets_sent_ps', 'resets_received_ps', 'connects_failed_ps'];
  function flowTroubleAt(valAt, a, b, i) {
    let total = null;
    for (const [x, y] of [[a, b], [b, a]]) {
      for (const m of FLOW_TROUBLE) {
        const v = valAt(m, 'flow|' + x + '->' + y, i);
        if (isNum(v)) total = (total ?? 0) + v;
      }
    }
    return total;
  }
  // An edge's stroke for its trouble on the wire: thicker with more, on a log
  // scale (one retransmission a second shows; a storm does not swamp the graph).
  function flowWidth(rate) { return isNum(rate) && rate > 0 ? Math.min(10, 2.5 + 2.5 * Math.log10(1 + rate)) : null; }
  // summary.flow.order by node pair "a->b": its rank (1: the first to go bad).
  function flowOrder(flow) {
    const out = new Map();
    arr(obj(flow).order).forEach((x, k) => {
      const o = obj(x), e = str(o.edge);
      if (e && !out.has(e)) out.set(e, { rank: k + 1, badS: num(o.bad_s), after: num(o.after_fault_s), what: arr(o.what).map(str) });
    });
    return out;
  }

  // Layers: load generators first, then each service one column right of its
  // deepest caller (longest path over the calls, cycles broken by a DFS).
  // `g` is a topologyGraph. Returns the columns (ids, top to bottom), each
  // id's layer, the edges drawn left to right and the back edges (by key).
  function layout(g) {
    const ids = g.graphNodes.map((n) => n.id);
    const out = new Map(ids.map((id) => [id, []])), inc = new Map(ids.map((id) => [id, []]));
    const E = g.edges.filter((e) => out.has(e.caller) && out.has(e.callee) && e.caller !== e.callee);
    E.forEach((e) => { out.get(e.caller).push(e.callee); inc.get(e.callee).push(e.caller); });
    const seen = new Map(), back = new Set();
    const key = (a, b) => a + '\u0000' + b;
    function dfs(u) {
      seen.set(u, 1);
      for (const v of out.get(u)) {
        if (seen.get(v) === 1) back.add(key(u, v));
        else if (!seen.get(v)) dfs(v);
      }
      seen.set(u, 2);
    }
    for (const r of [...g.loads.map((l) => l.id), ...ids.filter((id) => !inc.get(id).length), ...ids]) if (!seen.get(r)) dfs(r);
    const layer = new Map(ids.map((id) => [id, g.nodeById.get(id).kind === 'load' || !g.loads.length ? 0 : 1]));
    for (let pass = 0; pass < ids.length; pass++) {
      let changed = false;
      for (const e of E) {
        if (back.has(key(e.caller, e.callee))) continue;
        const want = layer.get(e.caller) + 1;
        if (layer.get(e.callee) < want) { layer.set(e.callee, want); changed = true; }
      }
      if (!changed) break;
    }
    const nL = Math.max(0, ...layer.values()) + 1;
    const cols = Array.from({ length: nL }, () => []);
    ids.forEach((id) => cols[layer.get(id)].push(id));
    // Barycentre sweeps: order each column by the mean row of its neighbours.
    const pos = new Map();
    const setPos = () => cols.forEach((c) => c.forEach((id, k) => pos.set(id, (k + 0.5) / c.length)));
    setPos();
    for (let sweep = 0; sweep < 4; sweep++) {
      const down = sweep % 2 === 0;
      for (let L = down ? 1 : nL - 2; down ? L < nL : L >= 0; L += down ? 1 : -1) {
        const bc = (id) => {
          const nb = (down ? inc.get(id) : out.get(id)).filter((x) => layer.get(x) !== L);
          return nb.length ? nb.reduce((s, x) => s + pos.get(x), 0) / nb.length : pos.get(id);
        };
        const m = new Map(cols[L].map((id) => [id, bc(id)]));
        cols[L].sort((a, b) => m.get(a) - m.get(b));
      }
      setPos();
    }
    return { cols, layer, E, back, key };
  }

  // Whether a fault ("node:X", "load:X", "link:A-B", ...) is on a graph node,
  // or on the link under a call (nodeById: the graph's nodes by id).
  function faultTargetsNode(f, n) {
    const [kind, rest] = [f.target.split(':')[0], f.target.slice(f.target.indexOf(':') + 1)];
    if (kind === 'node') return n.kind === 'service' ? n.node === rest || n.name === rest : n.node === rest;
    if (kind === 'load') return n.kind === 'load' && n.name === rest;
    return false;
  }
  // A link fault carries its link's two nodes (summary.faults[].link): they
  // are compared with the call's two ends, never a name built from them
  // (node names may contain '-').
  function faultTargetsEdge(f, e, nodeById) {
    const l = arr(f.link);
    if (l.length !== 2) return false;
    const nodeOf = (id) => (nodeById.get(id) || {}).node;
    const a = nodeOf(e.caller), b = nodeOf(e.callee);
    return (l[0] === a && l[1] === b) || (l[0] === b && l[1] === a);
  }

  // ------------------------------------------------------------------- time
  // The faults, sorted by when they were applied: from summary.faults, or,
  // without them, by pairing the applied and reverted events. `b` (the end)
  // is null for a fault that was never reverted and has no duration.
  function faultList(faults, events) {
    let out = arr(faults).map((f, k) => {
      const o = obj(f);
      const a = num(o.applied_s) ?? num(o.at_s);
      let b = num(o.reverted_s);
      if (b === null && a !== null && num(o.for_s) !== null) b = a + o.for_s;
      return { idx: isNum(o.index) ? o.index : k, a, b, target: str(o.target), link: arr(o.link), what: str(o.what), open: b === null };
    }).filter((f) => f.a !== null);
    if (!out.length) { // no summary: pair the applied and reverted events
      const byIdx = new Map();
      for (const e of arr(events)) {
        if (e.kind !== 'fault' || !isNum(e.t)) continue;
        const k = isNum(e.fault) ? e.fault : byIdx.size;
        const f = byIdx.get(k) || { idx: k, a: null, b: null, target: str(e.target), link: arr(e.link), what: str(e.what), open: true };
        if (e.state === 'applied' && f.a === null) f.a = e.t;
        if (e.state === 'reverted') { f.b = e.t; f.open = false; }
        byIdx.set(k, f);
      }
      out = [...byIdx.values()].filter((f) => f.a !== null);
    }
    return out.sort((x, y) => x.a - y.a);
  }
  // Phases ({name, a, b}): from the phase events when there are some, else
  // from summary.phases; [X0, X1] is the time axis.
  function phaseList(events, phases, X0, X1, firstFault) {
    const ev = arr(events).filter((e) => e.kind === 'phase' && isNum(e.t) && e.phase).sort((a, b) => a.t - b.t);
    const out = [];
    if (ev.length) {
      ev.forEach((e, k) => { if (e.phase !== 'done') out.push({ name: str(e.phase), a: e.t, b: k + 1 < ev.length ? ev[k + 1].t : X1 }); });
      return out;
    }
    phases = obj(phases);
    const bl = arr(phases.baseline), wu = num(phases.warmup_end_s), lf = num(phases.last_fault_end_s);
    if (wu !== null) out.push({ name: 'warmup', a: X0, b: wu });
    if (isNum(bl[0]) && isNum(bl[1])) out.push({ name: 'baseline', a: bl[0], b: bl[1] });
    if (firstFault !== null) out.push({ name: 'faults', a: firstFault, b: lf ?? X1 });
    if (lf !== null) out.push({ name: 'recovery', a: lf, b: num(phases.end_s) ?? X1 });
    return out;
  }
  // Rows for the timeline strip: greedy, so that overlapping faults stack; a
  // fault takes at least `minSpan` seconds of its row (room for its label).
  // Returns each fault's row and the number of rows.
  function faultRows(faults, minSpan) {
    const ends = [], rows = [];
    for (const f of faults) {
      let r = ends.findIndex((end) => end <= f.a);
      if (r < 0) { r = ends.length; ends.push(0); }
      ends[r] = Math.max(f.b, f.a + minSpan);
      rows.push(r);
    }
    return { rows, count: ends.length };
  }
  // "#t=27" (or "...&t=27") in the page's address: the time to open at.
  function hashTime(hash) {
    const m = /(?:^#|&)t=(-?[0-9.]+)/.exec(str(hash));
    return m ? +m[1] : null;
  }
  // "#replay" (or "...&replay"): a word alone in the address.
  function hashFlag(hash, word) {
    return str(hash).replace(/^#/, '').split('&').includes(word);
  }

  // ----------------------------------------------------------------- events
  function describeEvent(e) {
    switch (e.kind) {
      case 'fault': return 'fault ' + str(e.fault) + ' ' + str(e.state) + ': ' + str(e.target) + ' ' + str(e.what);
      case 'phase': return 'phase ' + str(e.phase);
      case 'breaker': return 'breaker of ' + str(e.service) + ' ' + ARROW + ' ' + str(e.downstream) + ': ' + str(e.to);
      case 'oom': return 'OOM kill in ' + str(e.node) + ' (' + str(e.count) + ')';
      case 'exit': return str(e.process) + ' in ' + str(e.node) + ' exited: ' + str(e.status);
      case 'restart': return 'restart of ' + str(e.node) + ' (' + str(e.count) + ')' + (e.error ? ' failed: ' + str(e.error) : '');
      case 'warning': return str(e.what);
      default: {
        const o = Object.assign({}, e); delete o.t; delete o.kind;
        return JSON.stringify(o);
      }
    }
  }

  // ------------------------------------------------------------------ plots
  const PLOTS = [
    { ms: ['offered_rps'], title: 'Offered load', unit: 'req/s', core: true, note: 'organic requests started by the load generators' },
    // kinds: which of the series are drawn. A service's attempts are its
    // edges' summed, and the system's sums of service and node figures are
    // for checks: drawn beside their parts they only repeat them. (A load
    // generator's node is of kind 'load'.)
    { ms: ['attempts_rps'], title: 'Attempts', unit: 'req/s', core: true, kinds: ['load', 'edge', 'system'], note: 'every try on each call edge, retries and hedges included' },
    { ms: ['goodput_rps'], title: 'Goodput', unit: 'req/s', core: true, note: 'successes (loads: within the client deadline; services: 2xx)' },
    { ms: ['p99_s'], title: 'p99 latency', unit: 's', core: true, log: true, note: 'client-observed for loads, server-side for services' },
    { ms: ['errors_rps'], title: 'Errors', unit: 'req/s', core: true, note: 'failed requests, any cause' },
    { ms: ['shed_rps'], title: 'Shed', unit: 'req/s', kinds: ['service'], note: 'queue full, queueing delay, abandoned' },
    { ms: ['queue_depth'], title: 'Queue depth', unit: 'requests', kinds: ['service'], note: 'waiting requests, gauge' },
    { ms: ['breaker_open'], title: 'Open breakers', unit: '', kinds: ['service'], note: 'downstream circuit breakers open' },
    { ms: ['retries_refused_rps'], title: 'Retries refused', unit: 'req/s', kinds: ['service'], note: 'by a retry budget or throttle' },
    { ms: ['cpu_cores', 'host_cpu_cores'], title: 'CPU', unit: 'cores', kinds: ['node', 'load', 'host'], note: 'cgroup CPU per node; host: the whole machine' },
    // What the nodes' tasks waited for a CPU: the cgroup's quota throttling,
    // and the run-queue delay as the scheduler saw it (throttled time included).
    { ms: ['cpu_throttled_s'], title: 'CPU throttled', unit: 's', kinds: ['node', 'load'], note: 'time the cgroup spent throttled by its CPU quota in the tick' },
    { ms: ['runq_wait_share'], title: 'Run-queue wait', unit: 's/s', kinds: ['node', 'load'], note: 'time the node\'s runnable tasks waited for a CPU, per second (eBPF; runq_delay_s and runq_p99_s per wait in timeseries.csv)' },
    { ms: ['memory_bytes'], title: 'Memory', unit: 'B', kinds: ['node', 'load'], note: 'cgroup memory per node' },
    { ms: ['received_pps'], title: 'Network traffic', unit: 'packets/s', note: 'received per link direction and per segment member' },
    { ms: ['engine_dropped_pps', 'dropped_pps'], title: 'Network drops', unit: 'packets/s', note: 'link engine (loss and queue limit) per direction; partitions (eBPF)' },
    // The flow view (node "flow", docs/flow.md): what the kernels saw per node pair.
    { ms: ['retransmits_ps'], title: 'Retransmissions on the wire', unit: '/s', kinds: ['net'], note: 'TCP retransmissions per node pair (eBPF)' },
    { ms: ['resets_sent_ps'], title: 'Resets on the wire', unit: '/s', kinds: ['net'], note: 'TCP resets sent per node pair (eBPF)' },
    { ms: ['connects_failed_ps'], title: 'Failed connects', unit: '/s', kinds: ['net'], note: 'connection attempts that never completed, per node pair (eBPF)' },
    { ms: ['drops_pps'], title: 'Kernel drops', unit: 'packets/s', kinds: ['net'], note: 'packets the kernels dropped, any reason, per node pair (eBPF; timeseries.csv has them per reason)' },
  ];
  const KIND_ORDER = { service: 0, load: 1, edge: 2, system: 3, node: 4, host: 5, net: 6 };
  // The lines of one plot: the series of its metrics and kinds that have a
  // value, services in topology order, then load generators, edges, ...
  function linesFor(def, series, services) {
    let ls = series.filter((x) => def.ms.includes(x.m) && x.v.some((v) => v !== null) && (!def.kinds || def.kinds.includes(x.kind)));
    // The system line repeats a single load generator's: show it only when it adds something.
    const nLoads = ls.filter((x) => x.kind === 'load').length;
    if (nLoads === 1) ls = ls.filter((x) => x.kind !== 'system');
    const svcOrder = new Map(services.map((s, k) => [s.id, k]));
    ls.sort((a, b) => (KIND_ORDER[a.kind] - KIND_ORDER[b.kind]) || ((svcOrder.get(a.id) ?? 99) - (svcOrder.get(b.id) ?? 99)) || a.label.localeCompare(b.label));
    return ls;
  }

  // ----------------------------------------------------------------- health
  // summary.health: one letter per window of window_s for each service and
  // call edge; window k covers [k, k + 1) x window_s.
  const LETTER = { h: 'healthy', d: 'degraded', f: 'failed', i: 'idle', u: 'unknown' };
  // The window holding time t (-1: none). The slack keeps t = k x window_s,
  // as the slider makes it, in window k despite rounding (15.3 / 0.1 = 152.999...).
  function windowIndex(t, windowS) {
    return isNum(t) && isNum(windowS) && windowS > 0 && t >= 0 ? Math.floor(t / windowS + 1e-9) : -1;
  }
  // The state a string of letters gives at time t: null without letters (not
  // judged), unknown outside them or for a letter it does not know.
  function letterAt(letters, windowS, t) {
    if (typeof letters !== 'string' || !(isNum(windowS) && windowS > 0)) return null;
    const k = windowIndex(t, windowS);
    return k >= 0 && k < letters.length ? LETTER[letters[k]] || 'unknown' : 'unknown';
  }
  // When the letters first say degraded or failed: the start of that window, or null.
  function firstUnhealthy(letters, windowS) {
    if (typeof letters !== 'string' || !(isNum(windowS) && windowS > 0)) return null;
    const m = /[df]/.exec(letters);
    return m ? +(m.index * windowS).toPrecision(12) : null;
  }
  // "caller->callee" as the graph's key (a bare load node as "load:NODE").
  function edgeKey(s, canonName) {
    s = str(s);
    const k = s.indexOf('->');
    if (k <= 0 || k + 2 >= s.length) return null;
    const a = s.slice(0, k), b = s.slice(k + 2);
    return (canonName ? canonName(a) : a) + '->' + b;
  }
  // The tick of timeseries.csv whose interval holds t (a rate is over the
  // tick that ends at its t): the first tick at or after t, else the last.
  function tickIndexAt(T, t) {
    if (!T.length || !isNum(t)) return -1;
    let lo = 0, hi = T.length - 1;
    if (T[hi] < t - 1e-9) return hi;
    while (lo < hi) { const m = (lo + hi) >> 1; if (T[m] >= t - 1e-9) hi = m; else lo = m + 1; }
    return lo;
  }

  // ----------------------------------------------------------------- replay
  // The replay of summary.propagation: the services turn degraded in onset
  // order, a step simultaneous with the one before (within its resolution)
  // together with it. Measured time is stretched so that milliseconds can be
  // seen: each gap (from the first fault to the first onset, then between
  // groups) takes `perResolution` seconds of replay per resolution of
  // measured time, at least `minStep` and at most `maxStep`; between two
  // moments the clock runs linearly, so it always shows measured time.
  // Returns the steps, the groups (each with its replay time `at`), the
  // replay's duration, clockAt(a) (seconds after the first fault at replay
  // time a) and reached(a) (how many groups have turned by then).
  function replaySchedule(prop, opts) {
    opts = obj(opts);
    const perRes = num(opts.perResolution) ?? 0.4, minStep = num(opts.minStep) ?? 0.4, maxStep = num(opts.maxStep) ?? 1.6;
    const fallbackRes = num(opts.resolution) ?? 0.05;
    const steps = arr(prop).map(obj).filter((p) => str(p.service) && isNum(p.after_fault_s)).map((p, k) => ({
      order: k, service: str(p.service), after: p.after_fault_s, onset: num(p.onset_s),
      resolution: isNum(p.resolution_s) && p.resolution_s > 0 ? p.resolution_s : fallbackRes,
      via: str(p.via), viaEdge: str(p.via_edge), hops: num(p.hops), simultaneous: p.simultaneous === true,
    }));
    steps.sort((a, b) => a.after - b.after || a.order - b.order); // the summary's order; stable
    const groups = [];
    for (const st of steps) {
      const g = st.simultaneous && groups.length ? groups[groups.length - 1] : null;
      if (g) { g.steps.push(st); g.until = Math.max(g.until, st.after); g.resolution = Math.max(g.resolution, st.resolution); }
      else groups.push({ index: groups.length, steps: [st], from: st.after, until: st.after, resolution: st.resolution, at: 0 });
      st.group = (g || groups[groups.length - 1]).index;
    }
    const keys = [[0, 0]]; // [replay time, measured time]
    let at = 0, prev = 0;
    for (const g of groups) {
      at += clamp(Math.max(0, g.from - prev) / g.resolution * perRes, minStep, maxStep);
      g.at = +at.toPrecision(12);
      keys.push([g.at, g.from]);
      prev = Math.max(prev, g.from);
    }
    function clockAt(a) {
      if (!isNum(a) || a <= 0) return 0;
      for (let k = 1; k < keys.length; k++) {
        const [a1, r1] = keys[k], [a0, r0] = keys[k - 1];
        if (a <= a1) return a1 > a0 ? r0 + (r1 - r0) * (a - a0) / (a1 - a0) : r1;
      }
      return keys[keys.length - 1][1];
    }
    const reached = (a) => groups.filter((g) => isNum(a) && g.at <= a + 1e-9).length;
    const resolutions = [...new Set(steps.map((s) => s.resolution))].sort((a, b) => a - b);
    return { steps, groups, duration: at, clockAt, reached, resolutions, perResolution: perRes, minStep, maxStep };
  }

  // -------------------------------------------------------------- waterfall
  // A span's cause as the waterfall colours it.
  const CAUSE_CLASS = {
    ok: 'ok',
    timeout: 'timeout', deadline: 'timeout', gateway_timeout: 'timeout',
    shed: 'shed', shed_queue_full: 'shed', shed_queue_delay: 'shed', shed_abandoned: 'shed',
    connect: 'refused',
    http_5xx: '5xx', injected: '5xx', memory: '5xx', downstream: '5xx',
    breaker_open: 'breaker', budget_exhausted: 'breaker', throttled: 'breaker',
  };
  const CAUSE_TONES = [
    ['ok', '#3aa66a', 'ok'], ['timeout', '#f28e2b', 'timeout, deadline'], ['shed', '#9467bd', 'shed (503)'],
    ['refused', '#2f6db5', 'refused, no connection'], ['5xx', '#d7263d', '5xx'],
    ['breaker', '#37474f', 'breaker open, retry budget or throttle'], ['other', '#a0a8b3', '4xx, cancelled'],
  ];
  const CAUSE_COLOUR = Object.fromEntries(CAUSE_TONES.map(([k, c]) => [k, c]));
  const causeClass = (c) => CAUSE_CLASS[str(c)] || 'other';
  const KIND_RANK = { request: 0, call: 1, attempt: 2 };
  // What a span is, in words: who did what to whom, and which try.
  function spanWhat(sp) {
    const src = short(str(sp.source)), name = str(sp.name);
    if (sp.kind === 'request') return src + ' serves ' + name;
    if (sp.kind === 'call') return src + ' calls ' + name + (isNum(sp.attempt) ? ' (' + sp.attempt + (sp.attempt === 1 ? ' attempt)' : ' attempts)') : '');
    if (sp.kind === 'attempt') {
      const n = isNum(sp.attempt) ? ' attempt ' + sp.attempt : ' attempt';
      return src + ' ' + ARROW + ' ' + name + n + (sp.hedge === true ? ' (hedge)' : isNum(sp.attempt) && sp.attempt > 0 ? ' (retry)' : '');
    }
    return src + ' ' + str(sp.kind) + ' ' + name;
  }
  function spanOutcome(sp) {
    return str(sp.cause) + (isNum(sp.status) && sp.status > 0 ? ' ' + sp.status : '') +
      (sp.fallback === true ? ', fallback' : '') + (sp.open === true ? ', still open' : '');
  }
  // One trace of summary.traces as the waterfall's rows: every span once, in
  // tree order (a parent, then its children by start), indented by its depth
  // along the parent links; a span whose parent is not in the trace (or in a
  // cycle) is a root of its own, marked orphan. Times are offsets from the
  // trace's start; x and w are fractions of the whole trace.
  function waterfall(trace) {
    const tr = obj(trace);
    const byId = new Map();
    for (const x of arr(tr.spans)) {
      const o = obj(x), id = str(o.id);
      if (id && isNum(o.start_s) && !byId.has(id)) byId.set(id, o);
    }
    const kids = new Map(), roots = [];
    for (const [id, sp] of byId) {
      const p = sp.parent === null || sp.parent === undefined ? '' : str(sp.parent);
      if (p && p !== id && byId.has(p)) { if (!kids.has(p)) kids.set(p, []); kids.get(p).push(sp); }
      else roots.push(sp);
    }
    const order = (a, b) => a.start_s - b.start_s || (KIND_RANK[a.kind] ?? 3) - (KIND_RANK[b.kind] ?? 3) ||
      (num(a.attempt) ?? 0) - (num(b.attempt) ?? 0) || (str(a.id) < str(b.id) ? -1 : 1);
    const list = [], seen = new Set();
    function walk(top, orphan) {
      const stack = [[top, 0]];
      while (stack.length) {
        const [sp, depth] = stack.pop();
        if (seen.has(sp.id)) continue;
        seen.add(sp.id);
        list.push({ sp, depth, orphan: orphan && depth === 0 });
        const ch = (kids.get(str(sp.id)) || []).slice().sort(order);
        for (let k = ch.length - 1; k >= 0; k--) stack.push([ch[k], depth + 1]);
      }
    }
    roots.sort(order).forEach((r) => walk(r, r.parent !== null && r.parent !== undefined && str(r.parent) !== ''));
    // Spans in a cycle of parent links have no root: each is shown as one.
    [...byId.values()].filter((sp) => !seen.has(str(sp.id))).sort(order).forEach((sp) => walk(sp, true));
    let t0 = isNum(tr.start_s) ? tr.start_s : Infinity, t1 = -Infinity;
    for (const { sp } of list) {
      t0 = Math.min(t0, sp.start_s);
      t1 = Math.max(t1, sp.start_s, isNum(sp.end_s) ? sp.end_s : sp.start_s);
    }
    if (!list.length) t0 = t1 = 0;
    const total = Math.max(t1 - t0, 1e-6);
    const rows = list.map(({ sp, depth, orphan }) => {
      const start = sp.start_s - t0, end = Math.max(sp.start_s, isNum(sp.end_s) ? sp.end_s : sp.start_s) - t0;
      return {
        id: str(sp.id), parent: sp.parent === null || sp.parent === undefined ? null : str(sp.parent), depth, orphan,
        source: str(sp.source), kind: str(sp.kind), name: str(sp.name), attempt: num(sp.attempt),
        hedge: sp.hedge === true, fallback: sp.fallback === true, open: sp.open === true,
        cause: str(sp.cause), cls: causeClass(sp.cause), status: num(sp.status),
        start, end, dur: end - start, x: start / total, w: (end - start) / total,
        what: spanWhat(sp), outcome: spanOutcome(sp),
      };
    });
    return { traceId: str(tr.trace_id), source: str(tr.source), cause: str(tr.cause), t0: isFinite(t0) ? t0 : 0, total, rows,
             maxDepth: Math.max(0, ...rows.map((r) => r.depth)) };
  }

  // ---------------------------------------------------------- amplification
  // summary.amplification's edges, by tier then caller and callee, with the
  // two figures of docs/design.md: per hop (attempts / calls on the edge)
  // and cumulative (attempts on it per organic request).
  function ampRows(amp, canonName) {
    return arr(amp).map(obj).filter((a) => str(a.caller) && str(a.callee)).map((a) => {
      const caller = canonName ? canonName(str(a.caller)) : str(a.caller), callee = str(a.callee);
      return { caller, callee, key: caller + '->' + callee, tier: num(a.tier),
               perHop: num(a.per_hop), perHopPeak: num(a.per_hop_peak), cumulative: num(a.cumulative),
               cumulativePeak: num(a.cumulative_peak), onset: num(a.onset_after_fault_s) };
    }).sort((a, b) => (a.tier ?? 1e9) - (b.tier ?? 1e9) || a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee));
  }
  // The edge's label on the graph: both figures, named.
  function ampLabel(r) {
    if (!r || (r.perHop === null && r.cumulative === null)) return '';
    return 'hop ' + fmtX(r.perHop) + ' \u00b7 cum ' + fmtX(r.cumulative);
  }

  // ------------------------------------------------------------ predictions
  // summary.predictions (the lint's figures on paper: offered rate,
  // utilisation, the M/M/c mean, median and p99) beside what the run
  // measured over its baseline: the requests each service was sent (its
  // requests_rps series), its median (the mean of its p50_s ticks) and the
  // p99 of its tries (summary.baselines); measured over predicted for both.
  // seriesOf(metric, id) finds a series; T is the series' times.
  function baselineMean(x, T, b0, b1) {
    if (!x || b0 === null || b1 === null) return null;
    let sum = 0, n = 0;
    for (let i = 0; i < T.length && i < x.v.length; i++)
      if (isNum(T[i]) && T[i] > b0 && T[i] <= b1 && isNum(x.v[i])) { sum += x.v[i]; n++; }
    return n ? sum / n : null;
  }
  function predictionRows(S, seriesOf, T) {
    S = obj(S);
    const P = obj(obj(S.predictions).services);
    const base = arr(obj(S.phases).baseline);
    const b0 = num(base[0]), b1 = num(base[1]);
    const find = typeof seriesOf === 'function' ? seriesOf : () => null;
    return Object.keys(P).sort().map((name) => {
      const p = obj(P[name]), b = obj(obj(S.baselines)[name]);
      const p99 = num(p.p99_s), p99m = num(b.tries_p99_s);
      const p50 = num(p.p50_s), p50m = baselineMean(find('p50_s', name), arr(T), b0, b1);
      const ratio = (m, q) => (q !== null && q > 0 && m !== null ? m / q : null);
      return {
        service: name, offered: num(p.offered_rps), offeredMeasured: baselineMean(find('requests_rps', name), arr(T), b0, b1),
        capacity: num(p.capacity_rps), utilisation: num(p.utilisation), mean: num(p.mean_s),
        p50, p50Measured: p50m, p50Ratio: ratio(p50m, p50), p99, p99Measured: p99m, p99Ratio: ratio(p99m, p99),
        worst: num(p.worst_attempts), capped: num(p.capped_attempts),
      };
    });
  }
  // The loads' predictions: rate, peak, and the rate above which a trigger
  // that fails every attempt can keep the system down.
  function predictionLoads(S) {
    const L = obj(obj(obj(S).predictions).loads);
    return Object.keys(L).sort().map((node) => {
      const l = obj(L[node]);
      return { load: 'load:' + node, rate: num(l.rate_rps), peak: num(l.peak_rps),
               vulnerable: num(l.vulnerable_above_rps), bottleneck: str(l.bottleneck) };
    });
  }

  // ------------------------------------------------------------------ model
  // Everything the page draws, from the embedded data ({summary, series,
  // events}): the graph, the series, the time axis and the slider's steps,
  // faults and phases, health at a time, the replay and the traces.
  function model(data) {
    const D = obj(data);
    const S = obj(D.summary);
    const TS = obj(D.series);
    const T = arr(TS.t).map((x) => (isNum(x) ? x : NaN));
    const EV = arr(D.events).filter((e) => e && typeof e === 'object' && !Array.isArray(e));
    const phases = obj(S.phases);
    const thIn = obj(S.thresholds);
    const g = topologyGraph(S.topology);
    const SER = seriesList(TS, g);
    const seriesIndex = new Map(SER.map((x) => [x.m + '\u0000' + x.id, x]));
    const seriesOf = (m, id) => seriesIndex.get(m + '\u0000' + id) || null;
    function valAt(m, id, i) { const x = seriesOf(m, id); return x && i >= 0 && i < x.v.length ? x.v[i] : null; }
    const colourOf = colourPicker();
    g.services.forEach((x) => colourOf(x.id, 'service'));
    g.loads.forEach((x) => colourOf(x.id, 'load'));

    // The time axis, shared by every plot, the slider and the timeline.
    const FAULTS = faultList(S.faults, EV);
    const tFinite = T.filter(isNum);
    const X0 = Math.min(0, tFinite.length ? tFinite[0] : 0);
    const X1 = Math.max(X0 + 1, tFinite.length ? tFinite[tFinite.length - 1] : 0, num(phases.end_s) ?? 0,
                        ...FAULTS.map((f) => f.b ?? f.a));
    FAULTS.forEach((f) => { if (f.b === null) f.b = X1; });
    const firstFault = num(phases.first_fault_s) ?? (FAULTS.length ? FAULTS[0].a : null);
    const PHASES = phaseList(EV, phases, X0, X1, firstFault);
    function phaseAt(t) { let p = ''; for (const x of PHASES) if (t >= x.a && t < x.b) p = x.name; return p; }
    const activeFaults = (t) => FAULTS.filter((f) => t >= f.a && t < f.b);

    // Health: the analysis' letters (summary.health), per window of
    // window_s. Nothing is judged where the summary has none (load
    // generators, a summary older than the request records).
    const HEALTH = obj(S.health);
    const HW = isNum(HEALTH.window_s) && HEALTH.window_s > 0 ? HEALTH.window_s : null;
    const svcLetters = new Map(), callLetters = new Map();
    if (HW !== null) {
      for (const [k, v] of Object.entries(obj(HEALTH.services))) if (typeof v === 'string') svcLetters.set(g.canonName(k), v);
      for (const [k, v] of Object.entries(obj(HEALTH.calls))) { const e = edgeKey(k, g.canonName); if (e && typeof v === 'string') callLetters.set(e, v); }
    }
    const judged = (node) => svcLetters.has(node.id);
    const healthAt = (node, t) => letterAt(svcLetters.get(node.id), HW, t) || 'unknown';
    // A call edge's state at t; null when the summary does not judge it.
    const callHealthAt = (caller, callee, t) => letterAt(callLetters.get(caller + '->' + callee), HW, t);
    // Each graph node's first degraded or failed window ("id=start"), "never",
    // or "unjudged" without letters: for the page's render check.
    const firstUnhealthyList = () => g.graphNodes.map((n) => {
      if (!judged(n)) return n.id + '=unjudged';
      const t = firstUnhealthy(svcLetters.get(n.id), HW);
      return n.id + '=' + (t === null ? 'never' : t);
    });
    // The slider's step: the health window, else the tick.
    const tick = isNum(phases.tick_s) && phases.tick_s > 0 ? phases.tick_s : tFinite.length > 1 ? tFinite[1] - tFinite[0] : 1;
    const STEP = HW ?? tick;
    const STEPS = Math.max(0, Math.ceil((X1 - X0) / STEP - 1e-9));
    const timeOfStep = (k) => +(X0 + clamp(Math.round(k), 0, STEPS) * STEP).toPrecision(12);
    const stepOf = (t) => (isNum(t) ? clamp(Math.round((t - X0) / STEP), 0, STEPS) : 0);

    // The analysis' SLO and baseline of each service.
    function baselineOf(node) {
      const b = obj(obj(S.baselines)[node.id]);
      return { slo: num(b.slo_s), explicit: b.slo_explicit === true, triesP99: num(b.tries_p99_s), badShare: num(b.bad_share),
               allowed: num(b.bad_share_allowed), tries: num(b.tries) };
    }

    // When each service degraded: summary.propagation (the analysis' verdict).
    const PROP = arr(S.propagation).map(obj).filter((p) => p.service);
    const propByService = new Map(PROP.map((p) => [str(p.service), p]));
    const propMax = Math.max(1e-3, ...PROP.map((p) => num(p.after_fault_s) ?? 0));
    function degradedColour(id) {
      const p = propByService.get(id);
      if (!p) return NEVER_COLOUR;
      return scaleColour((num(p.after_fault_s) ?? 0) / propMax);
    }
    const resolution = num(thIn.onset_resolution_s) ?? num(obj(PROP[0]).resolution_s) ?? 0.05;
    const REPLAY = replaySchedule(PROP, { resolution });
    // The call edges the failure came through (via_edge), as graph keys.
    const viaEdges = new Set(PROP.map((p) => edgeKey(p.via_edge, g.canonName)).filter(Boolean));
    const AMP = ampRows(S.amplification, g.canonName);
    const TRACES = arr(S.traces).map(obj).filter((t) => arr(t.spans).length).map(waterfall);
    const PRED = predictionRows(S, seriesOf, T), PRED_LOADS = predictionLoads(S);

    return Object.assign({}, g, {
      S, TS, T, EV, SER, seriesOf, valAt, colourOf,
      topo: obj(S.topology), phases, verdict: obj(S.verdict), exp: obj(S.experiment),
      FAULTS, X0, X1, firstFault, PHASES, phaseAt, activeFaults,
      HW, judged, healthAt, callHealthAt, firstUnhealthy: firstUnhealthyList,
      tick, STEP, STEPS, timeOfStep, stepOf, tickAt: (t) => tickIndexAt(T, t),
      baselineOf, PROP, propByService, propMax, degradedColour, resolution, REPLAY, viaEdges, AMP, TRACES, PRED, PRED_LOADS,
      flowAt: (a, b, i) => flowTroubleAt(valAt, a, b, i), FLOW: flowOrder(S.flow),
    });
  }

  // The verdict card: the badge, the headline (the summary's, else made from
  // the verdict) and the key figures with their tones (ok, warn, bad, na).
  function verdictView(S, faults, firstFault) {
    S = obj(S);
    const verdict = obj(S.verdict);
    const passed = S.passed;
    const badge = passed === true ? ['PASSED', 'ok'] : passed === false ? ['FAILED', 'bad'] : ['NO VERDICT', 'na'];
    let headline = str(verdict.headline);
    if (!headline) {
      const parts = [];
      if (verdict.collapsed === true) parts.push('collapsed ' + fmtT(num(verdict.time_to_collapse_s)) + ' after the first fault');
      else if (verdict.collapsed === false) parts.push('did not collapse');
      if (verdict.recovered === true) parts.push('recovered ' + fmtT(num(verdict.recovery_s)) + ' after the last fault');
      else if (verdict.recovered === false) parts.push('did not recover' + (verdict.metastable ? ' (metastable)' : ''));
      headline = parts.length ? parts.join('; ') : (faults.length ? 'no verdict recorded' : 'no fault was injected in this run');
    }
    const yn = (v, yes, no) => (v === true ? yes : v === false ? no : DASH);
    const tone = (v, bad) => (v === null || v === undefined ? 'na' : v === bad ? 'bad' : 'ok');
    const cards = [
      ['Collapse', verdict.collapsed === true ? 'after ' + fmtT(num(verdict.time_to_collapse_s)) : yn(verdict.collapsed, 'yes', 'none'), tone(verdict.collapsed, true)],
      ['Recovery', verdict.recovered === true ? 'after ' + fmtT(num(verdict.recovery_s)) : yn(verdict.recovered, 'yes', 'not recovered'), tone(verdict.recovered, false)],
      ['Metastable', yn(verdict.metastable, 'yes', 'no'), tone(verdict.metastable, true)],
      ['Blast radius', fmtPct(num(verdict.blast_radius)), isNum(verdict.blast_radius) ? (verdict.blast_radius > 0.5 ? 'bad' : verdict.blast_radius > 0 ? 'warn' : 'ok') : 'na'],
      ['Propagation speed', isNum(verdict.hops_per_s) ? +verdict.hops_per_s.toPrecision(3) + ' hops/s' : DASH, 'na'],
      ['Cumulative amplification', fmtX(num(verdict.max_cumulative_amplification)), ampTone(num(verdict.max_cumulative_amplification))],
      ['Per-hop amplification', fmtX(num(verdict.max_hop_amplification)), ampTone(num(verdict.max_hop_amplification))],
      ['Faults', faults.length ? faults.length + (firstFault !== null ? ' from ' + fmtT(firstFault) : '') : 'none', 'na'],
    ];
    return { badge, headline, cards };
  }

  return {
    DASH, ARROW, TIMES, ELLIPSIS,
    isNum, num, obj, arr, str, clamp,
    fmtNum, fmtSec, fmtBytes, fmtUnit, axisLabel, fmtT, fmtMs, fmtAfter, fmtClock, fmtX, fmtPct, truncate,
    niceStep, linTicks, bisect, yAxis, edgeWidth, ampTone,
    PALETTE, LOAD_COLOURS, colourPicker, HEALTH_COLOUR, HEALTH_STATES, NEVER_COLOUR, LOAD_FILL, scaleColour, inkOn,
    topologyGraph, short, classify, seriesList, layout, faultTargetsNode, faultTargetsEdge,
    faultList, phaseList, faultRows, hashTime, hashFlag, describeEvent,
    PLOTS, KIND_ORDER, linesFor,
    LETTER, windowIndex, letterAt, firstUnhealthy, edgeKey, tickIndexAt,
    replaySchedule, CAUSE_CLASS, CAUSE_TONES, CAUSE_COLOUR, causeClass, spanWhat, spanOutcome, waterfall,
    ampRows, ampLabel, baselineMean, predictionRows, predictionLoads,
    FLOW_TROUBLE, flowTroubleAt, flowWidth, flowOrder,
    model, verdictView,
  };
});

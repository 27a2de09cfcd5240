// faultline report, the pure part: formatting, axis ticks and scales, colours,
// the graph's layout, and the shaping of the run's data (summary.json, the
// series, events.jsonl) into what the page draws, with the page's own health
// rule. Nothing here touches the DOM, the window or a timer: report.js draws,
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
  // An edge's stroke width from its amplification during the faults.
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
  const HEALTH_COLOUR = { healthy: '#3aa66a', degraded: '#f0a202', failed: '#d7263d', unknown: '#a0a8b3' };
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
  function faultTargetsEdge(f, e, nodeById) {
    if (!f.target.startsWith('link:')) return false;
    const nodeOf = (id) => (nodeById.get(id) || {}).node;
    const a = nodeOf(e.caller), b = nodeOf(e.callee), t = f.target.slice(5);
    return t === a + '-' + b || t === b + '-' + a;
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
      return { idx: isNum(o.index) ? o.index : k, a, b, target: str(o.target), what: str(o.what), open: b === null };
    }).filter((f) => f.a !== null);
    if (!out.length) { // no summary: pair the applied and reverted events
      const byIdx = new Map();
      for (const e of arr(events)) {
        if (e.kind !== 'fault' || !isNum(e.t)) continue;
        const k = isNum(e.fault) ? e.fault : byIdx.size;
        const f = byIdx.get(k) || { idx: k, a: null, b: null, target: str(e.target), what: str(e.what), open: true };
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

  // ----------------------------------------------------------------- events
  function describeEvent(e) {
    switch (e.kind) {
      case 'fault': return 'fault ' + str(e.fault) + ' ' + str(e.state) + ': ' + str(e.target) + ' ' + str(e.what);
      case 'phase': return 'phase ' + str(e.phase);
      case 'breaker': return 'breaker of ' + str(e.service) + ' ' + ARROW + ' ' + str(e.downstream) + ': ' + str(e.to);
      case 'oom': return 'OOM kill in ' + str(e.node) + ' (' + str(e.count) + ')';
      case 'exit': return str(e.process) + ' in ' + str(e.node) + ' exited: ' + str(e.status);
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
    { ms: ['memory_bytes'], title: 'Memory', unit: 'B', kinds: ['node', 'load'], note: 'cgroup memory per node' },
    { ms: ['received_pps'], title: 'Network traffic', unit: 'packets/s', note: 'received per link direction and per segment member' },
    { ms: ['engine_dropped_pps', 'dropped_pps'], title: 'Network drops', unit: 'packets/s', note: 'link engine (loss and queue limit) per direction; partitions (eBPF)' },
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

  // ------------------------------------------------------------------ model
  // Everything the page draws, from the embedded data ({summary, series,
  // events}): the graph, the series, the time axis, faults and phases, and
  // health at a tick.
  function model(data) {
    const D = obj(data);
    const S = obj(D.summary);
    const TS = obj(D.series);
    const T = arr(TS.t).map((x) => (isNum(x) ? x : NaN));
    const EV = arr(D.events).filter((e) => e && typeof e === 'object' && !Array.isArray(e));
    const phases = obj(S.phases);
    const thIn = obj(S.thresholds);
    const TH = {
      degraded: num(thIn.degraded_goodput) ?? 0.9,
      failed: num(thIn.failed_goodput) ?? 0.1,
      slo: num(thIn.slo_factor) ?? 2,
    };
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

    // Degraded: goodput < 90% of baseline or p99 > SLO; failed: goodput < 10%
    // of baseline (the design's defaults; summary.thresholds may change them).
    const baselineIdx = (() => {
      const bl = arr(phases.baseline);
      let a = num(bl[0]), b = num(bl[1]);
      if (a === null || b === null) { a = num(phases.warmup_end_s) ?? X0; b = firstFault ?? (X0 + (X1 - X0) / 4); }
      const idx = [];
      T.forEach((t, i) => { if (t >= a && t < b) idx.push(i); });
      return idx;
    })();
    function meanOver(s, idx) {
      if (!s) return null;
      let sum = 0, n = 0;
      for (const i of idx) if (isNum(s.v[i])) { sum += s.v[i]; n++; }
      return n ? sum / n : null;
    }
    const baselines = new Map();
    function baselineOf(node) {
      if (baselines.has(node.id)) return baselines.get(node.id);
      const bs = obj(S.baselines);
      const b = obj(bs[node.id] || (node.kind === 'load' ? bs[node.name] : null));
      const r = { goodput: num(b.goodput_rps), p99: num(b.p99_s), slo: num(b.slo_p99_s), ratio: false, measured: false };
      if (r.goodput === null) {
        if (node.kind === 'load') r.ratio = true; // a load generator's goodput against what it offers
        else { r.goodput = meanOver(seriesOf('goodput_rps', node.id), baselineIdx); r.measured = r.goodput !== null; }
      }
      if (r.p99 === null) r.p99 = meanOver(seriesOf('p99_s', node.id), baselineIdx);
      if (r.slo === null && r.p99 !== null && r.p99 > 0) r.slo = r.p99 * TH.slo;
      baselines.set(node.id, r);
      return r;
    }
    // The analysis' own verdicts (summary.health) where it made them: letters
    // per tick, tick k at k * tick_s. Elsewhere (load generators, an older
    // summary) the same rule from the series, an unanswered scrape included.
    const HEALTH = obj(S.health), HEALTH_TICK = num(HEALTH.tick_s), HEALTH_OF = obj(HEALTH.services);
    const LETTER = { h: 'healthy', d: 'degraded', f: 'failed', u: 'unknown' };
    function healthAt(node, i) {
      if (i < 0 || i >= T.length) return 'unknown';
      const letters = HEALTH_OF[node.id];
      if (typeof letters === 'string' && HEALTH_TICK) {
        const k = Math.round(T[i] / HEALTH_TICK);
        return k >= 0 && k < letters.length ? (LETTER[letters[k]] || 'unknown') : 'unknown';
      }
      if (valAt('up', node.id, i) === 0) return 'degraded';
      const gp = valAt('goodput_rps', node.id, i), p99 = valAt('p99_s', node.id, i), b = baselineOf(node);
      if (gp === null && p99 === null) return 'unknown';
      const ref = b.ratio ? valAt('offered_rps', node.id, i) : b.goodput;
      const haveRef = isNum(ref) && ref > 0;
      if (gp !== null && haveRef) {
        if (gp < TH.failed * ref) return 'failed';
        if (gp < TH.degraded * ref) return 'degraded';
      }
      if (p99 !== null && isNum(b.slo) && p99 > b.slo) return 'degraded';
      return haveRef || isNum(b.slo) ? 'healthy' : 'unknown';
    }
    // Each graph node's first degraded or failed tick ("id=t", or "id=never"),
    // for the page's render check.
    const firstUnhealthy = () => g.graphNodes.map((n) => {
      for (let i = 0; i < T.length; i++) { const hl = healthAt(n, i); if (hl === 'degraded' || hl === 'failed') return n.id + '=' + T[i]; }
      return n.id + '=never';
    });

    // When each service degraded: summary.propagation (the analysis' verdict).
    const PROP = arr(S.propagation).map(obj).filter((p) => p.service);
    const propByService = new Map(PROP.map((p) => [str(p.service), p]));
    const propMax = Math.max(1, ...PROP.map((p) => num(p.after_fault_s) ?? 0));
    function degradedColour(id) {
      const p = propByService.get(id);
      if (!p) return NEVER_COLOUR;
      return scaleColour((num(p.after_fault_s) ?? 0) / propMax);
    }

    return Object.assign({}, g, {
      S, TS, T, EV, TH, SER, seriesOf, valAt, colourOf,
      topo: obj(S.topology), phases, verdict: obj(S.verdict), exp: obj(S.experiment),
      FAULTS, X0, X1, firstFault, PHASES, phaseAt, activeFaults,
      baselineOf, healthAt, firstUnhealthy, PROP, propByService, propMax, degradedColour,
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
      ['Max amplification', fmtX(num(verdict.max_amplification)), isNum(verdict.max_amplification) ? (verdict.max_amplification >= 3 ? 'bad' : verdict.max_amplification >= 1.5 ? 'warn' : 'ok') : 'na'],
      ['Faults', faults.length ? faults.length + (firstFault !== null ? ' from ' + fmtT(firstFault) : '') : 'none', 'na'],
    ];
    return { badge, headline, cards };
  }

  return {
    DASH, ARROW, TIMES, ELLIPSIS,
    isNum, num, obj, arr, str, clamp,
    fmtNum, fmtSec, fmtBytes, fmtUnit, axisLabel, fmtT, fmtX, fmtPct, truncate,
    niceStep, linTicks, bisect, yAxis, edgeWidth, ampTone,
    PALETTE, LOAD_COLOURS, colourPicker, HEALTH_COLOUR, NEVER_COLOUR, LOAD_FILL, scaleColour, inkOn,
    topologyGraph, short, classify, seriesList, layout, faultTargetsNode, faultTargetsEdge,
    faultList, phaseList, faultRows, hashTime, describeEvent,
    PLOTS, KIND_ORDER, linesFor,
    model, verdictView,
  };
});

// faultline report: everything on the page is drawn here, from the JSON in
// #fl-data, with SVG built through the DOM; what is computed rather than
// drawn (formatting, scales, colours, layout, health) is in report_lib.js,
// which runs before this as window.flReport. No library and no network: the
// page must open from a results folder copied anywhere, years later. Text
// from the data is only ever set with textContent, never parsed as HTML.
(function () {
  'use strict';
  const errors = window.__flErrors || (window.__flErrors = []);
  const NS = 'http://www.w3.org/2000/svg';
  const R = window.flReport;
  const {
    DASH, ARROW, isNum, num, obj, arr, str, clamp,
    fmtNum, fmtSec, fmtUnit, axisLabel, fmtT, fmtX, truncate,
    linTicks, bisect, yAxis, edgeWidth, ampTone, HEALTH_COLOUR, NEVER_COLOUR, LOAD_FILL, scaleColour, inkOn,
    short, faultTargetsNode, faultTargetsEdge, describeEvent, PLOTS, linesFor,
  } = R;

  // ---------------------------------------------------------------- helpers
  const $ = (id) => document.getElementById(id);

  function h(tag, attrs, children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of [].concat(children === undefined ? [] : children)) {
      if (c === null || c === undefined || c === false) continue;
      e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  function sv(tag, attrs, parent) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'style') Object.assign(e.style, v);
      else e.setAttribute(k, String(v));
    }
    if (parent) parent.appendChild(e);
    return e;
  }
  function svgTitle(parent, text) { sv('title', { text }, parent); }

  function debounce(fn, ms) { let id = 0; return () => { clearTimeout(id); id = setTimeout(fn, ms); }; }

  // Sections fail alone: an exception is shown where the section would be and
  // recorded for the render check, and the rest of the page still draws.
  function section(name, fn) {
    try { fn(); } catch (e) {
      errors.push(name + ': ' + (e && e.stack ? e.stack.split('\n').slice(0, 2).join(' ') : e));
      const box = $('fl-main');
      if (box) box.appendChild(h('div', { class: 'card error', text: 'Could not draw ' + name + ': ' + (e && e.message) }));
    }
  }

  // ------------------------------------------------------------------- data
  let D = {};
  try { D = JSON.parse($('fl-data').textContent || '{}'); } catch (e) { errors.push('data: ' + e.message); }
  const md = R.model(D);
  const {
    S, T, EV, TH, SER, phases, verdict, exp, services, loads, edges, graphNodes, nodeById, canonName, valAt, colourOf,
    FAULTS, X0, X1, firstFault, PHASES, phaseAt, activeFaults, baselineOf, healthAt, PROP, propByService, propMax,
    degradedColour, TS,
  } = md;

  // ------------------------------------------------------------ page state
  const state = { mode: 'static', tick: Math.max(0, T.length - 1), playing: 0 };
  const listeners = []; // redraws that follow the time cursor
  function setTick(i, mode) {
    state.tick = clamp(i, 0, Math.max(0, T.length - 1));
    if (mode) state.mode = mode;
    listeners.forEach((fn) => { try { fn(); } catch (e) { errors.push('update: ' + e.message); } });
  }

  // ---------------------------------------------------------------- tooltip
  const tip = $('fl-tip');
  function showTip(ev, content) {
    tip.textContent = '';
    tip.appendChild(content);
    tip.hidden = false;
    const w = tip.offsetWidth, hgt = tip.offsetHeight;
    let x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + w > window.innerWidth - 8) x = ev.clientX - w - 14;
    if (y + hgt > window.innerHeight - 8) y = ev.clientY - hgt - 14;
    tip.style.left = Math.max(4, x) + 'px';
    tip.style.top = Math.max(4, y) + 'px';
  }
  function hideTip() { tip.hidden = true; }
  function tipRows(title, rows) {
    return h('div', {}, [h('div', { class: 'tip-title', text: title }),
      ...rows.map(([colour, label, value, dash]) => h('div', { class: 'tip-row' }, [
        colour ? h('span', { class: 'sw' + (dash ? ' dashed' : ''), style: 'background:' + colour + ';border-color:' + colour }) : null,
        h('span', { class: 'tip-label', text: label }), h('span', { class: 'tip-val', text: value })]))]);
  }

  // ----------------------------------------------------------------- header
  function drawHeader() {
    const hd = $('fl-header');
    const name = str(exp.name) || 'experiment';
    document.title = 'faultline \u00b7 ' + name;
    const meta = [];
    if (exp.file) meta.push(str(exp.file));
    if (exp.variant !== undefined && exp.variant !== null && exp.variant !== '') meta.push('variant ' + str(exp.variant));
    if (isNum(exp.repeat)) meta.push('repeat ' + exp.repeat);
    if (exp.seed !== undefined && exp.seed !== null) meta.push('seed ' + str(exp.seed));
    const ver = obj(S.faultline).version;
    hd.appendChild(h('div', { class: 'hd-inner' }, [
      h('div', { class: 'brand' }, [h('span', { class: 'logo', 'aria-hidden': 'true' }), 'faultline', ver ? h('span', { class: 'ver', text: 'v' + str(ver) }) : null]),
      h('h1', { text: name }),
      h('div', { class: 'meta', text: meta.join('  \u00b7  ') }),
    ]));
  }

  // ---------------------------------------------------------------- verdict
  function drawVerdict(main) {
    const { badge, headline, cards } = R.verdictView(S, FAULTS, firstFault);
    main.appendChild(h('section', { class: 'card hero', id: 'verdict' }, [
      h('div', { class: 'hero-top' }, [h('span', { class: 'badge big b-' + badge[1], text: badge[0] }), h('p', { class: 'headline', text: headline })]),
      h('div', { class: 'kpis' }, cards.map(([k, v, t]) => h('div', { class: 'kpi k-' + t }, [h('div', { class: 'kpi-k', text: k }), h('div', { class: 'kpi-v', text: v })]))),
    ]));
  }

  // --------------------------------------------------------------- topology
  const graph = { nodes: new Map(), edges: [] };
  function drawTopology(main) {
    const card = h('section', { class: 'card', id: 'topology' }, [
      h('div', { class: 'card-head' }, [h('h2', { text: 'Topology and how the failure travelled' }),
        h('div', { class: 'seg', role: 'group' }, [
          h('button', { type: 'button', 'data-mode': 'static', text: 'when degraded', onclick: () => setTick(state.tick, 'static') }),
          h('button', { type: 'button', 'data-mode': 'time', text: 'health at time', onclick: () => setTick(state.tick, 'time') })])]),
      h('div', { class: 'graph-wrap', id: 'graph' }),
      h('div', { class: 'timectl' }, [
        h('button', { type: 'button', class: 'play', id: 'fl-play', 'aria-label': 'play', text: '\u25b6', onclick: togglePlay }),
        h('input', { type: 'range', id: 'fl-slider', min: 0, max: Math.max(0, T.length - 1), value: state.tick, step: 1, 'aria-label': 'time',
          oninput: (e) => { stopPlay(); setTick(+e.target.value, 'time'); } }),
        h('span', { class: 'tlabel', id: 'fl-tlabel' })]),
      h('div', { class: 'legend', id: 'graph-legend' }),
    ]);
    main.appendChild(card);
    if (!T.length) { $('fl-slider').disabled = true; $('fl-play').disabled = true; }
    renderGraph();
    listeners.push(updateGraph);
  }

  function renderGraph() {
    const box = $('graph');
    box.textContent = '';
    graph.nodes.clear();
    graph.edges = [];
    if (!graphNodes.length) { box.appendChild(h('p', { class: 'empty', text: 'summary.json has no topology to draw.' })); return; }
    const L = R.layout(md);
    const nL = L.cols.length, rows = Math.max(...L.cols.map((c) => c.length));
    const W = Math.max(box.clientWidth || 900, nL * 150);
    const colW = W / nL, nodeW = clamp(colW * 0.62, 110, 176), nodeH = 48, rowH = 78;
    const backRoom = L.back.size || edges.some((e) => e.caller === e.callee) ? 46 : 0;
    const H = rows * rowH + 24 + backRoom;
    const svg = sv('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'graph', role: 'img', 'aria-label': 'dependency graph' }, box);
    const defs = sv('defs', {}, svg);
    for (const [id, cls] of [['fl-arrow', 'arrow'], ['fl-arrow-hot', 'arrow hot']]) {
      const mk = sv('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 11, markerHeight: 11, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' }, defs);
      sv('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }, mk);
    }
    const P = new Map();
    L.cols.forEach((c, Li) => c.forEach((id, k) => {
      const top = 12 + (rows - c.length) * rowH / 2;
      P.set(id, { x: colW * (Li + 0.5), y: top + rowH * (k + 0.5) });
    }));
    const gE = sv('g', { class: 'edges' }, svg), gN = sv('g', { class: 'nodes' }, svg);
    // The propagation path: an edge the failure was recorded to travel along.
    const viaEdge = new Set();
    for (const p of PROP) if (p.via) { viaEdge.add(L.key(str(p.service), str(p.via))); viaEdge.add(L.key(str(p.via), str(p.service))); }
    const amp = new Map(arr(S.amplification).map(obj).map((a) => [L.key(canonName(str(a.caller)), str(a.callee)), a]));
    for (const e of edges) {
      const a = P.get(e.caller), b = P.get(e.callee);
      if (!a || !b) continue;
      let d, mid;
      if (e.caller === e.callee) {
        d = `M${a.x + nodeW / 2 - 14},${a.y - nodeH / 2} c 30,-34 48,8 14,${nodeH / 2 + 6}`;
        mid = { x: a.x + nodeW / 2 + 16, y: a.y - nodeH / 2 - 8 };
      } else if (b.x > a.x) {
        const x1 = a.x + nodeW / 2, x2 = b.x - nodeW / 2 - 2, dx = (x2 - x1) / 2;
        d = `M${x1},${a.y} C${x1 + dx},${a.y} ${x2 - dx},${b.y} ${x2},${b.y}`;
        mid = { x: (x1 + x2) / 2, y: (a.y + b.y) / 2 };
      } else { // a call back to an earlier column: an arc under the nodes
        const y0 = H - backRoom + 6, y1 = a.y + nodeH / 2, y2 = b.y + nodeH / 2 + 2;
        d = `M${a.x},${y1} C${a.x},${y0 + 30} ${b.x},${y0 + 30} ${b.x},${y2}`;
        mid = { x: (a.x + b.x) / 2, y: (y1 + 6 * (y0 + 30) + y2) / 8 }; // the curve at t = 1/2
      }
      const hot = viaEdge.has(L.key(e.caller, e.callee));
      const am = amp.get(L.key(e.caller, e.callee));
      const width = edgeWidth(am ? am.during_fault : null);
      const g = sv('g', { class: 'gedge' + (hot ? ' hot' : '') }, gE);
      const path = sv('path', { d, class: 'edge', 'marker-end': hot ? 'url(#fl-arrow-hot)' : 'url(#fl-arrow)', style: { strokeWidth: width + 'px' } }, g);
      svgTitle(g, short(e.caller) + ' ' + ARROW + ' ' + short(e.callee) + (am ? '  amplification ' + fmtX(num(am.during_fault)) + ' during the fault, peak ' + fmtX(num(am.peak)) : ''));
      // The edge's label: its amplification, or in time mode its attempts then.
      const lg = sv('g', { class: 'elabel', transform: `translate(${mid.x},${mid.y})` }, g);
      const label = { g: lg, pill: sv('rect', { y: -9, height: 18, rx: 9 }, lg), text: sv('text', { x: 0, y: 4, 'text-anchor': 'middle' }, lg) };
      graph.edges.push({ e, path, g, label, am, mid });
    }
    for (const n of graphNodes) {
      const p = P.get(n.id);
      const g = sv('g', { class: 'gnode ' + n.kind, transform: `translate(${p.x - nodeW / 2},${p.y - nodeH / 2})`, tabindex: 0 }, gN);
      const rect = sv('rect', { width: nodeW, height: nodeH, rx: n.kind === 'load' ? nodeH / 2 : 10 }, g);
      const maxChars = Math.floor((nodeW - 20) / 7.4);
      const name = sv('text', { x: nodeW / 2, y: 20, 'text-anchor': 'middle', class: 'nname', text: truncate(n.name, maxChars) }, g);
      const sub = sv('text', { x: nodeW / 2, y: 36, 'text-anchor': 'middle', class: 'nsub' }, g);
      const badges = [];
      FAULTS.filter((f) => faultTargetsNode(f, n)).forEach((f, k) => {
        const bg = sv('g', { class: 'fbadge', transform: `translate(${nodeW - 8 - k * 26},-6)` }, g);
        sv('rect', { x: -13, y: -8, width: 26, height: 16, rx: 8 }, bg);
        sv('text', { x: 0, y: 4, 'text-anchor': 'middle', text: 'F' + f.idx }, bg);
        svgTitle(bg, 'fault ' + f.idx + ': ' + f.target + ' ' + f.what + ' (' + fmtT(f.a) + ' to ' + fmtT(f.b) + ')');
        badges.push({ f, bg });
      });
      g.addEventListener('pointerenter', (ev) => showTip(ev, nodeTip(n)));
      g.addEventListener('pointermove', (ev) => showTip(ev, nodeTip(n)));
      g.addEventListener('pointerleave', hideTip);
      graph.nodes.set(n.id, { n, g, rect, name, sub, badges });
    }
    // A fault on the link under a call: the edge is drawn dotted, with the fault's tag.
    for (const ge of graph.edges) {
      const f = FAULTS.find((x) => faultTargetsEdge(x, ge.e, nodeById));
      if (!f) continue;
      ge.fault = f;
      ge.g.classList.add('faulted');
      const bg = sv('g', { class: 'fbadge', transform: `translate(${ge.mid.x},${ge.mid.y - 18})` }, ge.g);
      sv('rect', { x: -13, y: -8, width: 26, height: 16, rx: 8 }, bg);
      sv('text', { x: 0, y: 4, 'text-anchor': 'middle', text: 'F' + f.idx }, bg);
      ge.badge = bg;
    }
    updateGraph();
  }

  function nodeTip(n) {
    const rows = [];
    const p = propByService.get(n.id), b = baselineOf(n), i = state.tick;
    if (n.kind === 'service') {
      rows.push([null, 'node', n.node + (n.port ? ':' + n.port : ''), false]);
      rows.push([null, 'degraded', p ? '+' + fmtT(num(p.after_fault_s)) + ' after the first fault' : 'never', false]);
      if (p && p.via) rows.push([null, 'reached via', str(p.via) + ' (' + (num(p.hops) ?? DASH) + ' hops)', false]);
      rows.push([null, 'baseline goodput', fmtUnit(b.goodput, 'req/s') + (b.measured ? ' (measured here)' : ''), false]);
      rows.push([null, 'baseline p99 / SLO', fmtSec(b.p99) + ' / ' + fmtSec(b.slo), false]);
    } else {
      rows.push([null, 'load generator on', n.node, false]);
    }
    if (T.length) {
      const hl = healthAt(n, i);
      rows.push([HEALTH_COLOUR[hl], 'at ' + fmtT(T[i]), hl, false]);
      rows.push([null, 'goodput', fmtUnit(valAt('goodput_rps', n.id, i), 'req/s'), false]);
      if (n.kind === 'load') rows.push([null, 'offered', fmtUnit(valAt('offered_rps', n.id, i), 'req/s'), false]);
      rows.push([null, 'p99', fmtSec(valAt('p99_s', n.id, i)), false]);
      rows.push([null, 'errors', fmtUnit(valAt('errors_rps', n.id, i), 'req/s'), false]);
    }
    return tipRows(n.kind === 'load' ? n.name + ' (load generator)' : n.name, rows);
  }

  function updateGraph() {
    const i = state.tick, t = T.length ? T[i] : null, timeMode = state.mode === 'time' && T.length > 0;
    document.querySelectorAll('.seg button').forEach((b) => b.classList.toggle('on', b.dataset.mode === (timeMode ? 'time' : 'static')));
    for (const { n, rect, sub, badges } of graph.nodes.values()) {
      let fill, text;
      if (timeMode) {
        const hl = healthAt(n, i);
        fill = HEALTH_COLOUR[hl];
        const gp = valAt('goodput_rps', n.id, i);
        text = hl + (gp !== null ? ' \u00b7 ' + fmtNum(gp) + ' rps' : '');
      } else if (n.kind === 'load') {
        fill = LOAD_FILL;
        const off = obj(obj(S.baselines)[n.id]).goodput_rps;
        text = 'load generator' + (isNum(off) ? ' \u00b7 ' + fmtNum(off) + ' rps' : '');
      } else {
        fill = Array.isArray(S.propagation) ? degradedColour(n.id) : HEALTH_COLOUR.unknown;
        const p = propByService.get(n.id);
        text = p ? (num(p.hops) === 0 ? 'first \u00b7 ' : '') + '+' + fmtT(num(p.after_fault_s)) : Array.isArray(S.propagation) ? 'not degraded' : 'no data';
      }
      rect.style.fill = fill;
      rect.parentNode.style.setProperty('--ink-on', inkOn(fill));
      sub.textContent = text;
      badges.forEach(({ f, bg }) => bg.classList.toggle('off', timeMode && !(t >= f.a && t < f.b)));
    }
    for (const ge of graph.edges) {
      if (ge.fault) {
        const on = !timeMode || (t >= ge.fault.a && t < ge.fault.b);
        ge.g.classList.toggle('fault-on', on);
        ge.badge.classList.toggle('off', !on);
      }
      let text = ge.am && isNum(ge.am.during_fault) ? fmtX(ge.am.during_fault) : '';
      if (timeMode) {
        const rate = valAt('attempts_rps', 'edge:' + ge.e.caller + '->' + ge.e.callee, i);
        if (rate !== null) text = fmtNum(rate) + '/s';
      }
      ge.label.g.style.display = text ? '' : 'none';
      if (ge.label.text.textContent !== text) {
        ge.label.text.textContent = text;
        const w = text.length * 6.6 + 12;
        ge.label.pill.setAttribute('x', -w / 2);
        ge.label.pill.setAttribute('width', w);
      }
    }
    const lab = $('fl-tlabel');
    if (lab) {
      if (!T.length) lab.textContent = 'no time series recorded';
      else {
        const af = activeFaults(t);
        lab.textContent = 't = ' + fmtT(t) + (firstFault !== null ? '  (' + (t >= firstFault ? '+' : '') + fmtT(t - firstFault) + ' from the first fault)' : '') +
          (phaseAt(t) ? '  \u00b7  ' + phaseAt(t) : '') + (af.length ? '  \u00b7  active: ' + af.map((f) => 'F' + f.idx).join(', ') : '');
      }
    }
    const sl = $('fl-slider');
    if (sl && +sl.value !== i) sl.value = i;
    drawGraphLegend(timeMode);
  }

  function drawGraphLegend(timeMode) {
    const lg = $('graph-legend');
    if (!lg || lg.dataset.mode === String(timeMode)) return;
    lg.dataset.mode = String(timeMode);
    lg.textContent = '';
    const item = (colour, text) => h('span', { class: 'li' }, [h('span', { class: 'sw', style: 'background:' + colour }), text]);
    if (timeMode) {
      ['healthy', 'degraded', 'failed', 'unknown'].forEach((k) => lg.appendChild(item(HEALTH_COLOUR[k], k)));
      lg.appendChild(h('span', { class: 'li note', text: 'degraded: goodput < ' + Math.round(TH.degraded * 100) + '% of baseline or p99 > SLO; failed: goodput < ' + Math.round(TH.failed * 100) + '%' }));
    } else {
      if (PROP.length) {
        const stops = [0, 0.25, 0.5, 0.75, 1].map((f) => scaleColour(f) + ' ' + f * 100 + '%').join(',');
        lg.appendChild(h('span', { class: 'li' }, [h('span', { class: 'ramp-l', text: 'degraded at +0 s' }),
          h('span', { class: 'ramp', style: 'background:linear-gradient(90deg,' + stops + ')' }),
          h('span', { class: 'ramp-l', text: '+' + fmtT(propMax) + ' after the first fault' })]));
      }
      if (Array.isArray(S.propagation)) lg.appendChild(item(NEVER_COLOUR, 'never degraded'));
      else lg.appendChild(item(HEALTH_COLOUR.unknown, 'no propagation recorded'));
      if (loads.length) lg.appendChild(item(LOAD_FILL, 'load generator'));
      if (graph.edges.some((ge) => ge.g.classList.contains('hot'))) lg.appendChild(h('span', { class: 'li' }, [h('span', { class: 'sw line hot' }), 'path the failure took']));
    }
    if (graph.edges.some((ge) => ge.fault)) lg.appendChild(h('span', { class: 'li' }, [h('span', { class: 'sw line faulted' }), 'link under a fault']));
    if (FAULTS.length) lg.appendChild(h('span', { class: 'li' }, [h('span', { class: 'fchip', text: 'F' + FAULTS[0].idx }), 'fault target']));
  }

  function stopPlay() {
    if (state.playing) { clearInterval(state.playing); state.playing = 0; }
    const b = $('fl-play');
    if (b) { b.textContent = '\u25b6'; b.setAttribute('aria-label', 'play'); }
  }
  function togglePlay() {
    if (state.playing) { stopPlay(); return; }
    if (!T.length) return;
    if (state.tick >= T.length - 1 || state.mode !== 'time') state.tick = 0;
    const b = $('fl-play');
    b.textContent = '\u275a\u275a';
    b.setAttribute('aria-label', 'pause');
    const step = Math.max(1, Math.round(T.length / 300));
    setTick(state.tick, 'time');
    state.playing = setInterval(() => {
      if (state.tick >= T.length - 1) { stopPlay(); return; }
      setTick(state.tick + step, 'time');
    }, 80);
  }

  // ------------------------------------------------------------------ plots
  const plotState = [];
  function drawPlots(main) {
    const card = h('section', { class: 'card', id: 'plots' }, [
      h('div', { class: 'card-head' }, [h('h2', { text: 'Time series' }),
        h('span', { class: 'hint', text: 'hover for values \u00b7 click a plot to move the graph\u2019s time \u00b7 click a legend entry to hide a line' })]),
      h('div', { id: 'timeline' }),
      h('div', { class: 'plots', id: 'plot-grid' })]);
    main.appendChild(card);
    renderPlots();
    listeners.push(() => plotState.forEach((p) => p.cursor()));
  }
  function renderPlots() {
    const grid = $('plot-grid');
    grid.textContent = '';
    plotState.length = 0;
    // Every panel is in the grid before any is measured: the grid's columns
    // depend on how many panels there are.
    const todo = [];
    for (const def of PLOTS) {
      const lines = linesFor(def, SER, services);
      if (!def.core && !lines.length) continue;
      const panel = h('div', { class: 'plot', 'data-metric': def.ms[0] }, [
        h('div', { class: 'plot-head' }, [h('h3', { text: def.title }), h('span', { class: 'unit', text: def.unit === 'B' ? 'bytes' : def.unit })]),
        h('div', { class: 'plot-note', text: def.note })]);
      grid.appendChild(panel);
      todo.push([def, lines, panel]);
    }
    for (const [def, lines, panel] of todo) plotState.push(drawPlot(def, lines, panel));
    renderTimeline();
  }

  const M = { l: 58, r: 14, t: 20, b: 26 };
  function xScale(W) { return (t) => M.l + (t - X0) / (X1 - X0) * (W - M.l - M.r); }

  function drawPlot(def, lines, panel) {
    const W = Math.max(300, panel.clientWidth - 2), H = 210;
    const x = xScale(W);
    const svg = sv('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': def.title }, panel);
    const legend = h('div', { class: 'plot-legend' });
    panel.appendChild(legend);
    if (!lines.length) {
      sv('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty', text: 'no samples of ' + def.ms.join(', ') }, svg);
      return { cursor: () => {} };
    }
    // y: linear from 0, or logarithmic when a latency spans more than 30x.
    const y0 = H - M.b, y1 = M.t;
    const { y, ticks: yt, log: useLog } = yAxis(lines, def.log, y0, y1);
    const gGrid = sv('g', { class: 'axis' }, svg);
    for (const v of yt) {
      sv('line', { x1: M.l, x2: W - M.r, y1: y(v), y2: y(v), class: 'gridline' }, gGrid);
      sv('text', { x: M.l - 6, y: y(v) + 3.5, 'text-anchor': 'end', text: axisLabel(v, def.unit) }, gGrid);
    }
    const xt = linTicks(X0, X1, Math.max(3, Math.floor((W - M.l - M.r) / 80)));
    for (const v of xt) {
      sv('line', { x1: x(v), x2: x(v), y1: y0, y2: y0 + 4, class: 'tick' }, gGrid);
      sv('text', { x: x(v), y: y0 + 16, 'text-anchor': 'middle', text: fmtT(v) }, gGrid);
    }
    sv('line', { x1: M.l, x2: W - M.r, y1: y0, y2: y0, class: 'baseline-axis' }, gGrid);
    if (useLog) sv('text', { x: W - M.r, y: M.t - 6, 'text-anchor': 'end', class: 'scale-note', text: 'log scale' }, gGrid);
    // Phases and faults behind the lines.
    const gBack = sv('g', { class: 'bands' }, svg);
    const bl = PHASES.find((p) => p.name === 'baseline');
    if (bl) {
      sv('rect', { x: x(bl.a), y: y1, width: Math.max(0, x(bl.b) - x(bl.a)), height: y0 - y1, class: 'band-baseline' }, gBack);
      sv('text', { x: x(bl.a) + 4, y: y0 - 5, class: 'band-label', text: 'baseline' }, gBack);
    }
    for (const p of PHASES) if (p.a > X0 && p.name !== 'faults') sv('line', { x1: x(p.a), x2: x(p.a), y1: y1, y2: y0, class: 'phase-line' }, gBack);
    // Fault labels above the plot: the description while there is room before
    // the next fault's label, just "F<n>" when faults crowd each other.
    let labelEnd = -Infinity;
    FAULTS.forEach((f, k) => {
      const g = sv('g', { class: 'fault' }, gBack);
      sv('rect', { x: x(f.a), y: y1, width: Math.max(1.5, x(f.b) - x(f.a)), height: y0 - y1, class: 'band-fault' }, g);
      const lx = Math.max(x(f.a) + 3, labelEnd + 6);
      const next = k + 1 < FAULTS.length ? x(FAULTS[k + 1].a) : W - M.r;
      const tag = 'F' + f.idx, room = Math.floor((Math.max(next, x(f.b)) - lx) / 6.2) - tag.length - 1;
      const text = room >= 6 ? tag + ' ' + truncate(f.target + ' ' + f.what, room) : tag;
      if (lx < W - M.r - 10) {
        sv('text', { x: lx, y: y1 - 5, class: 'fault-label', text }, g);
        labelEnd = lx + text.length * 6.2;
      }
      svgTitle(g, 'fault ' + f.idx + ': ' + f.target + ' ' + f.what + '  ' + fmtT(f.a) + ' to ' + (f.open ? 'the end (not reverted)' : fmtT(f.b)));
    });
    // The lines: a gap where a tick has no value.
    const gLines = sv('g', { class: 'lines' }, svg);
    const items = lines.map((l) => {
      const colour = colourOf(l.id, l.kind), dashed = l.kind === 'load' || l.kind === 'system' || l.kind === 'host';
      let d = '', pen = false, single = [];
      l.v.forEach((v, i) => {
        if (v === null || !isNum(T[i])) { pen = false; return; }
        const px = x(T[i]).toFixed(1), py = y(useLog ? Math.max(v, 1e-12) : v).toFixed(1);
        const prevNull = !pen, nextNull = i + 1 >= l.v.length || l.v[i + 1] === null;
        d += (pen ? 'L' : 'M') + px + ',' + py;
        if (prevNull && nextNull) single.push([px, py]);
        pen = true;
      });
      const path = sv('path', { d, class: 'line' + (dashed ? ' dashed' : ''), style: { stroke: colour } }, gLines);
      single.forEach(([px, py]) => sv('circle', { cx: px, cy: py, r: 2.2, class: 'pt', style: { fill: colour } }, gLines));
      const dot = sv('circle', { r: 3.6, class: 'hover-dot', style: { fill: colour }, visibility: 'hidden' }, gLines);
      return { l, colour, dashed, path, dot, hidden: false };
    });
    // Legend: hover highlights a line, click hides it.
    for (const it of items) {
      const li = h('button', { type: 'button', class: 'li', title: it.l.m }, [h('span', { class: 'sw line' + (it.dashed ? ' dashed' : ''), style: 'border-color:' + it.colour }), it.l.label]);
      li.addEventListener('pointerenter', () => highlight(it));
      li.addEventListener('pointerleave', () => highlight(null));
      li.addEventListener('click', () => { it.hidden = !it.hidden; li.classList.toggle('off', it.hidden); it.path.style.display = it.hidden ? 'none' : ''; });
      legend.appendChild(li);
    }
    function highlight(it) {
      svg.classList.toggle('dim', !!it);
      items.forEach((o) => o.path.classList.toggle('hl', o === it));
    }
    const cursor = sv('line', { y1: y1, y2: y0, class: 'cursor', visibility: 'hidden' }, svg);
    const hoverLine = sv('line', { y1: y1, y2: y0, class: 'hover-line', visibility: 'hidden' }, svg);
    const overlay = sv('rect', { x: M.l, y: y1, width: W - M.l - M.r, height: y0 - y1, class: 'overlay' }, svg);
    const tx = (clientX) => X0 + (clientX - svg.getBoundingClientRect().left - M.l) / (W - M.l - M.r) * (X1 - X0);
    overlay.addEventListener('pointermove', (ev) => {
      const i = bisect(T, tx(ev.clientX));
      if (i < 0) return;
      const cx = x(T[i]);
      hoverLine.setAttribute('x1', cx); hoverLine.setAttribute('x2', cx); hoverLine.setAttribute('visibility', 'visible');
      const my = ev.clientY - svg.getBoundingClientRect().top;
      let near = null, best = Infinity;
      const rows = [];
      for (const it of items) {
        const v = it.l.v[i];
        if (it.hidden || v === null || v === undefined) { it.dot.setAttribute('visibility', 'hidden'); continue; }
        const py = y(useLog ? Math.max(v, 1e-12) : v);
        it.dot.setAttribute('cx', cx); it.dot.setAttribute('cy', py); it.dot.setAttribute('visibility', 'visible');
        if (Math.abs(py - my) < best) { best = Math.abs(py - my); near = it; }
        rows.push([it.colour, it.l.label, fmtUnit(v, def.unit === 'requests' ? '' : def.unit), it.dashed, v]);
      }
      highlight(best < 24 ? near : null);
      rows.sort((a, b) => b[4] - a[4]);
      const af = activeFaults(T[i]);
      const title = def.title + ' at ' + fmtT(T[i]) + (phaseAt(T[i]) ? ' \u00b7 ' + phaseAt(T[i]) : '') + (af.length ? ' \u00b7 ' + af.map((f) => 'F' + f.idx).join(', ') + ' active' : '');
      showTip(ev, tipRows(title, rows.length ? rows : [[null, 'no value at this tick', '', false]]));
    });
    overlay.addEventListener('pointerleave', () => {
      hideTip(); highlight(null);
      hoverLine.setAttribute('visibility', 'hidden');
      items.forEach((it) => it.dot.setAttribute('visibility', 'hidden'));
    });
    overlay.addEventListener('click', (ev) => { const i = bisect(T, tx(ev.clientX)); if (i >= 0) { stopPlay(); setTick(i, 'time'); } });
    function moveCursor() {
      const on = state.mode === 'time' && T.length;
      cursor.setAttribute('visibility', on ? 'visible' : 'hidden');
      if (on) { const cx = x(T[state.tick]); cursor.setAttribute('x1', cx); cursor.setAttribute('x2', cx); }
    }
    moveCursor();
    return { cursor: moveCursor };
  }

  // A strip above the plots: phases, every fault with its label, and events.
  function renderTimeline() {
    const box = $('timeline');
    box.textContent = '';
    const W = Math.max(300, box.clientWidth || 900);
    const x = xScale(W);
    const rowsF = R.faultRows(FAULTS, (X1 - X0) * 0.12); // overlapping faults stack
    const marks = EV.filter((e) => isNum(e.t) && ['breaker', 'oom', 'exit', 'warning'].includes(e.kind));
    const H = 26 + rowsF.count * 22 + (marks.length ? 20 : 0) + 6;
    const svg = sv('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'timeline', role: 'img', 'aria-label': 'phases and faults' }, box);
    if (PHASES.length) sv('text', { x: M.l - 6, y: 16, 'text-anchor': 'end', class: 'tl-head', text: 'phases' }, svg);
    PHASES.forEach((p) => {
      const g = sv('g', { class: 'phase ph-' + p.name.replace(/[^a-z_-]/gi, '') }, svg);
      const w = Math.max(0, x(Math.min(p.b, X1)) - x(p.a));
      sv('rect', { x: x(p.a), y: 4, width: w, height: 16, rx: 3 }, g);
      if (w > 40) sv('text', { x: x(p.a) + 5, y: 16, text: truncate(p.name, Math.floor(w / 6.5)) }, g);
      svgTitle(g, p.name + ': ' + fmtT(p.a) + ' to ' + fmtT(p.b));
    });
    if (rowsF.count) sv('text', { x: M.l - 6, y: 26 + 15, 'text-anchor': 'end', class: 'tl-head', text: 'faults' }, svg);
    FAULTS.forEach((f, k) => {
      const g = sv('g', { class: 'tl-fault' }, svg), yy = 26 + rowsF.rows[k] * 22;
      const w = Math.max(3, x(f.b) - x(f.a));
      sv('rect', { x: x(f.a), y: yy + 2, width: w, height: 17, rx: 3 }, g);
      // The label inside the bar when it fits, else after it (or before it,
      // near the right edge).
      const label = 'F' + f.idx + '  ' + f.target + '  ' + f.what + (f.open ? '  (not reverted)' : '');
      const inside = Math.floor((w - 10) / 6.4);
      const after = Math.floor((W - M.r - (x(f.a) + w + 5)) / 6.4), before = Math.floor((x(f.a) - 5 - M.l) / 6.4);
      const outside = Math.max(after, before);
      if (inside >= label.length || inside >= outside) sv('text', { x: x(f.a) + 5, y: yy + 14.5, text: truncate(label, inside) }, g);
      else {
        const right = after >= Math.min(label.length, before);
        sv('text', { x: right ? x(f.a) + w + 5 : x(f.a) - 5, y: yy + 14.5, class: 'outside', 'text-anchor': right ? 'start' : 'end',
          text: truncate(label, right ? after : before) }, g);
      }
      svgTitle(g, 'fault ' + f.idx + ': ' + f.target + ' ' + f.what + '  ' + fmtT(f.a) + ' to ' + fmtT(f.b));
    });
    if (marks.length) {
      const yy = 26 + rowsF.count * 22 + 4;
      sv('text', { x: M.l - 6, y: yy + 11, 'text-anchor': 'end', class: 'tl-head', text: 'events' }, svg);
      for (const e of marks) {
        const g = sv('g', { class: 'ev ev-' + e.kind + (e.kind === 'breaker' ? ' to-' + str(e.to) : '') }, svg);
        sv('path', { d: `M${x(e.t)},${yy + 2} l5,12 l-10,0 z` }, g);
        svgTitle(g, fmtT(e.t) + '  ' + describeEvent(e));
      }
    }
    if (!PHASES.length && !FAULTS.length && !marks.length) sv('text', { x: M.l, y: 16, class: 'tl-head', text: 'no phases, faults or events recorded' }, svg);
  }

  // ----------------------------------------------------- verdicts and tables
  function table(headers, rows, cls) {
    return h('table', { class: cls || '' }, [
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { text: x })))),
      h('tbody', {}, rows.map((r) => h('tr', { class: r.cls || '' }, r.cells.map((c) => (c instanceof Node ? h('td', {}, c) : h('td', { text: str(c) }))))))]);
  }
  const badge = (text, tone) => h('span', { class: 'badge b-' + tone, text });

  function drawExpectations(main) {
    const ex = arr(S.expectations).map(obj);
    const card = h('section', { class: 'card', id: 'expectations' }, [h('h2', { text: 'Expectations' })]);
    if (!ex.length) card.appendChild(h('p', { class: 'empty', text: 'This experiment declared no expectations.' }));
    else {
      const passedN = ex.filter((e) => e.passed === true).length;
      card.appendChild(h('p', { class: 'sub', text: passedN + ' of ' + ex.length + ' passed' }));
      card.appendChild(table(['expectation', 'measured', '', 'threshold', 'result', 'detail'], ex.map((e) => ({
        cls: e.passed === true ? 'row-ok' : e.passed === false ? 'row-bad' : '',
        cells: [h('span', { class: 'mono', text: str(e.name) || DASH }),
          isNum(e.measured) ? fmtNum(e.measured) + (e.unit ? ' ' + str(e.unit) : '') : e.measured === null || e.measured === undefined ? DASH : str(e.measured),
          str(e.op), isNum(e.threshold) ? fmtNum(e.threshold) + (e.unit ? ' ' + str(e.unit) : '') : str(e.threshold) || DASH,
          badge(e.passed === true ? 'pass' : e.passed === false ? 'fail' : 'n/a', e.passed === true ? 'ok' : e.passed === false ? 'bad' : 'na'),
          str(e.detail)],
      })), 'expect'));
    }
    main.appendChild(card);
  }

  function bar(values, max, width) { // a small inline bar: [value, class] pairs drawn over each other
    const svg = sv('svg', { width, height: 14, class: 'minibar', viewBox: `0 0 ${width} 14` });
    sv('rect', { x: 0, y: 3, width, height: 8, rx: 4, class: 'track' }, svg);
    for (const [v, cls] of values) if (isNum(v)) sv('rect', { x: 0, y: 3, width: clamp(v / max, 0, 1) * width, height: 8, rx: 4, class: cls }, svg);
    if (max > 1) sv('line', { x1: width / max, x2: width / max, y1: 0, y2: 14, class: 'one' }, svg);
    return svg;
  }
  function drawAmplification(parent) {
    const amp = arr(S.amplification).map(obj);
    const tiers = Object.entries(obj(S.tier_amplification)).filter(([, v]) => isNum(v)).sort((a, b) => +a[0] - +b[0]);
    const card = h('section', { class: 'card', id: 'amplification' }, [h('h2', { text: 'Amplification (attempts \u00f7 offered)' })]);
    if (!amp.length && !tiers.length) card.appendChild(h('p', { class: 'empty', text: 'No amplification was measured.' }));
    if (tiers.length) {
      const max = Math.max(1, ...tiers.map(([, v]) => v));
      const box = h('div', { class: 'tiers' });
      for (const [k, v] of tiers) box.appendChild(h('div', { class: 'tier' }, [h('span', { class: 'tier-k', text: 'tier ' + k }), bar([[v, 'fill t-' + ampTone(v)]], max, 220), h('span', { class: 'tier-v', text: fmtX(v) })]));
      card.appendChild(h('h3', { text: 'Per tier, during the faults' }));
      card.appendChild(box);
    }
    if (amp.length) {
      const max = Math.max(1, ...amp.flatMap((a) => [num(a.peak) ?? 0, num(a.during_fault) ?? 0]));
      card.appendChild(h('h3', { text: 'Per edge' }));
      card.appendChild(table(['edge', 'tier', 'during faults', 'peak', ''], amp.map((a) => ({
        cells: [short(canonName(str(a.caller))) + ' ' + ARROW + ' ' + str(a.callee), isNum(a.tier) ? a.tier : DASH,
          badge(fmtX(num(a.during_fault)), ampTone(num(a.during_fault))), fmtX(num(a.peak)),
          bar([[num(a.peak), 'fill peak'], [num(a.during_fault), 'fill t-' + ampTone(num(a.during_fault))]], max, 160)],
      }))));
      card.appendChild(h('p', { class: 'sub', text: 'Bar: solid = during the faults, light = peak tick; the tick mark is 1\u00d7 (no amplification).' }));
    }
    parent.appendChild(card);
  }

  function timelineDots(points, max, width) { // points: [t, cls, title]
    const svg = sv('svg', { width, height: 16, class: 'minitl', viewBox: `0 0 ${width} 16` });
    sv('line', { x1: 4, x2: width - 4, y1: 8, y2: 8, class: 'track' }, svg);
    for (const [t, cls, title] of points) {
      if (!isNum(t)) continue;
      const c = sv('circle', { cx: 4 + clamp(t / max, 0, 1) * (width - 8), cy: 8, r: 5, class: cls }, svg);
      svgTitle(c, title);
    }
    return svg;
  }
  function drawPropagation(parent) {
    const card = h('section', { class: 'card', id: 'propagation' }, [h('h2', { text: 'Propagation' })]);
    if (!PROP.length) card.appendChild(h('p', { class: 'empty', text: FAULTS.length ? 'No service degraded.' : 'No fault, no propagation.' }));
    else {
      const order = PROP.slice().sort((a, b) => (num(a.after_fault_s) ?? 1e18) - (num(b.after_fault_s) ?? 1e18));
      const speed = num(verdict.hops_per_s);
      card.appendChild(h('p', { class: 'sub', text: order.length + ' of ' + services.length + ' services degraded' + (speed !== null ? ', travelling at ' + +speed.toPrecision(3) + ' hops/s' : '') +
        (order.some((p) => p.same_tick === true) ? '. Within one tick (' + fmtT(num(phases.tick_s) ?? 1) + ') the order is not measured: nearest the fault first' : '') }));
      card.appendChild(table(['#', 'service', 'degraded after', 'via', 'hops', 'timeline, 0 to ' + fmtT(propMax)], order.map((p, k) => ({
        cells: [k + 1, h('span', { class: 'svc' }, [h('span', { class: 'dot', style: 'background:' + degradedColour(str(p.service)) }), str(p.service)]),
          '+' + fmtT(num(p.after_fault_s)) + (p.same_tick === true ? ' (same tick)' : ''), str(p.via) || (num(p.hops) === 0 ? 'first' : DASH), isNum(p.hops) ? p.hops : DASH,
          timelineDots([[num(p.after_fault_s), 'deg', 'degraded +' + fmtT(num(p.after_fault_s))]], propMax, 160)],
      }))));
    }
    const ctl = arr(S.controls).map(obj);
    card.appendChild(h('h3', { text: 'Controls: engaged vs reached' }));
    if (!ctl.length) card.appendChild(h('p', { class: 'empty', text: 'No resilience control (breaker, shedding, retry budget) was recorded.' }));
    else {
      const max = Math.max(1, ...ctl.flatMap((c) => [num(c.engaged_s) ?? 0, num(c.degraded_s) ?? 0]));
      card.appendChild(table(['service', 'control', 'reached', 'engaged', 'verdict', 'timeline, 0 to ' + fmtT(max)], ctl.map((c) => {
        const e = num(c.engaged_s), d = num(c.degraded_s);
        return {
          cls: c.outpaced === true ? 'row-bad' : '',
          cells: [str(c.service), str(c.control), d !== null ? '+' + fmtT(d) : 'not reached', e !== null ? '+' + fmtT(e) : 'never',
            c.outpaced === true ? badge('outpaced', 'bad') : c.outpaced === false ? badge('in time', 'ok') : badge('n/a', 'na'),
            timelineDots([[d, 'deg', 'reached +' + fmtT(d)], [e, 'eng', 'engaged +' + fmtT(e)]], max, 160)],
        };
      })));
      card.appendChild(h('p', { class: 'sub' }, [h('span', { class: 'dot deg' }), ' propagation reached the service  ', h('span', { class: 'dot eng' }), ' the control engaged (seconds after the first fault)']));
    }
    parent.appendChild(card);
  }

  function drawEvents(main) {
    const list = EV.slice().sort((a, b) => (num(a.t) ?? 0) - (num(b.t) ?? 0));
    const warnings = list.filter((e) => e.kind === 'warning');
    const card = h('section', { class: 'card', id: 'events' }, [h('h2', { text: 'Events' })]);
    warnings.forEach((w) => card.appendChild(h('div', { class: 'warn-box', text: (isNum(w.t) ? fmtT(w.t) + ': ' : '') + str(w.what) })));
    const CAP = 1000;
    const det = h('details', { open: list.length <= 40 ? true : null }, [h('summary', { text: list.length + ' events' + (list.length > CAP ? ' (first ' + CAP + ' shown)' : '') })]);
    if (list.length) det.appendChild(table(['t', 'kind', 'what'], list.slice(0, CAP).map((e) => ({ cls: 'ev-' + str(e.kind), cells: [fmtT(num(e.t)), str(e.kind), describeEvent(e)] })), 'events'));
    card.appendChild(det);
    main.appendChild(card);
  }

  function drawHost(main) {
    const host = obj(S.host);
    const rows = [];
    if (host.kernel) rows.push(['kernel', str(host.kernel)]);
    if (isNum(host.cpus)) rows.push(['CPUs', String(host.cpus)]);
    const cpu = [['estimated need', num(host.cpu_estimate_cores)], ['used, mean', num(host.cpu_used_mean_cores)], ['used, max', num(host.cpu_used_max_cores)]].filter(([, v]) => v !== null);
    if (cpu.length) rows.push(['CPU (cores)', cpu.map(([k, v]) => k + ' ' + +v.toPrecision(3)).join(' \u00b7 ')]);
    const be = Object.entries(obj(host.backends));
    if (be.length) rows.push(['backends', be.map(([k, v]) => k + ': ' + str(v)).join(' \u00b7 ')]);
    const ov = arr(exp.overrides);
    if (ov.length) rows.push(['overrides', ov.map(str).join('  ')]);
    const feats = Object.entries(obj(host.features));
    const card = h('section', { class: 'card', id: 'host' }, [h('h2', { text: 'Host and run' })]);
    if (isNum(host.cpus) && (num(host.cpu_used_max_cores) ?? 0) >= 0.9 * host.cpus)
      card.appendChild(h('div', { class: 'warn-box', text: 'The host\u2019s CPU was saturated during the run (max ' + fmtNum(host.cpu_used_max_cores) + ' of ' + host.cpus + ' cores): some degradation may come from the host, not the faults.' }));
    if (rows.length) card.appendChild(h('dl', { class: 'kv' }, rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])));
    if (feats.length) card.appendChild(h('div', { class: 'chips' }, feats.map(([k, v]) => h('span', { class: 'chip ' + (v === true ? 'on' : 'offc'), title: str(v), text: k }))));
    if (!rows.length && !feats.length) card.appendChild(h('p', { class: 'empty', text: 'No host information recorded.' }));
    const nT = T.length, nS = SER.length, skipped = num(TS.skipped) ?? 0;
    card.appendChild(h('p', { class: 'sub', text: nS + ' series over ' + nT + ' ticks' + (nT > 1 ? ' (' + fmtT(T[0]) + ' to ' + fmtT(T[nT - 1]) + ')' : '') + (skipped ? '; ' + skipped + ' unreadable rows of timeseries.csv skipped' : '') }));
    main.appendChild(card);
  }

  // ----------------------------------------------------------------- render
  const main = $('fl-main');
  section('header', drawHeader);
  section('verdict', () => drawVerdict(main));
  section('topology', () => drawTopology(main));
  section('time series', () => drawPlots(main));
  section('expectations', () => drawExpectations(main));
  const duo = h('div', { class: 'duo' });
  main.appendChild(duo);
  section('amplification', () => drawAmplification(duo));
  section('propagation', () => drawPropagation(duo));
  section('events', () => drawEvents(main));
  section('host', () => drawHost(main));
  main.appendChild(h('footer', { class: 'foot', text: 'faultline report \u00b7 self-contained: this file holds its data and needs no network' }));

  // report.html#t=27 opens with the graph at 27 s.
  function fromHash() {
    const t = R.hashTime(location.hash);
    if (t !== null && T.length) setTick(bisect(T, t), 'time');
  }
  section('time from the address', fromHash);
  window.addEventListener('hashchange', fromHash);

  let lastW = window.innerWidth;
  window.addEventListener('resize', debounce(() => {
    if (window.innerWidth === lastW) return;
    lastW = window.innerWidth;
    section('topology', renderGraph);
    section('time series', () => { renderPlots(); plotState.forEach((p) => p.cursor()); });
  }, 150));
  document.addEventListener('keydown', (e) => {
    if (e.target && /^(input|button|select|textarea)$/i.test(e.target.tagName)) return; // the slider steps by itself
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') { stopPlay(); setTick(state.tick + (e.key === 'ArrowRight' ? 1 : -1), 'time'); e.preventDefault(); }
    else if (e.key === ' ' && e.target === document.body) { togglePlay(); e.preventDefault(); }
  });

  // The render check, for tests and for anyone wondering whether the page
  // drew everything: counts of what was drawn, and every error seen.
  section('render check', () => {
    const rc = $('render-check');
    const plots = [...document.querySelectorAll('#plot-grid .plot')];
    const paths = plots.map((p) => p.dataset.metric + ':' + [...p.querySelectorAll('path.line')].filter((x) => (x.getAttribute('d') || '').includes('L')).length);
    const first = md.firstUnhealthy();
    rc.setAttribute('data-graph-nodes', String(document.querySelectorAll('#graph svg g.gnode').length));
    rc.setAttribute('data-graph-edges', String(document.querySelectorAll('#graph svg g.gedge').length));
    rc.setAttribute('data-plots', String(plots.length));
    rc.setAttribute('data-plot-paths', paths.join(';'));
    rc.setAttribute('data-first-unhealthy', first.join(';'));
    rc.setAttribute('data-expectations', String(document.querySelectorAll('#expectations tbody tr').length));
    rc.setAttribute('data-errors', errors.join(' | '));
    rc.setAttribute('data-ok', errors.length ? '0' : '1');
  });
})();

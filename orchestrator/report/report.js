// SPDX-License-Identifier: Apache-2.0
// faultline report: everything on the page is drawn here, from the JSON in
// #fl-data, with SVG built through the DOM; what is computed rather than
// drawn (formatting, scales, colours, layout, health) is in report_lib.js,
// which runs before this as window.flReport. No library and no network: the
// page must open from a results folder copied anywhere, years later. Text
// from the data is only ever set with textContent, never parsed as HTML.
(function () {
  'use strict';
  const errors = window.__flErrors || (window.__flErrors = []);
  // The live page (live.js) has this script draw again as the run's data
  // grows: the window's listeners of the drawing before go with it.
  if (window.__flDrawing) window.__flDrawing.abort();
  const drawing = window.__flDrawing = new AbortController();
  const untilRedrawn = { signal: drawing.signal };
  const NS = 'http://www.w3.org/2000/svg';
  const R = window.flReport;
  const {
    DASH, ARROW, isNum, num, obj, arr, str, clamp,
    fmtNum, fmtSec, fmtUnit, axisLabel, fmtT, fmtMs, fmtAfter, fmtClock, fmtX, fmtPct, truncate,
    linTicks, bisect, yAxis, edgeWidth, flowWidth, ampTone, HEALTH_COLOUR, HEALTH_STATES, NEVER_COLOUR, LOAD_FILL, scaleColour, inkOn,
    CAUSE_TONES, CAUSE_COLOUR, ampLabel, edgeKey,
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
    S, T, EV, SER, phases, verdict, exp, services, loads, edges, graphNodes, nodeById, valAt, colourOf,
    FAULTS, X0, X1, firstFault, PHASES, phaseAt, activeFaults, baselineOf, healthAt, callHealthAt, judged, HW,
    STEP, STEPS, timeOfStep, stepOf, tickAt, PROP, propByService, propMax, degradedColour, REPLAY, viaEdges, AMP, TRACES,
    resolution, TS, PRED, PRED_LOADS, flowAt, FLOW,
  } = md;

  // ------------------------------------------------------------ page state
  // The graph shows one of three things (mode): when each service degraded
  // (static), health at the slider's time (time), or the replay of the
  // onsets (replay). The slider moves in steps of the health window (the
  // tick without one).
  const state = { mode: 'static', step: STEPS, playing: 0 };
  const now = () => timeOfStep(state.step);
  const listeners = []; // redraws that follow the time cursor
  function setStep(k, mode) {
    state.step = clamp(Math.round(k), 0, STEPS);
    if (mode) { if (mode !== 'replay') stopReplay(); state.mode = mode; }
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
  const hotSet = new Set(); // the calls on the failure's recorded path
  const isHot = (ge) => hotSet.has(ge.key);
  const MODES = [['static', 'when degraded'], ['time', 'health at time'], ['replay', 'replay onsets']];
  function drawTopology(main) {
    const card = h('section', { class: 'card', id: 'topology' }, [
      h('div', { class: 'card-head' }, [h('h2', { text: 'Topology and how the failure travelled' }),
        h('div', { class: 'seg', role: 'group' }, MODES.map(([mode, text]) => h('button', {
          type: 'button', 'data-mode': mode, text,
          onclick: () => (mode === 'replay' ? startReplay() : (stopPlay(), setStep(state.step, mode))) })))]),
      h('div', { class: 'graph-wrap', id: 'graph' }),
      h('div', { class: 'timectl', id: 'fl-timectl' }, [
        h('button', { type: 'button', class: 'play', id: 'fl-play', 'aria-label': 'play', text: '\u25b6', onclick: togglePlay }),
        h('input', { type: 'range', id: 'fl-slider', min: 0, max: STEPS, value: state.step, step: 1, 'aria-label': 'time',
          oninput: (e) => { stopPlay(); setStep(+e.target.value, 'time'); } }),
        h('span', { class: 'tlabel', id: 'fl-tlabel' })]),
      h('div', { class: 'replayctl', id: 'fl-replayctl', hidden: true }, [
        h('button', { type: 'button', class: 'play', id: 'fl-replay', 'aria-label': 'replay the onsets', text: '\u25b6', onclick: startReplay }),
        h('span', { class: 'rclock', id: 'fl-replay-clock' }),
        h('span', { class: 'tlabel', id: 'fl-replay-note' })]),
      h('div', { class: 'legend', id: 'graph-legend' }),
    ]);
    main.appendChild(card);
    if (!T.length && HW === null) { $('fl-slider').disabled = true; $('fl-play').disabled = true; }
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
    // The propagation path: the calls the failure was recorded to come
    // through (via_edge); an older summary names only the callee (via).
    hotSet.clear();
    viaEdges.forEach((k) => hotSet.add(k));
    for (const p of PROP) if (p.via && !p.via_edge) hotSet.add(str(p.service) + '->' + str(p.via));
    const amp = new Map(AMP.map((a) => [a.key, a]));
    // The replay step that lit each via edge.
    const litBy = new Map();
    for (const st of REPLAY.steps) { const k = edgeKey(st.viaEdge, md.canonName); if (k && !litBy.has(k)) litBy.set(k, st); }
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
      const key = e.caller + '->' + e.callee;
      const hot = hotSet.has(key);
      const am = amp.get(key);
      const width = edgeWidth(am ? am.cumulative : null);
      const lit = litBy.get(key) || null;
      // The node pair under the call, for the flow view (none within a node).
      const na = (nodeById.get(e.caller) || {}).node, nb = (nodeById.get(e.callee) || {}).node;
      const wire = na && nb && na !== nb ? { a: na, b: nb, order: FLOW.get(na + '->' + nb) || FLOW.get(nb + '->' + na) || null } : null;
      const g = sv('g', { class: 'gedge' + (hot ? ' hot' : ''), 'data-edge': key, 'data-replay-group': lit ? lit.group : null }, gE);
      const path = sv('path', { d, class: 'edge', 'marker-end': hot ? 'url(#fl-arrow-hot)' : 'url(#fl-arrow)', style: { strokeWidth: width + 'px' } }, g);
      svgTitle(g, short(e.caller) + ' ' + ARROW + ' ' + short(e.callee) + (am ? '  amplification per hop ' + fmtX(am.perHop) + ' (peak ' + fmtX(am.perHopPeak) +
        '), cumulative ' + fmtX(am.cumulative) + ' (peak ' + fmtX(am.cumulativePeak) + ')' + (am.tier !== null ? ', tier ' + am.tier : '') : '') +
        (lit ? '  the failure reached ' + lit.service + ' through this call, +' + fmtMs(lit.after) : '') +
        (wire && wire.order ? '  on the wire (' + wire.a + ' ' + ARROW + ' ' + wire.b + '): #' + wire.order.rank + ' to go bad' +
          (wire.order.after !== null ? ', +' + fmtMs(wire.order.after) + ' after the first fault' : '') + ' (' + wire.order.what.join(', ') + ')' : ''));
      // The edge's label: its amplification, or in time mode its attempts then.
      const lg = sv('g', { class: 'elabel', transform: `translate(${mid.x},${mid.y})` }, g);
      const label = { g: lg, pill: sv('rect', { y: -9, height: 18, rx: 9 }, lg), text: sv('text', { x: 0, y: 4, 'text-anchor': 'middle' }, lg) };
      if (wire && wire.order) g.setAttribute('data-wire-rank', String(wire.order.rank));
      graph.edges.push({ e, key, path, g, label, am, mid, lit, width, wire });
    }
    for (const n of graphNodes) {
      const p = P.get(n.id);
      const st = REPLAY.steps.find((x) => x.service === n.id) || null;
      const g = sv('g', { class: 'gnode ' + n.kind, transform: `translate(${p.x - nodeW / 2},${p.y - nodeH / 2})`, tabindex: 0,
        'data-id': n.id, 'data-replay-group': st ? st.group : null, 'data-onset-ms': st ? Math.round(st.after * 1000) : null }, gN);
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
      graph.nodes.set(n.id, { n, g, rect, name, sub, badges, st });
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
    const p = propByService.get(n.id), t = now(), i = tickAt(t);
    if (n.kind === 'service') {
      const b = baselineOf(n);
      rows.push([null, 'node', n.node + (n.port ? ':' + n.port : ''), false]);
      rows.push([null, 'degraded', p ? fmtAfter(num(p.after_fault_s)) + ' after the first fault (\u00b1' + fmtMs(num(p.resolution_s) ?? resolution) + ')' : 'never', false]);
      if (p && p.via) rows.push([null, 'reached via', str(p.via) + (p.via_edge ? ' (' + str(p.via_edge) + ')' : '') + ', ' + (num(p.hops) ?? DASH) + ' hops', false]);
      rows.push([null, 'SLO', fmtSec(b.slo) + (b.slo === null ? '' : b.explicit ? ' (set)' : ' (2 \u00d7 baseline p99 ' + fmtSec(b.triesP99) + ')'), false]);
      if (b.badShare !== null) rows.push([null, 'bad share in baseline', fmtPct(b.badShare) + ' of ' + fmtNum(b.tries) + ' tries (allowed ' + fmtPct(b.allowed) + ')', false]);
    } else {
      rows.push([null, 'load generator on', n.node, false]);
    }
    const hl = healthAt(n, t);
    rows.push([HEALTH_COLOUR[hl], 'at ' + fmtClock(t, STEP), judged(n) ? hl : 'not judged (no letters in summary.json)', false]);
    if (i >= 0) {
      rows.push([null, 'goodput', fmtUnit(valAt('goodput_rps', n.id, i), 'req/s'), false]);
      if (n.kind === 'load') rows.push([null, 'offered', fmtUnit(valAt('offered_rps', n.id, i), 'req/s'), false]);
      rows.push([null, 'p99', fmtSec(valAt('p99_s', n.id, i)), false]);
      rows.push([null, 'errors', fmtUnit(valAt('errors_rps', n.id, i), 'req/s'), false]);
    }
    return tipRows(n.kind === 'load' ? n.name + ' (load generator)' : n.name, rows);
  }

  function setLabel(ge, text) {
    ge.label.g.style.display = text ? '' : 'none';
    if (ge.label.text.textContent !== text) {
      ge.label.text.textContent = text;
      const w = text.length * 6.4 + 12;
      ge.label.pill.setAttribute('x', -w / 2);
      ge.label.pill.setAttribute('width', w);
    }
  }

  function updateGraph() {
    const t = now(), mode = state.mode;
    document.querySelectorAll('#topology .seg button').forEach((b) => b.classList.toggle('on', b.dataset.mode === mode));
    const reached = mode === 'replay' ? REPLAY.reached(replay.a) : 0;
    for (const { n, g, rect, sub, badges, st } of graph.nodes.values()) {
      let fill, text, shown = '';
      if (mode === 'time') {
        const hl = healthAt(n, t);
        shown = judged(n) ? hl : 'unjudged';
        fill = n.kind === 'load' && !judged(n) ? LOAD_FILL : HEALTH_COLOUR[hl];
        const gp = valAt('goodput_rps', n.id, tickAt(t));
        text = (judged(n) ? hl : n.kind === 'load' ? 'load generator' : 'not judged') + (gp !== null ? ' \u00b7 ' + fmtNum(gp) + ' rps' : '');
      } else if (n.kind === 'load') {
        fill = LOAD_FILL;
        text = 'load generator';
      } else if (mode === 'replay') {
        const on = st && st.group < reached;
        shown = on ? 'degraded' : 'healthy';
        fill = on ? degradedColour(n.id) : st ? HEALTH_COLOUR.healthy : NEVER_COLOUR;
        text = on ? fmtAfter(st.after) : st ? 'healthy' : 'not degraded';
        g.classList.toggle('turning', !!on && st.group === reached - 1 && replay.timer !== 0);
      } else {
        fill = Array.isArray(S.propagation) ? degradedColour(n.id) : HEALTH_COLOUR.unknown;
        const p = propByService.get(n.id);
        text = p ? (num(p.hops) === 0 ? 'first \u00b7 ' : '') + fmtAfter(num(p.after_fault_s)) : Array.isArray(S.propagation) ? 'not degraded' : 'no data';
      }
      if (mode !== 'replay') g.classList.remove('turning');
      if (shown) g.setAttribute('data-state', shown); else g.removeAttribute('data-state');
      rect.style.fill = fill;
      rect.parentNode.style.setProperty('--ink-on', inkOn(fill));
      sub.textContent = text;
      badges.forEach(({ f, bg }) => bg.classList.toggle('off', mode === 'time' && !(t >= f.a && t < f.b)));
    }
    for (const ge of graph.edges) {
      if (ge.fault) {
        const on = mode !== 'time' || (t >= ge.fault.a && t < ge.fault.b);
        ge.g.classList.toggle('fault-on', on);
        ge.badge.classList.toggle('off', !on);
      }
      // Time mode: the call's health (summary.health.calls) as its colour.
      const ch = mode === 'time' ? callHealthAt(ge.e.caller, ge.e.callee, t) : null;
      ge.path.style.stroke = ch ? HEALTH_COLOUR[ch] : '';
      if (ch) ge.g.setAttribute('data-state', ch); else ge.g.removeAttribute('data-state');
      ge.g.classList.toggle('idle', ch === 'idle');
      // Replay: the via edges light up as the failure passes along them.
      const lit = mode === 'replay' && ge.lit !== null && ge.lit.group < reached;
      ge.g.classList.toggle('lit', lit);
      ge.g.classList.toggle('hot', mode === 'static' && isHot(ge));
      ge.path.setAttribute('marker-end', lit || (mode === 'static' && isHot(ge)) ? 'url(#fl-arrow-hot)' : 'url(#fl-arrow)');
      let text = mode === 'replay' ? '' : ampLabel(ge.am);
      if (mode === 'time') {
        const rate = valAt('attempts_rps', 'edge:' + ge.key, tickAt(t));
        text = rate !== null ? fmtNum(rate) + '/s' : ch ? ch : '';
      }
      if (mode === 'replay' && lit) text = fmtAfter(ge.lit.after);
      // Time mode: the flow view's trouble on the wire under the call
      // (retransmissions, drops, resets, failed connects) as its thickness.
      const wire = mode === 'time' && ge.wire ? flowAt(ge.wire.a, ge.wire.b, tickAt(t)) : null;
      const fw = flowWidth(wire);
      ge.path.style.strokeWidth = (fw ?? ge.width) + 'px';
      ge.g.classList.toggle('wire-bad', fw !== null);
      if (fw !== null) {
        ge.g.setAttribute('data-wire', String(wire));
        text = (text ? text + ' \u00b7 ' : '') + fmtNum(wire) + ' wire/s';
      } else {
        ge.g.removeAttribute('data-wire');
      }
      setLabel(ge, text);
    }
    const lab = $('fl-tlabel');
    if (lab) {
      if (!T.length && HW === null) lab.textContent = 'no time series recorded';
      else {
        const af = activeFaults(t);
        lab.textContent = 't = ' + fmtClock(t, STEP) + (firstFault !== null ? '  (' + (t >= firstFault ? '+' : '') + fmtClock(t - firstFault, STEP) + ' from the first fault)' : '') +
          (phaseAt(t) ? '  \u00b7  ' + phaseAt(t) : '') + (af.length ? '  \u00b7  active: ' + af.map((f) => 'F' + f.idx).join(', ') : '');
      }
    }
    const sl = $('fl-slider');
    if (sl && +sl.value !== state.step) sl.value = state.step;
    $('graph').classList.toggle('replay', mode === 'replay');
    $('fl-timectl').hidden = mode === 'replay';
    $('fl-replayctl').hidden = mode !== 'replay';
    if (mode === 'replay') drawReplayClock();
    drawGraphLegend(mode);
  }

  function drawGraphLegend(mode) {
    const lg = $('graph-legend');
    if (!lg || lg.dataset.mode === mode) return;
    lg.dataset.mode = mode;
    lg.textContent = '';
    const item = (colour, text) => h('span', { class: 'li' }, [h('span', { class: 'sw', style: 'background:' + colour }), text]);
    const ramp = () => {
      const stops = [0, 0.25, 0.5, 0.75, 1].map((f) => scaleColour(f) + ' ' + f * 100 + '%').join(',');
      lg.appendChild(h('span', { class: 'li' }, [h('span', { class: 'ramp-l', text: 'degraded at +0 ms' }),
        h('span', { class: 'ramp', style: 'background:linear-gradient(90deg,' + stops + ')' }),
        h('span', { class: 'ramp-l', text: fmtAfter(propMax) + ' after the first fault' })]));
    };
    if (mode === 'time') {
      HEALTH_STATES.forEach((k) => lg.appendChild(item(HEALTH_COLOUR[k], k === 'idle' ? 'idle (asked nothing: not a failure)' : k)));
      lg.appendChild(h('span', { class: 'li note', text: HW !== null
        ? 'the analysis\u2019 verdict per ' + fmtMs(HW) + ' window, from the requests (summary.health); calls coloured the same way; load generators are not judged'
        : 'summary.json has no health letters: nothing is judged' }));
      if (graph.edges.some((ge) => ge.wire)) lg.appendChild(h('span', { class: 'li note', text: 'edge thickness: trouble on the wire under the call then (retransmissions, drops, resets, failed connects per second, both ways; eBPF)' }));
    } else if (mode === 'replay') {
      lg.appendChild(item(HEALTH_COLOUR.healthy, 'not yet degraded'));
      if (PROP.length) ramp();
      lg.appendChild(h('span', { class: 'li' }, [h('span', { class: 'sw line lit' }), 'the call the failure came through']));
    } else {
      if (PROP.length) ramp();
      if (Array.isArray(S.propagation)) lg.appendChild(item(NEVER_COLOUR, 'never degraded'));
      else lg.appendChild(item(HEALTH_COLOUR.unknown, 'no propagation recorded'));
      if (graph.edges.some((ge) => isHot(ge))) lg.appendChild(h('span', { class: 'li' }, [h('span', { class: 'sw line hot' }), 'path the failure took']));
      if (AMP.length) lg.appendChild(h('span', { class: 'li note', text: 'edge labels: amplification per hop (attempts \u00f7 calls) and cumulative (attempts per organic request)' }));
    }
    if (loads.length) lg.appendChild(item(LOAD_FILL, 'load generator'));
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
    if (!STEPS) return;
    if (state.step >= STEPS || state.mode !== 'time') state.step = 0;
    const b = $('fl-play');
    b.textContent = '\u275a\u275a';
    b.setAttribute('aria-label', 'pause');
    const step = Math.max(1, Math.round(STEPS / 400));
    setStep(state.step, 'time');
    state.playing = setInterval(() => {
      if (state.step >= STEPS) { stopPlay(); return; }
      setStep(state.step + step, 'time');
    }, 60);
  }

  // ----------------------------------------------------------------- replay
  // The onsets replayed on their measured times (R.replaySchedule): replay.a
  // is the replay's own time in seconds; a short hold follows the last group.
  const replay = { timer: 0, a: 0, done: false };
  const REPLAY_TICK = 0.03, REPLAY_HOLD = 0.5;
  function stopReplay() {
    if (replay.timer) { clearInterval(replay.timer); replay.timer = 0; }
    const b = $('fl-replay');
    if (b) { b.textContent = replay.done ? '\u21bb' : '\u25b6'; b.setAttribute('aria-label', replay.done ? 'replay again' : 'replay the onsets'); }
  }
  function startReplay() {
    stopPlay();
    stopReplay();
    replay.a = 0;
    replay.done = false;
    state.mode = 'replay';
    const b = $('fl-replay');
    if (b) { b.textContent = '\u275a\u275a'; b.setAttribute('aria-label', 'replaying'); }
    setStep(state.step);
    if (!REPLAY.groups.length) { replayFinished(); return; }
    replay.timer = setInterval(() => {
      replay.a = Math.min(replay.a + REPLAY_TICK, REPLAY.duration + REPLAY_HOLD);
      if (replay.a >= REPLAY.duration + REPLAY_HOLD) replayFinished();
      setStep(state.step);
    }, REPLAY_TICK * 1000);
  }
  function replayFinished() {
    replay.done = true;
    stopReplay();
    // For the render check: what the replay ended with.
    const rc = $('render-check');
    if (!rc) return;
    rc.setAttribute('data-replay-done', '1');
    rc.setAttribute('data-replay-lit', graph.edges.filter((ge) => ge.g.classList.contains('lit')).map((ge) => ge.key).sort().join(';'));
    rc.setAttribute('data-replay-turned', [...graph.nodes.values()].filter((x) => x.g.dataset.state === 'degraded').map((x) => x.n.id).join(';'));
    rc.setAttribute('data-replay-clock', $('fl-replay-clock').textContent);
  }
  function drawReplayClock() {
    const clock = $('fl-replay-clock'), note = $('fl-replay-note');
    if (!REPLAY.groups.length) {
      clock.textContent = DASH;
      note.textContent = FAULTS.length ? 'No service degraded: nothing to replay.' : 'No fault, no propagation to replay.';
      return;
    }
    const reached = REPLAY.reached(replay.a);
    clock.textContent = fmtAfter(REPLAY.clockAt(replay.a)) + ' after the first fault';
    const last = reached ? REPLAY.groups[reached - 1] : null;
    const res = REPLAY.resolutions.map(fmtMs).join(' to ');
    note.textContent = (last ? 'now: ' + last.steps.map((s) => s.service + ' ' + fmtAfter(s.after) + (s.viaEdge ? ' via ' + s.viaEdge : '')).join(', ') +
        (last.steps.length > 1 ? ' (simultaneous: within the resolution, order not measured)' : '') + '.  '
      : 'the first fault is applied.  ') +
      'Onsets \u00b1' + res + '; slowed down: ' + fmtSec(REPLAY.perResolution) + ' of replay per ' + res + ' of the run, each step ' +
      fmtSec(REPLAY.minStep) + ' to ' + fmtSec(REPLAY.maxStep) + '; the clock shows the run\u2019s time.';
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
    overlay.addEventListener('click', (ev) => { stopPlay(); setStep(stepOf(tx(ev.clientX)), 'time'); });
    function moveCursor() {
      const on = state.mode === 'time';
      cursor.setAttribute('visibility', on ? 'visible' : 'hidden');
      if (on) { const cx = x(now()); cursor.setAttribute('x1', cx); cursor.setAttribute('x2', cx); }
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
    const marks = EV.filter((e) => isNum(e.t) && ['breaker', 'oom', 'exit', 'restart', 'warning'].includes(e.kind));
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
    const card = h('section', { class: 'card', id: 'amplification' }, [h('h2', { text: 'Amplification' }),
      h('p', { class: 'sub', text: 'Per hop: attempts \u00f7 calls on the edge (its own retries and hedges). Cumulative: attempts on the edge per organic ' +
        'request offered (every hop above it multiplied). Over the fault phase; peak: the worst tick. Tier: the callee\u2019s depth.' })]);
    if (!AMP.length) card.appendChild(h('p', { class: 'empty', text: 'No amplification was measured.' }));
    else {
      const max = Math.max(1, ...AMP.flatMap((a) => [a.cumulativePeak ?? 0, a.cumulative ?? 0]));
      card.appendChild(table(['edge', 'tier', 'per hop', 'peak', 'cumulative', 'peak', 'failing from', 'cumulative'], AMP.map((a) => ({
        cells: [short(a.caller) + ' ' + ARROW + ' ' + a.callee, a.tier ?? DASH,
          badge(fmtX(a.perHop), ampTone(a.perHop)), fmtX(a.perHopPeak),
          badge(fmtX(a.cumulative), ampTone(a.cumulative)), fmtX(a.cumulativePeak),
          a.onset !== null ? fmtAfter(a.onset) : 'never',
          bar([[a.cumulativePeak, 'fill peak'], [a.cumulative, 'fill t-' + ampTone(a.cumulative)]], max, 140)],
      })), 'amp'));
      card.appendChild(h('p', { class: 'sub', text: 'Bar: solid = cumulative over the faults, light = its peak tick; the tick mark is 1\u00d7 (no amplification). ' +
        'Failing from: when the caller\u2019s attempts on the edge began to fail, after the first fault.' }));
    }
    parent.appendChild(card);
  }

  // The lint's figures on paper beside the baseline's measurements.
  function drawPredictions(parent) {
    const card = h('section', { class: 'card', id: 'predictions' }, [h('h2', { text: 'Predicted vs measured' }),
      h('p', { class: 'sub', text: 'Predicted before the run (faultline lint): each service as an M/M/c queue (its workers; the time a request holds one), ' +
        'at the loads\u2019 baseline rates. Measured over the baseline: the requests it was sent, its median, and the p99 of its tries; ' +
        'measured \u00f7 predicted beside each. ' +
        'Worst case: attempts each organic request brings to it when every attempt fails (within budgets and throttles).' })]);
    if (!PRED.length) card.appendChild(h('p', { class: 'empty', text: 'This summary holds no predictions.' }));
    else {
      const ratioTone = (r) => (r === null ? 'na' : r > 2 || r < 0.5 ? 'bad' : r > 1.25 || r < 0.8 ? 'warn' : 'ok');
      const utilTone = (u) => (u === null ? 'na' : u >= 1 ? 'bad' : u >= 0.8 ? 'warn' : 'ok');
      const ratio = (r) => badge(r === null ? DASH : fmtX(r), ratioTone(r));
      card.appendChild(table(['service', 'offered', 'measured', 'utilisation', 'mean', 'p50', 'p50 measured', '\u00f7',
        'p99', 'p99 measured', '\u00f7', 'worst case'],
        PRED.map((p) => ({
          cells: [h('span', { class: 'mono', text: p.service }), fmtUnit(p.offered, 'req/s'), fmtUnit(p.offeredMeasured, 'req/s'),
            badge(p.utilisation === null ? DASH : fmtPct(p.utilisation), utilTone(p.utilisation)),
            fmtSec(p.mean), fmtSec(p.p50), fmtSec(p.p50Measured), ratio(p.p50Ratio), fmtSec(p.p99), fmtSec(p.p99Measured),
            ratio(p.p99Ratio),
            p.worst === null ? DASH : fmtX(p.worst) + (p.capped !== null && p.capped < p.worst ? ' (capped ' + fmtX(p.capped) + ')' : '')],
        })), 'pred'));
      const vul = PRED_LOADS.filter((l) => l.vulnerable !== null);
      if (vul.length)
        card.appendChild(h('p', { class: 'sub', text: vul.map((l) => l.load + ' offers ' + fmtUnit(l.rate, 'req/s') + ' (peak ' + fmtUnit(l.peak, 'req/s') +
          '); vulnerable above ' + fmtUnit(l.vulnerable, 'req/s') + ' (' + l.bottleneck + '\u2019s capacity over the attempts each request can bring it)').join('. ') + '.' }));
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
    if (!REPLAY.steps.length) card.appendChild(h('p', { class: 'empty', text: FAULTS.length ? 'No service degraded.' : 'No fault, no propagation.' }));
    else {
      const speed = num(verdict.hops_per_s), res = REPLAY.resolutions.map(fmtMs).join(' to ');
      const together = REPLAY.groups.filter((g) => g.steps.length > 1);
      card.appendChild(h('p', { class: 'sub', text: REPLAY.steps.length + ' of ' + services.length + ' services degraded' +
        (speed !== null ? ', travelling at ' + +speed.toPrecision(3) + ' hops/s' : '') + '. Onsets to the millisecond after the first fault, each within \u00b1' + res +
        ' (the resolution); a step within it of the one before is simultaneous: their order is not measured' +
        (together.length ? ' (' + together.map((g) => g.steps.map((s) => s.service).join(' = ')).join('; ') + ')' : '') + '.' }));
      const tlMax = Math.max(1e-3, ...REPLAY.steps.map((s) => s.after));
      card.appendChild(table(['#', 'service', 'onset', 'via', 'through the call', 'hops', 'timeline, 0 to ' + fmtMs(tlMax)], REPLAY.steps.map((st, k) => ({
        cls: 'g-' + (st.group % 2 ? 'odd' : 'even') + (st.simultaneous ? ' simul' : ''),
        cells: [REPLAY.groups[st.group].steps.length > 1 ? (st.group + 1) + String.fromCharCode(97 + REPLAY.groups[st.group].steps.indexOf(st)) : String(st.group + 1),
          h('span', { class: 'svc' }, [h('span', { class: 'dot', style: 'background:' + degradedColour(st.service) }), st.service]),
          h('span', {}, [fmtAfter(st.after) + ' \u00b1' + fmtMs(st.resolution), st.simultaneous ? h('span', { class: 'badge b-warn simul-badge', text: 'simultaneous' }) : null]),
          st.via || (st.hops === 0 ? 'first' : 'on its own'), st.viaEdge ? h('span', { class: 'mono', text: st.viaEdge.replace('->', ' ' + ARROW + ' ') }) : DASH,
          st.hops !== null ? st.hops : DASH,
          timelineDots([[st.after, 'deg', 'degraded ' + fmtAfter(st.after)]], tlMax, 160)],
      }))));
    }
    const ctl = arr(S.controls).map(obj);
    card.appendChild(h('h3', { text: 'Controls: engaged vs reached' }));
    if (!ctl.length) card.appendChild(h('p', { class: 'empty', text: 'No resilience control (breaker, shedding, retry budget) was recorded.' }));
    else {
      const max = Math.max(1e-3, ...ctl.flatMap((c) => [num(c.engaged_s) ?? 0, num(c.degraded_s) ?? 0]));
      card.appendChild(table(['service', 'control', 'reached', 'engaged', 'verdict', 'timeline, 0 to ' + fmtMs(max)], ctl.map((c) => {
        const e = num(c.engaged_s), d = num(c.degraded_s);
        return {
          cls: c.outpaced === true ? 'row-bad' : '',
          cells: [str(c.service), str(c.control), d !== null ? fmtAfter(d) : 'not reached', e !== null ? fmtAfter(e) : 'never',
            h('span', {}, [c.outpaced === true ? badge('outpaced', 'bad') : c.outpaced === false ? badge('in time', 'ok') : badge('n/a', 'na'),
              c.simultaneous === true ? badge('simultaneous', 'warn') : null]),
            timelineDots([[d, 'deg', 'reached ' + fmtAfter(d)], [e, 'eng', 'engaged ' + fmtAfter(e)]], max, 160)],
        };
      })));
      card.appendChild(h('p', { class: 'sub' }, [h('span', { class: 'dot deg' }), ' propagation reached the service  ', h('span', { class: 'dot eng' }),
        ' the control engaged (after the first fault). Outpaced: the service degraded first (beyond the resolution) or the control never engaged; simultaneous: within it.']));
    }
    parent.appendChild(card);
  }

  // ------------------------------------------------------------- waterfall
  // The first organic requests that failed after the first fault
  // (summary.traces), each span a row (R.waterfall): indented by its depth,
  // a bar from its start to its end, coloured by how it ended.
  function drawTraces(main) {
    const card = h('section', { class: 'card', id: 'traces' }, [h('h2', { text: 'The first failed requests' })]);
    main.appendChild(card);
    if (!TRACES.length) {
      card.appendChild(h('p', { class: 'empty', text: Array.isArray(S.traces) ? 'No organic request failed after the first fault.' : 'summary.json has no traces (a run made before request records).' }));
      return;
    }
    card.appendChild(h('p', { class: 'sub', text: 'Every span of each request, across every service it reached (W3C trace context): requests served, calls made and each attempt ' +
      '(numbered from 0; a retry or hedge after it). Times from the request\u2019s start. Hover a row for its details.' }));
    const lg = h('div', { class: 'legend' });
    for (const [cls, colour, text] of CAUSE_TONES) lg.appendChild(h('span', { class: 'li' }, [h('span', { class: 'sw', style: 'background:' + colour }), text]));
    lg.appendChild(h('span', { class: 'li' }, [h('span', { class: 'sw open-sw' }), 'still open at the end']));
    card.appendChild(lg);
    TRACES.forEach((w, k) => {
      const det = h('details', { class: 'wf-trace', open: k === 0 ? true : null, 'data-trace-id': w.traceId, 'data-rows': w.rows.length },
        [h('summary', {}, [h('span', { class: 'mono', text: w.traceId.slice(0, 16) + '\u2026' }), '  ' + short(w.source) + ', started ' + fmtClock(w.t0, 0.001) +
          (firstFault !== null ? ' (' + fmtAfter(w.t0 - firstFault) + ' after the first fault)' : '') + ', ' + w.cause + ' after ' + fmtSec(w.total) +
          ', ' + w.rows.length + ' spans'])]);
      card.appendChild(det);
      const box = h('div', { class: 'wf-box' });
      det.appendChild(box);
      drawWaterfall(box, w);
    });
  }
  function drawWaterfall(box, w) {
    const rowH = 17, top = 22, labelW = 330, outcomeW = 150;
    const W = Math.max(760, box.clientWidth || card0Width());
    const H = top + w.rows.length * rowH + 6;
    const x0 = labelW, x1 = W - outcomeW;
    const x = (s) => x0 + s / w.total * (x1 - x0);
    const svg = sv('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'waterfall', role: 'img', 'aria-label': 'spans of trace ' + w.traceId }, box);
    const gA = sv('g', { class: 'axis' }, svg);
    for (const v of linTicks(0, w.total, Math.max(3, Math.floor((x1 - x0) / 90)))) {
      sv('line', { x1: x(v), x2: x(v), y1: top - 4, y2: H, class: 'gridline' }, gA);
      sv('text', { x: x(v), y: top - 8, 'text-anchor': 'middle', text: v === 0 ? '0' : '+' + fmtSec(v) }, gA);
    }
    w.rows.forEach((r, k) => {
      const y = top + k * rowH;
      const g = sv('g', { class: 'wf-row c-' + r.cls + (r.open ? ' open' : '') + ' k-' + r.kind, 'data-span-id': r.id, 'data-depth': r.depth,
        'data-cause': r.cause, 'data-cause-class': r.cls, 'data-kind': r.kind }, svg);
      if (k % 2) sv('rect', { x: 0, y, width: W, height: rowH, class: 'wf-stripe' }, g);
      const indent = 6 + r.depth * 11;
      sv('text', { x: indent, y: y + 12.5, class: 'wf-label', text: truncate(r.what, Math.floor((labelW - indent - 8) / 6.3)) }, g);
      sv('rect', { x: x(r.start), y: y + 3, width: Math.max(2, x(r.end) - x(r.start)), height: rowH - 6, rx: 2, class: 'wf-bar', style: { fill: CAUSE_COLOUR[r.cls] } }, g);
      sv('text', { x: x1 + 8, y: y + 12.5, class: 'wf-outcome', text: truncate(r.outcome, Math.floor((outcomeW - 10) / 6.3)) }, g);
      svgTitle(g, r.what + '\n' + r.outcome + '\nfrom +' + fmtSec(r.start) + ' to +' + fmtSec(r.end) + ' (' + fmtSec(r.dur) + ')' +
        '\nsource ' + r.source + ', span ' + r.id + (r.parent ? ', parent ' + r.parent : '') + (r.orphan ? ' (not in this trace)' : ''));
    });
  }
  const card0Width = () => (($('fl-main') || {}).clientWidth || 1000) - 44;

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
  section('propagation', () => drawPropagation(main));
  section('traces', () => drawTraces(main));
  section('amplification', () => drawAmplification(main));
  section('predictions', () => drawPredictions(main));
  section('events', () => drawEvents(main));
  section('host', () => drawHost(main));
  main.appendChild(h('footer', { class: 'foot', text: 'faultline report \u00b7 self-contained: this file holds its data and needs no network' }));

  // report.html#t=27 opens with the graph at 27 s.
  function fromHash() {
    const t = R.hashTime(location.hash);
    if (t !== null) setStep(stepOf(t), 'time');
    if (R.hashFlag(location.hash, 'replay')) startReplay();
  }
  section('time from the address', fromHash);
  window.addEventListener('hashchange', fromHash, untilRedrawn);

  let lastW = window.innerWidth;
  window.addEventListener('resize', debounce(() => {
    if (window.innerWidth === lastW) return;
    lastW = window.innerWidth;
    section('topology', renderGraph);
    section('time series', () => { renderPlots(); plotState.forEach((p) => p.cursor()); });
  }, 150), untilRedrawn);
  document.addEventListener('keydown', (e) => {
    if (e.target && /^(input|button|select|textarea)$/i.test(e.target.tagName)) return; // the slider steps by itself
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') { stopPlay(); setStep(state.step + (e.key === 'ArrowRight' ? 1 : -1), 'time'); e.preventDefault(); }
    else if (e.key === ' ' && e.target === document.body) { togglePlay(); e.preventDefault(); }
  }, untilRedrawn);

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
    rc.setAttribute('data-predictions', String(document.querySelectorAll('#predictions tbody tr').length));
    rc.setAttribute('data-replay-steps', REPLAY.steps.map((st) => st.service + '@' + (st.group + 1)).join(';'));
    rc.setAttribute('data-waterfall', [...document.querySelectorAll('#traces .wf-trace')].map((d) => d.dataset.traceId + ':' + d.querySelectorAll('g.wf-row').length).join(';'));
    rc.setAttribute('data-mode', state.mode);
    rc.setAttribute('data-time', String(now()));
    rc.setAttribute('data-health-now', [...graph.nodes.values()].map((x) => x.n.id + '=' + (x.g.dataset.state || '')).join(';'));
    rc.setAttribute('data-call-health-now', graph.edges.map((ge) => ge.key + '=' + (ge.g.dataset.state || '')).join(';'));
    rc.setAttribute('data-wire-now', graph.edges.filter((ge) => ge.g.dataset.wire).map((ge) => ge.key + '=' + ge.g.dataset.wire).join(';'));
    rc.setAttribute('data-wire-order', [...FLOW.entries()].sort((x, y) => x[1].rank - y[1].rank).map(([e]) => e).join(';'));
    rc.setAttribute('data-errors', errors.join(' | '));
    rc.setAttribute('data-ok', errors.length ? '0' : '1');
  });
})();

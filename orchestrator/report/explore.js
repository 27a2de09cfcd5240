// SPDX-License-Identifier: Apache-2.0
// explore.html, the drawing: reads the embedded explore.json and draws the
// phase diagram with flExplore (explore_lib.js), then the verdict, the table
// of runs (each linking to its report.html) and the render check.
(function () {
  'use strict';
  const E = window.flExplore;
  const errors = [];
  const NS = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, text) => {
    const e = tag.startsWith('svg:') ? document.createElementNS(NS, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  let doc = {};
  try { doc = JSON.parse(document.getElementById('fl-data').textContent); } catch (e) { errors.push('data: ' + e.message); }
  const main = document.getElementById('fl-main');
  const x = doc.x || {}, y = doc.y || null;

  main.appendChild(el('h1', {}, 'faultline explore: ' + (x.key || '') + (y ? ' \u00d7 ' + y.key : '')));
  const verdict = el('pre', { id: 'verdict', class: 'verdict' }, doc.verdict || '');
  main.appendChild(verdict);
  const c = E.counts(doc);
  main.appendChild(el('p', { class: 'meta' },
    c.runs + ' runs (' + c.good + ' recovered, ' + c.bad + ' did not); ' + (doc.complete ? 'search complete' :
    'search not complete (budget or interrupted; re-run with the same --out to continue)') +
    '; repeat ' + doc.repeat + ' at the boundary, budget ' + doc.budget));

  const W = 760, H = y ? 460 : 260;
  const L = E.layout(doc, W, H);
  const svg = el('svg:svg', { id: 'phase', viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img' });
  // Axes and ticks.
  const ax = el('svg:g', { class: 'axis' });
  ax.appendChild(el('svg:line', { x1: L.margin.left, x2: W - L.margin.right, y1: H - L.margin.bottom, y2: H - L.margin.bottom }));
  for (const t of L.xticks) {
    ax.appendChild(el('svg:line', { x1: L.x(t), x2: L.x(t), y1: H - L.margin.bottom, y2: H - L.margin.bottom + 5 }));
    ax.appendChild(el('svg:text', { x: L.x(t), y: H - L.margin.bottom + 18, 'text-anchor': 'middle' }, E.fmt(t)));
  }
  ax.appendChild(el('svg:text', { x: (L.margin.left + W - L.margin.right) / 2, y: H - 8, 'text-anchor': 'middle', class: 'label' },
    x.key + (x.unit ? ' (' + x.unit + ')' : '')));
  if (y) {
    for (const t of L.yticks)
      ax.appendChild(el('svg:text', { x: L.margin.left - 8, y: L.y(t) + 4, 'text-anchor': 'end' }, E.fmt(t)));
    ax.appendChild(el('svg:text', { x: 14, y: L.margin.top + 8, class: 'label' }, y.key));
  } else {
    ax.appendChild(el('svg:text', { x: L.margin.left - 8, y: L.y(0) + 4, 'text-anchor': 'end' }, 'run 1'));
  }
  svg.appendChild(ax);
  // The boundary and its 95% band.
  const bg = el('svg:g', { class: 'boundary' });
  if (y) {
    for (const p of E.boundaryPaths(L.lines)) {
      bg.appendChild(el('svg:path', { d: p.band, fill: E.COLOURS.band, class: 'band' }));
      bg.appendChild(el('svg:path', { d: p.line, stroke: E.COLOURS.estimate, fill: 'none', class: 'estimate' }));
    }
  } else {
    for (const l of L.lines.filter((l) => l.found)) {
      bg.appendChild(el('svg:rect', { x: l.band[0], width: Math.max(1, l.band[1] - l.band[0]), y: L.margin.top,
        height: H - L.margin.top - L.margin.bottom, fill: E.COLOURS.band, class: 'band' }));
      bg.appendChild(el('svg:line', { x1: l.est, x2: l.est, y1: L.margin.top, y2: H - L.margin.bottom,
        stroke: E.COLOURS.estimate, class: 'estimate' }));
    }
  }
  const predPath = y ? E.predictedPath(L.lines) : null;
  if (predPath && !L.predicted)
    bg.appendChild(el('svg:path', { d: predPath, stroke: E.COLOURS.predicted, fill: 'none', 'stroke-dasharray': '5 4',
      class: 'predicted' }));
  if (L.predicted) {
    bg.appendChild(el('svg:line', { x1: L.predicted.x, x2: L.predicted.x, y1: L.margin.top, y2: H - L.margin.bottom,
      stroke: E.COLOURS.predicted, 'stroke-dasharray': '5 4', class: 'predicted' }));
    bg.appendChild(el('svg:text', { x: L.predicted.x + 4, y: L.margin.top + 10, class: 'predicted-label' }, L.predicted.label));
  }
  svg.appendChild(bg);
  // Every run, linking to its report.
  const pg = el('svg:g', { class: 'runs' });
  for (const p of L.points) {
    const dot = el('svg:circle', { cx: p.cx, cy: p.cy, r: 6, fill: E.COLOURS[p.cls], class: 'run ' + p.cls });
    dot.appendChild(el('svg:title', {}, p.title));
    if (p.href) {
      const a = el('svg:a', { href: p.href });
      a.appendChild(dot);
      pg.appendChild(a);
    } else pg.appendChild(dot);
  }
  svg.appendChild(pg);
  main.appendChild(svg);
  main.appendChild(el('p', { class: 'legend' },
    'green: recovered (or passed its expectations); red: did not; dark red: metastable; band: the boundary\'s 95% interval' +
    (L.predicted || predPath ? '; dashed: the lint\'s prediction' : '')));

  // The runs as a table.
  const table = el('table', { id: 'runs' });
  const head = el('tr');
  for (const h of ['#', x.key].concat(y ? [y.key] : []).concat(['repeat', 'seed', 'verdict', 'headline', 'report']))
    head.appendChild(el('th', {}, h));
  table.appendChild(el('thead')).appendChild(head);
  const body = table.appendChild(el('tbody'));
  for (const r of doc.runs || []) {
    const tr = el('tr', { class: E.runClass(r) });
    const cells = [r.index, E.fmtAxis(r.x, x)].concat(y ? [E.fmtAxis(r.y, y)] : []).concat([(r.repeat || 0) + 1, r.seed,
      r.good ? 'recovers' : 'does not recover', r.headline || '']);
    for (const v of cells) tr.appendChild(el('td', {}, String(v)));
    const td = el('td');
    if (typeof r.report === 'string') td.appendChild(el('a', { href: r.report }, 'report'));
    tr.appendChild(td);
    body.appendChild(tr);
  }
  main.appendChild(table);

  const rc = document.getElementById('render-check');
  rc.setAttribute('data-points', String(svg.querySelectorAll('circle.run').length));
  rc.setAttribute('data-bands', String(svg.querySelectorAll('.band').length));
  rc.setAttribute('data-errors', errors.join(' | '));
  rc.setAttribute('data-ok', errors.length ? '0' : '1');
})();

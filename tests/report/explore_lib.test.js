// SPDX-License-Identifier: Apache-2.0
// explore.html's pure functions (orchestrator/report/explore_lib.js) under
// node, on documents shaped like what experiment/explore_results.cpp writes:
// scales and ticks, a run's colour, the figure's layout (points, the band of
// the boundary, the lint's prediction), the two-axis boundary paths.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const E = require(path.join(__dirname, '..', '..', 'orchestrator', 'report', 'explore_lib.js'));

const queueAxis = { key: 'node.svc.service.8080.queue', lo: 35, hi: 150, integer: true, suffix: '', unit: '' };
function oneAxisDoc() {
  return {
    x: queueAxis, y: null, repeat: 2, budget: 8, complete: true,
    runs: [
      { index: 0, x: 35, y: 0, repeat: 0, good: true, metastable: false, report: 'runs/000/report.html' },
      { index: 1, x: 150, y: 0, repeat: 0, good: false, metastable: true, report: 'runs/001/report.html' },
      { index: 2, x: 92, y: 0, repeat: 0, good: false, metastable: false, report: 'runs/002/report.html' },
      { index: 3, x: 63, y: 0, repeat: 0, good: true, report: 'runs/003/report.html' },
      { index: 4, x: 63, y: 0, repeat: 1, good: true, report: 'runs/004/report.html' },
    ],
    lines: [{ y: null, kind: 'found', estimate: 77.5, ci95_lo: 62, ci95_hi: 93, last_good: 63, first_bad: 92 }],
    predicted: { value: 50, what: 'safe up to a queue of' },
  };
}

test('numbers and units read as --set writes them', () => {
  assert.equal(E.fmt(50), '50');
  assert.equal(E.fmt(77.5), '77.5');
  assert.equal(E.fmt(1 / 3), '0.3333');
  assert.equal(E.fmt(2e6), '2.00e+6');
  assert.equal(E.fmt(null), E.DASH);
  assert.equal(E.fmtAxis(230, { unit: 'req/s', suffix: '' }), '230 req/s');
  assert.equal(E.fmtAxis(5, { unit: 's', suffix: 's' }), '5s');
  assert.equal(E.fmtAxis(NaN, queueAxis), E.DASH);
});

test('ticks are 1, 2 or 5 times a power of ten within the range', () => {
  assert.deepEqual(E.ticks(35, 150, 6), [40, 60, 80, 100, 120, 140]);
  assert.deepEqual(E.ticks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(E.ticks(3, 3, 4), [3]);
  const s = E.scale(0, 10, 100, 200);
  assert.equal(s(5), 150);
  assert.equal(E.scale(1, 1, 0, 10)(1), 5);
});

test('a run is green when it recovered, dark red when metastable, red otherwise', () => {
  assert.equal(E.runClass({ good: true, metastable: true }), 'good');
  assert.equal(E.runClass({ good: false, metastable: true }), 'metastable');
  assert.equal(E.runClass({ good: false }), 'bad');
  assert.equal(E.runClass(null), 'bad');
});

test('one axis: runs at their value, repeats stacked, the band between the interval, the prediction', () => {
  const L = E.layout(oneAxisDoc(), 760, 260);
  assert.equal(L.points.length, 5);
  const [p35, p150, , p63a, p63b] = L.points;
  assert.ok(p35.cx < p63a.cx && p63a.cx < p150.cx, 'x grows with the value');
  assert.equal(p63a.cx, p63b.cx);
  assert.ok(p63b.cy < p63a.cy, 'the second repeat above the first');
  assert.equal(p35.cls, 'good');
  assert.equal(p150.cls, 'metastable');
  assert.equal(p150.href, 'runs/001/report.html');
  assert.match(p63b.title, /queue=63, repeat 2: recovers/);
  const l = L.lines[0];
  assert.ok(l.found);
  assert.equal(l.band[0], L.x(62));
  assert.equal(l.band[1], L.x(93));
  assert.equal(l.est, L.x(77.5));
  assert.ok(L.x(35) > L.margin.left && L.x(150) < 760 - L.margin.right, 'the ends are inside the plot');
  assert.equal(L.predicted.x, L.x(50));
  assert.equal(L.predicted.label, 'lint: safe up to a queue of 50');
  assert.equal(E.counts(oneAxisDoc()).good, 3);
  // No boundary, no prediction: nothing drawn for them.
  const none = oneAxisDoc();
  none.lines = [{ kind: 'all_recover' }];
  none.predicted = null;
  const N = E.layout(none, 760, 260);
  assert.equal(N.lines[0].found, false);
  assert.equal(N.lines[0].band, null);
  assert.equal(N.predicted, null);
});

test('two axes: one boundary path through the lines, broken where a line has none', () => {
  const doc = {
    x: { key: 'node.client.load.rate', lo: 0, hi: 100, unit: 'req/s', suffix: '' },
    y: { key: 'node.svc.service.8080.workers', lo: 1, hi: 4, unit: '', suffix: '' },
    runs: [{ x: 0, y: 1, repeat: 0, good: true }, { x: 100, y: 4, repeat: 0, good: false }],
    lines: [
      { y: 1, kind: 'found', estimate: 30, ci95_lo: 28, ci95_hi: 32 },
      { y: 2, kind: 'found', estimate: 40, ci95_lo: 38, ci95_hi: 42 },
      { y: 3, kind: 'all_recover' },
      { y: 4, kind: 'found', estimate: 60, ci95_lo: 58, ci95_hi: 62 },
    ],
  };
  const L = E.layout(doc, 760, 460);
  assert.ok(L.twoD);
  assert.ok(L.points[1].cy < L.points[0].cy, 'y grows upwards');
  const paths = E.boundaryPaths(L.lines);
  assert.equal(paths.length, 2);
  assert.equal(paths[0].line.split('L').length, 2, 'two lines joined');
  assert.ok(paths[0].band.endsWith('Z'));
  assert.equal(paths[1].line.indexOf('L'), -1, 'a single line alone');
  assert.match(paths[0].line, new RegExp('^M' + L.x(30).toFixed(1)));
  assert.equal(E.predictedPath(L.lines), null, 'no line has a figure');
});

test('two axes: the lint\'s figure of each line as a dashed path, broken where a line has none', () => {
  const doc = {
    x: { key: 'node.client.load.rate', lo: 0, hi: 200, unit: 'req/s', suffix: '' },
    y: { key: 'node.client.load.retries', lo: 1, hi: 5, unit: '', suffix: '' },
    runs: [],
    lines: [
      { y: 1, kind: 'found', estimate: 80, ci95_lo: 70, ci95_hi: 90, predicted: { value: 100, what: 'vulnerable above' } },
      { y: 3, kind: 'found', estimate: 40, ci95_lo: 30, ci95_hi: 50, predicted: { value: 50, what: 'vulnerable above' } },
      { y: 4, kind: 'open', predicted: null },
      { y: 5, kind: 'found', estimate: 28, ci95_lo: 20, ci95_hi: 36, predicted: { value: 100 / 3 } },
    ],
    predicted: null,
  };
  const L = E.layout(doc, 760, 460);
  assert.equal(L.predicted, null);
  assert.equal(L.lines[0].pred, L.x(100));
  assert.equal(L.lines[2].pred, null);
  const d = E.predictedPath(L.lines);
  assert.equal(d, 'M' + L.x(100).toFixed(1) + ',' + L.y(1).toFixed(1) + 'L' + L.x(50).toFixed(1) + ',' +
    L.y(3).toFixed(1) + 'M' + L.x(100 / 3).toFixed(1) + ',' + L.y(5).toFixed(1));
});

// SPDX-License-Identifier: Apache-2.0
// The report's pure functions (orchestrator/report/report_lib.js) under node:
// formatting, scales, colours, the graph and its layout, faults and phases,
// health from summary.health's letters, the replay of the onsets, the
// waterfall of a trace and amplification, on synthetic data shaped like what
// report/render.cpp embeds ({summary, series: {t, series: [{m, n, s, v}]},
// events}). Only node's own test runner and assert: `node --test FILE`.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const R = require(path.join(__dirname, '..', '..', 'orchestrator', 'report', 'report_lib.js'));
const { DASH } = R;

// A chain client (load) -> api -> db, ticks 1..n s, series by [metric, node, service, values].
function data(summary, rows, events, n) {
  const t = Array.from({ length: n }, (_, i) => i + 1);
  return {
    summary,
    series: { t, series: rows.map(([m, node, s, v]) => ({ m, n: node, s, v: typeof v === 'function' ? t.map(v) : v })) },
    events: events || [],
  };
}
const chainTopology = {
  nodes: [{ name: 'client', services: [], load: true }, { name: 'api', services: ['api'], load: false },
          { name: 'db', services: ['db'], load: false }],
  services: [{ name: 'api', node: 'api', port: 8080 }, { name: 'db', node: 'db', port: 5432 }],
  edges: [{ caller: 'load:client', callee: 'api' }, { caller: 'api', callee: 'db' }],
};

test('numbers, seconds, bytes and units read as a person writes them', () => {
  assert.equal(R.fmtNum(0), '0');
  assert.equal(R.fmtNum(0.012345), '0.0123');
  assert.equal(R.fmtNum(99.94), '99.9');
  assert.equal(R.fmtNum(1234.4), '1234');
  assert.equal(R.fmtNum(12345), '12.3k');
  assert.equal(R.fmtNum(-2.5e6), '-2.5M');
  assert.equal(R.fmtNum(7.25e9), '7.25G');
  for (const bad of [null, undefined, NaN, Infinity, '3', {}]) assert.equal(R.fmtNum(bad), DASH, String(bad));

  assert.equal(R.fmtSec(0), '0 s');
  assert.equal(R.fmtSec(0.0005), '500 \u00b5s');
  assert.equal(R.fmtSec(0.25), '250 ms');
  assert.equal(R.fmtSec(12.345), '12.3 s');
  assert.equal(R.fmtSec(250.4), '250 s');
  assert.equal(R.fmtBytes(512), '512 B');
  assert.equal(R.fmtBytes(1536), '1.5 KiB');
  assert.equal(R.fmtBytes(1024 ** 3), '1 GiB');
  assert.equal(R.fmtBytes(5 * 1024 ** 5), '5120 TiB'); // no unit past TiB

  assert.equal(R.fmtUnit(0.2, 's'), '200 ms');
  assert.equal(R.fmtUnit(2048, 'B'), '2 KiB');
  assert.equal(R.fmtUnit(420, 'req/s'), '420 req/s');
  assert.equal(R.fmtUnit(3, ''), '3');
  assert.equal(R.fmtUnit(null, 'req/s'), DASH);
  assert.equal(R.axisLabel(0.5, 'cores'), '0.5 cores');
  assert.equal(R.axisLabel(400, 'req/s'), '400');
  assert.equal(R.fmtT(26.96), '27 s');
  assert.equal(R.fmtT(-1.25), '-1.3 s');
  assert.equal(R.fmtX(3.914), '\u00d73.91');
  assert.equal(R.fmtPct(0.666), '67%');
  assert.equal(R.truncate('retry-storm', 6), 'retry\u2026');
  assert.equal(R.truncate('db', 6), 'db');
  assert.equal(R.truncate('abc', 0), 'a\u2026'); // always one character
});

test('axis ticks are 1, 2 or 5 times a power of ten and cover the range', () => {
  assert.equal(R.niceStep(10, 4), 2);
  assert.equal(R.niceStep(60, 4), 20);
  assert.equal(R.niceStep(0.9, 4), 0.2);
  assert.deepEqual(R.linTicks(0, 10, 4), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(R.linTicks(0.1, 0.45, 4), [0.1, 0.2, 0.3, 0.4]); // no 0.30000000000000004
  assert.deepEqual(R.linTicks(-3, 3, 3), [-2, 0, 2]);
  assert.deepEqual(R.linTicks(5, 5, 4), [5]);
  assert.deepEqual(R.linTicks(5, 1, 4), [5]);
});

test('bisect finds the nearest tick, the earlier one on a tie', () => {
  const xs = [0, 1, 2, 3, 10];
  assert.equal(R.bisect([], 1), -1);
  assert.equal(R.bisect(xs, -5), 0);
  assert.equal(R.bisect(xs, 1.6), 2);
  assert.equal(R.bisect(xs, 1.5), 1);
  assert.equal(R.bisect(xs, 7), 4);
  assert.equal(R.bisect(xs, 99), 4);
});

test('a latency spanning more than 30x gets a log axis, everything else a linear one from 0', () => {
  const lin = R.yAxis([{ v: [10, null, 40] }, { v: [25] }], false, 200, 20);
  assert.equal(lin.log, false);
  assert.deepEqual(lin.ticks, [0, 10, 20, 30, 40]);
  assert.equal(lin.y(0), 200);
  assert.equal(lin.y(40), 20);
  assert.equal(lin.y(20), 110);
  // Negative values lower the axis' bottom below 0.
  const neg = R.yAxis([{ v: [-5, 5] }], false, 100, 0);
  assert.equal(neg.y(-5), 100);
  assert.deepEqual(neg.ticks, [-4, -2, 0, 2, 4, 6]);
  // All null or zero: a 0..1 axis, not a division by zero.
  const empty = R.yAxis([{ v: [null, 0] }], true, 100, 0);
  assert.equal(empty.log, false);
  assert.ok(Number.isFinite(empty.y(0)));

  const log = R.yAxis([{ v: [0.002, 0.5, null, 0] }], true, 210, 10);
  assert.equal(log.log, true);
  assert.deepEqual(log.ticks, [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
  assert.equal(log.y(0.001), 210);
  assert.equal(log.y(1), 10);
  assert.equal(log.y(0), 210, 'zero sits on the axis, not at -infinity');
  // Within 30x a latency stays linear; wide spans get only powers of ten.
  assert.equal(R.yAxis([{ v: [0.01, 0.2] }], true, 100, 0).log, false);
  const wide = R.yAxis([{ v: [1e-4, 10] }], true, 100, 0).ticks;
  assert.deepEqual(wide.map((v) => +v.toPrecision(12)), [1e-4, 1e-3, 1e-2, 0.1, 1, 10]);
});

test('colours: the degradation ramp, ink on fills, one colour per id', () => {
  assert.equal(R.scaleColour(0), 'rgb(165,0,38)');
  assert.equal(R.scaleColour(1), 'rgb(253,210,102)');
  assert.equal(R.scaleColour(-3), 'rgb(165,0,38)');
  assert.equal(R.scaleColour(7), 'rgb(253,210,102)');
  assert.equal(R.scaleColour(0.175), 'rgb(196,31,42)'); // half way from the first stop to the second
  assert.equal(R.inkOn('rgb(253,210,102)'), '#1d2430');
  assert.equal(R.inkOn('rgb(165,0,38)'), '#fff');
  assert.equal(R.inkOn('#ffffff'), '#1d2430');
  assert.equal(R.inkOn('#546277'), '#fff');
  assert.equal(R.inkOn('teal'), '#fff');

  const colourOf = R.colourPicker();
  assert.equal(colourOf('api', 'service'), R.PALETTE[0]);
  assert.equal(colourOf('load:client', 'load'), R.LOAD_COLOURS[0]);
  assert.equal(colourOf('db', 'service'), R.PALETTE[1]);
  assert.equal(colourOf('api', 'load'), R.PALETTE[0], 'an id keeps its first colour');
  assert.equal(colourOf('system', 'system'), '#7b8794');
  for (let k = 2; k < R.PALETTE.length; k++) colourOf('s' + k, 'service');
  assert.equal(colourOf('one-more', 'service'), R.PALETTE[0], 'the palette wraps');

  assert.equal(R.ampTone(null), 'na');
  assert.equal(R.ampTone(1.2), 'ok');
  assert.equal(R.ampTone(1.5), 'warn');
  assert.equal(R.ampTone(3), 'bad');
  assert.equal(R.edgeWidth(null), 1.6);
  assert.equal(R.edgeWidth(0.5), 1.2);
  assert.equal(R.edgeWidth(4), 1.2 + 2 * 1.6);
  assert.equal(R.edgeWidth(1e9), 7);
});

test('the graph: load generators by node, unknown callees become services', () => {
  const g = R.topologyGraph({
    nodes: [{ name: 'client', load: true }, { name: 'web' }],
    services: [{ name: 'web', node: 'web', port: 80 }, { name: 'web', node: 'dup' }, { node: 'nameless' }],
    edges: [{ caller: 'client', callee: 'web' }, { caller: 'web', callee: 'cache' }, { caller: 'load:bot', callee: 'web' },
            { caller: 'web' }],
  });
  assert.deepEqual(g.graphNodes.map((n) => n.id), ['load:client', 'load:bot', 'web', 'cache']);
  assert.deepEqual(g.edges, [{ caller: 'load:client', callee: 'web' }, { caller: 'web', callee: 'cache' },
                             { caller: 'load:bot', callee: 'web' }]);
  assert.equal(g.nodeById.get('web').port, 80, 'the first of two services of one name');
  assert.equal(g.nodeById.get('cache').node, 'cache');
  assert.equal(g.canonName('client'), 'load:client');
  assert.equal(g.canonName('web'), 'web');
  assert.equal(R.short('load:client'), 'client');
  // Nothing usable: an empty graph, no exception.
  assert.deepEqual(R.topologyGraph(null).graphNodes, []);
  assert.deepEqual(R.topologyGraph({ services: 'x', edges: [null, 3] }).edges, []);
});

test('series are classified by their node and service columns', () => {
  const g = R.topologyGraph(chainTopology);
  const c = (n, s) => { const x = R.classify(n, s, g); return [x.kind, x.id, x.label]; };
  assert.deepEqual(c('', 'system'), ['system', 'system', 'system']);
  assert.deepEqual(c('host', ''), ['host', 'host', 'host']);
  assert.deepEqual(c('link:api-db', 'api->db'), ['net', 'link:api-db|api->db', 'api \u2192 db']);
  assert.deepEqual(c('segment:lan', ''), ['net', 'segment:lan|', 'lan (shared)']);
  assert.deepEqual(c('segment:lan', 'api'), ['net', 'segment:lan|api', 'lan: api']);
  assert.deepEqual(c('partition', '1: api to db'), ['net', 'partition|1: api to db', 'partition 1: api to db']);
  assert.deepEqual(c('client', 'load:client->api'), ['edge', 'edge:load:client->api', 'client \u2192 api']);
  assert.deepEqual(c('client', 'client->api'), ['edge', 'edge:load:client->api', 'client \u2192 api']);
  assert.deepEqual(c('api', 'api->db'), ['edge', 'edge:api->db', 'api \u2192 db']);
  assert.deepEqual(c('client', ''), ['load', 'load:client', 'client (load)']);
  assert.deepEqual(c('client', 'load:client'), ['load', 'load:client', 'client (load)']);
  assert.deepEqual(c('api', 'api'), ['service', 'api', 'api']);
  assert.deepEqual(c('db', ''), ['node', 'node:db', 'db']);

  const ser = R.seriesList({ series: [{ m: 'p99_s', n: 'db', s: 'db', v: [0.1, 'x', null, Infinity] }, { n: 'db', v: [1] }] }, g);
  assert.equal(ser.length, 1, 'a series without a metric is dropped');
  assert.deepEqual(ser[0].v, [0.1, null, null, null]);
});

test('layout: callers left of callees, a cycle broken, columns ordered', () => {
  const g = R.topologyGraph({
    nodes: [{ name: 'client', load: true }],
    services: ['gw', 'a', 'b', 'db', 'lonely'].map((name) => ({ name, node: name })),
    edges: [['load:client', 'gw'], ['gw', 'a'], ['gw', 'b'], ['a', 'db'], ['b', 'db'], ['db', 'a'], ['b', 'b']]
      .map(([caller, callee]) => ({ caller, callee })),
  });
  const L = R.layout(g);
  const col = (id) => L.layer.get(id);
  assert.equal(col('load:client'), 0);
  assert.equal(col('gw'), 1);
  assert.equal(col('a'), 2);
  assert.equal(col('b'), 2);
  assert.equal(col('db'), 3, 'one column right of its deepest caller');
  assert.equal(col('lonely'), 1, 'services start right of the load generators');
  assert.ok(L.back.has(L.key('db', 'a')), 'the call back from db to a is the cycle\'s back edge');
  assert.equal(L.back.size, 1);
  assert.ok(!L.E.some((e) => e.caller === e.callee), 'self-calls are not layered');
  assert.deepEqual(L.cols.map((c) => c.length), [1, 2, 2, 1]);
  assert.deepEqual(L.cols.flat().sort(), ['a', 'b', 'db', 'gw', 'load:client', 'lonely']);
  // Barycentres: each column ordered by its callers' rows, so that calls do not cross.
  const crossed = R.layout(R.topologyGraph({
    nodes: [{ name: 'l1', load: true }, { name: 'l2', load: true }],
    services: [{ name: 'a' }, { name: 'b' }],
    edges: [{ caller: 'load:l1', callee: 'b' }, { caller: 'load:l2', callee: 'a' }],
  }));
  assert.deepEqual(crossed.cols, [['load:l1', 'load:l2'], ['b', 'a']]);
  // Without load generators the services start at column 0.
  const solo = R.layout(R.topologyGraph({ services: [{ name: 'x' }, { name: 'y' }], edges: [{ caller: 'x', callee: 'y' }] }));
  assert.deepEqual(solo.cols, [['x'], ['y']]);
});

test('faults: on nodes and on the link under a call', () => {
  const g = R.topologyGraph(chainTopology);
  const f = (target) => ({ target });
  const api = g.nodeById.get('api'), client = g.nodeById.get('load:client');
  assert.ok(R.faultTargetsNode(f('node:api'), api));
  assert.ok(!R.faultTargetsNode(f('node:db'), api));
  assert.ok(R.faultTargetsNode(f('node:client'), client), 'a load generator is on its node');
  assert.ok(R.faultTargetsNode(f('load:client'), client));
  assert.ok(!R.faultTargetsNode(f('load:client'), api));
  assert.ok(!R.faultTargetsNode(f('link:api-db'), api));
  const e = { caller: 'api', callee: 'db' };
  const link = (a, b) => ({ target: `link:${a}-${b}`, link: [a, b] });
  assert.ok(R.faultTargetsEdge(link('api', 'db'), e, g.nodeById));
  assert.ok(R.faultTargetsEdge(link('db', 'api'), e, g.nodeById), 'either order of the link');
  assert.ok(!R.faultTargetsEdge(link('client', 'api'), e, g.nodeById));
  assert.ok(!R.faultTargetsEdge(f('node:db'), e, g.nodeById));
  assert.ok(!R.faultTargetsEdge(f('link:api-db'), e, g.nodeById), 'the text alone is never split');
  // Node names with '-': "a-b" + "c" and "a" + "b-c" spell the same text.
  const dashed = R.topologyGraph({
    services: [{ name: 'a', node: 'a' }, { name: 'a-b', node: 'a-b' }, { name: 'b-c', node: 'b-c' }, { name: 'c', node: 'c' }],
    edges: [{ caller: 'a-b', callee: 'c' }, { caller: 'a', callee: 'b-c' }],
  });
  const fault = { target: 'link:a-b-c', link: ['a-b', 'c'] };
  assert.ok(R.faultTargetsEdge(fault, { caller: 'a-b', callee: 'c' }, dashed.nodeById));
  assert.ok(!R.faultTargetsEdge(fault, { caller: 'a', callee: 'b-c' }, dashed.nodeById));
});

test('the fault list comes from the summary, else from paired events', () => {
  const fromSummary = R.faultList([
    { index: 1, target: 'node:db', what: 'cpu 0.2', at_s: 30, for_s: 5, applied_s: 30.2, reverted_s: null },
    { index: 0, target: 'link:a-b', what: 'loss 5%', at_s: 10, for_s: 0 },
    { target: 'node:x', what: 'pause', at_s: 12 },
    { index: 3, target: 'node:never', applied_s: null, at_s: null },
  ], [{ kind: 'fault', t: 1, state: 'applied', fault: 9 }]);
  assert.deepEqual(fromSummary.map((f) => [f.idx, f.a, f.b, f.open]),
                   [[0, 10, 10, false], [2, 12, null, true], [1, 30.2, 35.2, false]]);

  const fromEvents = R.faultList([], [
    { t: 20, kind: 'fault', state: 'applied', fault: 0, target: 'node:db', what: 'cpu 0.2' },
    { t: 5, kind: 'fault', state: 'applied', fault: 1, target: 'load:client', what: 'rate 250' },
    { t: 25, kind: 'fault', state: 'ramp', fault: 0 },
    { t: 35, kind: 'fault', state: 'reverted', fault: 0 },
    { t: 40, kind: 'fault', state: 'reverted', fault: 7 },
    { t: 'x', kind: 'fault', state: 'applied', fault: 2 },
  ]);
  assert.deepEqual(fromEvents.map((f) => [f.idx, f.a, f.b, f.open, f.target]),
                   [[1, 5, null, true, 'load:client'], [0, 20, 35, false, 'node:db']]);
});

test('phases come from the phase events, else from summary.phases', () => {
  const ev = [{ t: 0, kind: 'phase', phase: 'warmup' }, { t: 20, kind: 'phase', phase: 'faults' },
              { t: 5, kind: 'phase', phase: 'baseline' }, { t: 60, kind: 'phase', phase: 'done' }];
  assert.deepEqual(R.phaseList(ev, {}, 0, 70, 20).map((p) => [p.name, p.a, p.b]),
                   [['warmup', 0, 5], ['baseline', 5, 20], ['faults', 20, 60]]);
  const phases = { warmup_end_s: 5, baseline: [5, 15], first_fault_s: 20, last_fault_end_s: 35, end_s: 60 };
  assert.deepEqual(R.phaseList([], phases, 0, 70, 20).map((p) => [p.name, p.a, p.b]),
                   [['warmup', 0, 5], ['baseline', 5, 15], ['faults', 20, 35], ['recovery', 35, 60]]);
  assert.deepEqual(R.phaseList([], { baseline: null }, 0, 70, null), []);
});

test('overlapping faults stack in rows on the timeline', () => {
  const fs = [{ a: 0, b: 10 }, { a: 5, b: 8 }, { a: 10, b: 12 }, { a: 11, b: 30 }];
  assert.deepEqual(R.faultRows(fs, 1), { rows: [0, 1, 0, 1], count: 2 });
  assert.deepEqual(R.faultRows(fs, 20), { rows: [0, 1, 2, 3], count: 4 }, 'room for labels pushes faults down');
  assert.deepEqual(R.faultRows([], 1), { rows: [], count: 0 });
});

test('the address picks the time: #t=27', () => {
  assert.equal(R.hashTime('#t=27'), 27);
  assert.equal(R.hashTime('#x=1&t=-2.5'), -2.5);
  assert.equal(R.hashTime('#at=3'), null);
  assert.equal(R.hashTime(''), null);
  assert.equal(R.hashTime(undefined), null);
});

test('events are described in words', () => {
  assert.equal(R.describeEvent({ kind: 'fault', fault: 0, state: 'applied', target: 'node:db', what: 'cpu 0.2' }),
               'fault 0 applied: node:db cpu 0.2');
  assert.equal(R.describeEvent({ kind: 'breaker', service: 'api', downstream: 'db:5432', to: 'open' }),
               'breaker of api \u2192 db:5432: open');
  assert.equal(R.describeEvent({ kind: 'exit', process: 'faultline-service', node: 'db', status: 'killed by signal 9' }),
               'faultline-service in db exited: killed by signal 9');
  assert.equal(R.describeEvent({ kind: 'oom', node: 'db', count: 2 }), 'OOM kill in db (2)');
  assert.equal(R.describeEvent({ kind: 'restart', node: 'db', count: 3 }), 'restart of db (3)');
  assert.equal(R.describeEvent({ kind: 'restart', node: 'db', count: 1, error: 'no' }), 'restart of db (1) failed: no');
  assert.equal(R.describeEvent({ kind: 'warning', what: 'host CPU at 95%' }), 'host CPU at 95%');
  assert.equal(R.describeEvent({ t: 3, kind: 'new', a: 1 }), '{"a":1}', 'an unknown kind shows its fields');
});

test('a plot\'s lines: its kinds, services in topology order, the system line only beside several loads', () => {
  const g = R.topologyGraph(chainTopology);
  const ser = R.seriesList({ series: [
    { m: 'goodput_rps', n: 'db', s: 'db', v: [1] },
    { m: 'goodput_rps', n: '', s: 'system', v: [1] },
    { m: 'goodput_rps', n: 'client', s: '', v: [1] },
    { m: 'goodput_rps', n: 'api', s: 'api', v: [2] },
    { m: 'goodput_rps', n: 'web', s: 'web', v: [null, null] },
    { m: 'attempts_rps', n: 'api', s: 'api', v: [3] },
    { m: 'attempts_rps', n: 'api', s: 'api->db', v: [3] },
  ] }, g);
  const plot = (metric) => R.PLOTS.find((p) => p.ms[0] === metric);
  assert.deepEqual(R.linesFor(plot('goodput_rps'), ser, g.services).map((l) => l.id), ['api', 'db', 'load:client']);
  assert.deepEqual(R.linesFor(plot('attempts_rps'), ser, g.services).map((l) => l.id), ['edge:api->db'],
                   'a service\'s attempts repeat its edges\'');
  const two = ser.concat(R.seriesList({ series: [{ m: 'goodput_rps', n: 'bot', s: 'load:bot', v: [1] }] },
                                      R.topologyGraph({ nodes: [{ name: 'bot', load: true }] })));
  assert.deepEqual(R.linesFor(plot('goodput_rps'), two, g.services).map((l) => l.id),
                   ['api', 'db', 'load:bot', 'load:client', 'system']);
});

test('each node\'s run-queue wait is plotted next to its throttled time, the flow pairs\' elsewhere', () => {
  const g = R.topologyGraph(chainTopology);
  const ser = R.seriesList({ series: [
    { m: 'runq_wait_share', n: 'db', s: '', v: [0.5] },
    { m: 'runq_wait_share', n: 'api', s: '', v: [null] },
    { m: 'cpu_throttled_s', n: 'db', s: '', v: [0.2] },
    { m: 'retransmits_ps', n: 'flow', s: 'api->db', v: [3] },
  ] }, g);
  const at = (metric) => R.PLOTS.findIndex((p) => p.ms[0] === metric);
  assert.equal(at('runq_wait_share'), at('cpu_throttled_s') + 1, 'beside the cgroup\'s throttling');
  assert.deepEqual(R.linesFor(R.PLOTS[at('runq_wait_share')], ser, g.services).map((l) => l.id), ['node:db'],
                   'a node without a value has no line');
  assert.deepEqual(R.linesFor(R.PLOTS[at('cpu_throttled_s')], ser, g.services).map((l) => l.id), ['node:db']);
  assert.deepEqual(R.linesFor(R.PLOTS[at('retransmits_ps')], ser, g.services).map((l) => l.id), ['flow|api->db']);
});

test('the model: time axis, open faults, phases and the graph from a summary', () => {
  const md = R.model(data({
    topology: chainTopology,
    phases: { warmup_end_s: 5, baseline: [5, 15], first_fault_s: 20, last_fault_end_s: 35, end_s: 40 },
    faults: [{ index: 0, target: 'node:db', what: 'cpu 0.2', at_s: 20, for_s: 15, applied_s: 20, reverted_s: 35 },
             { index: 1, target: 'node:api', what: 'pause', at_s: 30, for_s: 0, applied_s: 30, reverted_s: null }],
  }, [], [], 30));
  assert.equal(md.X0, 0);
  assert.equal(md.X1, 40, 'the run\'s end, past the last tick');
  assert.deepEqual(md.FAULTS.map((f) => [f.a, f.b, f.open]), [[20, 35, false], [30, 30, false]]);
  assert.equal(md.firstFault, 20);
  assert.equal(md.phaseAt(10), 'baseline');
  assert.equal(md.phaseAt(36), 'recovery');
  assert.deepEqual(md.activeFaults(25).map((f) => f.idx), [0]);
  assert.deepEqual(md.graphNodes.map((n) => n.id), ['load:client', 'api', 'db']);

  const open = R.model(data({ faults: [{ index: 0, target: 'node:db', at_s: 5, applied_s: 5 }] }, [], [], 10));
  assert.deepEqual(open.FAULTS.map((f) => [f.a, f.b, f.open]), [[5, 10, true]], 'never reverted: open to the axis\' end');
  // Nothing at all: a usable empty model.
  const none = R.model(undefined);
  assert.deepEqual([none.X0, none.X1, none.T.length, none.FAULTS.length, none.firstFault], [0, 1, 0, 0, null]);
  assert.deepEqual(none.firstUnhealthy(), []);
});

test('health letters: window k covers [k, k + 1) x window_s, idle is its own state', () => {
  assert.equal(R.windowIndex(0, 0.1), 0);
  assert.equal(R.windowIndex(0.0999, 0.1), 0);
  assert.equal(R.windowIndex(0.1, 0.1), 1);
  assert.equal(R.windowIndex(15.3, 0.1), 153, '15.3 / 0.1 is 152.99999999999997 in floating point');
  assert.equal(R.windowIndex(0.35, 0.1), 3, 'floor, not round');
  assert.equal(R.windowIndex(-0.05, 0.1), -1);
  assert.equal(R.windowIndex(1, 0), -1);
  const L = 'uhhidfih?';
  const at = (t) => R.letterAt(L, 0.1, t);
  assert.deepEqual([0.05, 0.1, 0.29, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8].map(at),
                   ['unknown', 'healthy', 'healthy', 'idle', 'degraded', 'failed', 'idle', 'healthy', 'unknown']);
  assert.equal(at(0.9), 'unknown', 'past the letters');
  assert.equal(at(-1), 'unknown');
  assert.equal(R.letterAt(undefined, 0.1, 1), null, 'no letters: not judged');
  assert.equal(R.letterAt('hh', null, 1), null, 'no window: not judged');
  assert.equal(R.firstUnhealthy('iihhidf', 0.1), 0.5, 'idle is not unhealthy');
  assert.equal(R.firstUnhealthy('iihhiih', 0.1), null);
  assert.equal(R.firstUnhealthy('hhf', 0.25), 0.5);
  assert.equal(R.firstUnhealthy(null, 0.1), null);
});

test('the tick of the series holding a time, and edge keys', () => {
  const T = [1, 2, 3, 4];
  assert.equal(R.tickIndexAt(T, 0.2), 0);
  assert.equal(R.tickIndexAt(T, 2), 1, 'the tick that ends at t');
  assert.equal(R.tickIndexAt(T, 2.1), 2);
  assert.equal(R.tickIndexAt(T, 9), 3);
  assert.equal(R.tickIndexAt([], 1), -1);
  const g = R.topologyGraph(chainTopology);
  assert.equal(R.edgeKey('client->api', g.canonName), 'load:client->api');
  assert.equal(R.edgeKey('load:client->api', g.canonName), 'load:client->api');
  assert.equal(R.edgeKey('api->db'), 'api->db');
  for (const bad of ['', 'api', '->db', 'api->', null]) assert.equal(R.edgeKey(bad), null, String(bad));
});

test('the model judges services and calls by summary.health, nothing else by anything', () => {
  // The series say db is fine and api is dying: the page must not care.
  const rows = [['goodput_rps', 'db', 'db', () => 400], ['goodput_rps', 'api', 'api', () => 0],
                ['up', 'api', 'api', () => 0], ['attempts_rps', 'api', 'api->db', (t) => t * 10]];
  const md = R.model(data({
    topology: chainTopology,
    phases: { tick_s: 1, end_s: 3 },
    health: { window_s: 0.5, services: { db: 'hhhdfi', api: 'iiiiii' }, calls: { 'api->db': 'hhhdfi', 'client->api': 'hhhfff' } },
  }, rows, [], 3));
  const node = (id) => md.nodeById.get(id);
  assert.equal(md.healthAt(node('db'), 1.49), 'healthy');
  assert.equal(md.healthAt(node('db'), 1.5), 'degraded');
  assert.equal(md.healthAt(node('db'), 2.0), 'failed');
  assert.equal(md.healthAt(node('db'), 2.5), 'idle');
  assert.equal(md.healthAt(node('api'), 1.0), 'idle', 'asked nothing: idle, whatever its own goodput');
  assert.equal(md.healthAt(node('load:client'), 1.0), 'unknown', 'a load generator has no letters');
  assert.equal(md.judged(node('load:client')), false);
  assert.equal(md.judged(node('db')), true);
  assert.equal(md.callHealthAt('api', 'db', 2.2), 'failed');
  assert.equal(md.callHealthAt('load:client', 'api', 0.2), 'healthy', 'a bare load node\'s call under its graph id');
  assert.equal(md.callHealthAt('db', 'api', 1), null, 'a call without letters is not judged');
  assert.deepEqual(md.firstUnhealthy(), ['load:client=unjudged', 'api=never', 'db=1.5']);
  // The slider steps through the health windows.
  assert.deepEqual([md.STEP, md.STEPS, md.timeOfStep(3), md.stepOf(1.6), md.stepOf(99)], [0.5, 6, 1.5, 3, 6]);
  assert.equal(md.valAt('attempts_rps', 'edge:api->db', md.tickAt(1.5)), 20);

  // An older summary (letters per tick, no window_s) and no summary: nothing judged, the tick for a step.
  const old = R.model(data({ topology: chainTopology, phases: { tick_s: 1 }, health: { tick_s: 1, services: { db: 'ddd' } } }, rows, [], 3));
  assert.equal(old.healthAt(old.nodeById.get('db'), 1), 'unknown');
  assert.deepEqual(old.firstUnhealthy(), ['load:client=unjudged', 'api=unjudged', 'db=unjudged']);
  assert.deepEqual([old.STEP, old.STEPS], [1, 3]);
  const b = R.model(data({ topology: chainTopology,
    baselines: { db: { slo_s: 0.03, slo_explicit: false, tries_p99_s: 0.015, bad_share: 0.01, bad_share_allowed: 0.05, tries: 900 } } }, [], [], 2));
  assert.deepEqual(b.baselineOf(b.nodeById.get('db')),
                   { slo: 0.03, explicit: false, triesP99: 0.015, badShare: 0.01, allowed: 0.05, tries: 900 });
  assert.deepEqual(b.baselineOf(b.nodeById.get('api')),
                   { slo: null, explicit: false, triesP99: null, badShare: null, allowed: null, tries: null });
});

test('the replay: onset order, simultaneous steps together, milliseconds stretched, the clock in measured time', () => {
  const prop = [
    { service: 'db', onset_s: 15.062, after_fault_s: 0.062, resolution_s: 0.05, via: '', via_edge: '', hops: 0, simultaneous: false },
    { service: 'app', onset_s: 15.071, after_fault_s: 0.071, resolution_s: 0.05, via: 'db', via_edge: 'app->db', hops: 1, simultaneous: true },
    { service: 'api', onset_s: 15.9, after_fault_s: 0.9, resolution_s: 0.05, via: 'app', via_edge: 'api->app', hops: 2, simultaneous: false },
    { service: 'web', onset_s: 25, after_fault_s: 10, resolution_s: 0.2, via: 'api', via_edge: 'web->api', hops: 3, simultaneous: false },
    { service: 'cache', onset_s: 25.1, after_fault_s: 10.1, resolution_s: 0.2, via: '', via_edge: '', hops: -1, simultaneous: true },
    { onset_s: 3, after_fault_s: 1 }, { service: 'x' },
  ];
  const r = R.replaySchedule(prop);
  assert.deepEqual(r.steps.map((s) => [s.service, s.group]), [['db', 0], ['app', 0], ['api', 1], ['web', 2], ['cache', 2]]);
  assert.deepEqual(r.groups.map((g) => [g.from, g.until, g.steps.length]), [[0.062, 0.071, 2], [0.9, 0.9, 1], [10, 10.1, 2]]);
  // 62 ms is 1.24 resolutions: 0.496 s; 838 ms, 16.8: capped at 1.6 s; 9.1 s: 1.6 s.
  const close = (a, b) => Math.abs(a - b) < 1e-9;
  assert.ok(close(r.groups[0].at, 0.496), String(r.groups[0].at));
  assert.ok(close(r.groups[1].at, 2.096), String(r.groups[1].at));
  assert.ok(close(r.groups[2].at, 3.696), String(r.groups[2].at));
  assert.ok(close(r.duration, 3.696));
  assert.deepEqual(r.resolutions, [0.05, 0.2]);
  assert.equal(r.clockAt(0), 0);
  assert.ok(close(r.clockAt(0.248), 0.031), 'half way to the first onset: half its time');
  assert.ok(close(r.clockAt(r.groups[1].at), 0.9));
  assert.ok(close(r.clockAt((r.groups[1].at + r.groups[2].at) / 2), 5.45));
  assert.equal(r.clockAt(99), 10);
  assert.deepEqual([0, 0.495, 0.496, 2.1, 3.7, 99].map(r.reached), [0, 0, 1, 2, 3, 3]);
  // A tiny gap still takes the shortest step, and options change the stretch.
  const tiny = R.replaySchedule([{ service: 'a', after_fault_s: 0.001, resolution_s: 0.05 }], { minStep: 0.2 });
  assert.ok(close(tiny.duration, 0.2));
  const slow = R.replaySchedule([{ service: 'a', after_fault_s: 0.1, resolution_s: 0.05 }], { perResolution: 1, maxStep: 5 });
  assert.ok(close(slow.duration, 2));
  assert.deepEqual(R.replaySchedule(null).groups, []);
  assert.equal(R.replaySchedule([]).clockAt(1), 0);
  // Out of order in the input: sorted by onset, the first of a run is never simultaneous with nothing.
  const unsorted = R.replaySchedule([{ service: 'b', after_fault_s: 0.5, simultaneous: false }, { service: 'a', after_fault_s: 0.2, simultaneous: true }]);
  assert.deepEqual(unsorted.steps.map((s) => [s.service, s.group]), [['a', 0], ['b', 1]]);
});

// A small trace: the client calls api twice (the first attempt times out at
// api, whose call to db was shed), the second answered by a hedge. Spans
// are listed out of order, as the records arrive.
const trace = {
  trace_id: '0123456789abcdef0123456789abcdef', source: 'load:client', start_s: 20, cause: 'timeout',
  spans: [
    { id: 'a2', parent: 'c1', source: 'load:client', kind: 'attempt', name: 'api', start_s: 20.3, end_s: 20.5, cause: 'ok', status: 200, attempt: 1, hedge: true, fallback: false, open: false },
    { id: 'c1', parent: null, source: 'load:client', kind: 'call', name: 'api', start_s: 20, end_s: 20.5, cause: 'ok', status: 200, attempt: 2, hedge: false, fallback: false, open: false },
    { id: 'r1', parent: 'a1', source: 'api', kind: 'request', name: '/', start_s: 20.01, end_s: 20.6, cause: 'gateway_timeout', status: 504, attempt: 0, hedge: false, fallback: false, open: false },
    { id: 'a1', parent: 'c1', source: 'load:client', kind: 'attempt', name: 'api', start_s: 20, end_s: 20.4, cause: 'timeout', status: 0, attempt: 0, hedge: false, fallback: false, open: false },
    { id: 'd1', parent: 'r1', source: 'api', kind: 'call', name: 'db', start_s: 20.02, end_s: 20.6, cause: 'shed', status: 503, attempt: 1, hedge: false, fallback: true, open: false },
    { id: 'x1', parent: 'gone', source: 'db', kind: 'request', name: '/', start_s: 20.05, end_s: 21, cause: 'ok', status: 200, attempt: 0, hedge: false, fallback: false, open: true },
    { id: 'y1', parent: 'y2', source: 'db', kind: 'request', name: '/', start_s: 20.07, end_s: 20.08, cause: 'connect', status: 0, attempt: 0, hedge: false, fallback: false, open: false },
    { id: 'y2', parent: 'y1', source: 'db', kind: 'attempt', name: 'db', start_s: 20.06, end_s: 20.09, cause: 'breaker_open', status: 0, attempt: 2, hedge: false, fallback: false, open: false },
    { id: 'c1', parent: null, source: 'dup', kind: 'call', name: 'api', start_s: 0, end_s: 1 },
    { id: 'nostart', parent: 'c1', source: 'api', kind: 'request' },
  ],
};

test('a trace\'s waterfall: tree order, depth by parent links, offsets from the start, widths', () => {
  const w = R.waterfall(trace);
  assert.equal(w.traceId, trace.trace_id);
  assert.equal(w.t0, 20);
  assert.ok(Math.abs(w.total - 1) < 1e-9, 'to the latest end (the open span at 21 s)');
  assert.deepEqual(w.rows.map((r) => [r.id, r.depth]),
                   [['c1', 0], ['a1', 1], ['r1', 2], ['d1', 3], ['a2', 1], ['x1', 0], ['y2', 0], ['y1', 1]]);
  assert.equal(w.maxDepth, 3);
  const row = Object.fromEntries(w.rows.map((r) => [r.id, r]));
  assert.equal(row.c1.source, 'load:client', 'the first span of an id wins');
  assert.equal(row.x1.orphan, true, 'its parent is not in the trace');
  assert.equal(row.y2.orphan, true, 'a cycle of parent links: shown from its earliest span');
  assert.equal(row.c1.orphan, false);
  assert.ok(Math.abs(row.a2.start - 0.3) < 1e-9 && Math.abs(row.a2.dur - 0.2) < 1e-9);
  assert.ok(Math.abs(row.a2.x - 0.3) < 1e-9 && Math.abs(row.a2.w - 0.2) < 1e-9);
  assert.ok(Math.abs(row.r1.x - 0.01) < 1e-9 && Math.abs(row.r1.w - 0.59) < 1e-9, 'a child may outlast its parent');
  assert.deepEqual(w.rows.map((r) => r.cls), ['ok', 'timeout', 'timeout', 'shed', 'ok', 'ok', 'breaker', 'refused']);
  assert.equal(row.a1.what, 'client \u2192 api attempt 0');
  assert.equal(row.a2.what, 'client \u2192 api attempt 1 (hedge)');
  assert.equal(row.y2.what, 'db \u2192 db attempt 2 (retry)');
  assert.equal(row.c1.what, 'client calls api (2 attempts)');
  assert.equal(row.d1.what, 'api calls db (1 attempt)');
  assert.equal(row.r1.what, 'api serves /');
  assert.equal(row.r1.outcome, 'gateway_timeout 504');
  assert.equal(row.d1.outcome, 'shed 503, fallback');
  assert.equal(row.x1.outcome, 'ok 200, still open');
  assert.equal(row.a1.outcome, 'timeout');
  // Nothing usable: no rows, no exception.
  assert.deepEqual(R.waterfall(null).rows, []);
  assert.deepEqual(R.waterfall({ spans: [{ id: 'a' }] }).rows, []);
});

test('causes are classed as the waterfall colours them', () => {
  const want = {
    ok: 'ok', timeout: 'timeout', deadline: 'timeout', gateway_timeout: 'timeout',
    shed: 'shed', shed_queue_full: 'shed', shed_queue_delay: 'shed', shed_abandoned: 'shed',
    connect: 'refused', http_5xx: '5xx', injected: '5xx', memory: '5xx', downstream: '5xx',
    breaker_open: 'breaker', budget_exhausted: 'breaker', throttled: 'breaker',
    http_4xx: 'other', cancelled: 'other', what: 'other',
  };
  for (const [cause, cls] of Object.entries(want)) assert.equal(R.causeClass(cause), cls, cause);
  // Every class has a colour and a legend entry.
  for (const cls of new Set(Object.values(want))) assert.ok(R.CAUSE_COLOUR[cls], cls);
  assert.equal(new Set(R.CAUSE_TONES.map(([, c]) => c)).size, R.CAUSE_TONES.length, 'distinct colours');
});

test('amplification: both figures per edge, by tier, named on the graph', () => {
  const g = R.topologyGraph(chainTopology);
  const rows = R.ampRows([
    { caller: 'api', callee: 'db', tier: 2, per_hop: 1.43, per_hop_peak: 2.85, cumulative: 2.81, cumulative_peak: 3.68, onset_after_fault_s: 0.12 },
    { caller: 'client', callee: 'api', tier: 1, per_hop: 2.39, per_hop_peak: 3.44, cumulative: 2.39, cumulative_peak: 3.44, onset_after_fault_s: null },
    { caller: 'api' },
  ], g.canonName);
  assert.deepEqual(rows.map((r) => [r.key, r.tier, r.perHop, r.cumulative, r.onset]),
                   [['load:client->api', 1, 2.39, 2.39, null], ['api->db', 2, 1.43, 2.81, 0.12]]);
  assert.equal(R.ampLabel(rows[1]), 'hop \u00d71.43 \u00b7 cum \u00d72.81');
  assert.equal(R.ampLabel({ perHop: null, cumulative: null }), '');
  assert.equal(R.ampLabel(undefined), '');
  const md = R.model(data({ topology: chainTopology, amplification: [{ caller: 'client', callee: 'api', tier: 1, per_hop: 2, cumulative: 2 }],
                            propagation: [{ service: 'api', after_fault_s: 0.1, via: 'db', via_edge: 'api->db' }, { service: 'db', after_fault_s: 0.05, via_edge: 'client->api' }] }, [], [], 2));
  assert.deepEqual(md.AMP.map((r) => r.key), ['load:client->api']);
  assert.deepEqual([...md.viaEdges].sort(), ['api->db', 'load:client->api']);
});

test('milliseconds, offsets and the slider\'s clock', () => {
  assert.equal(R.fmtMs(0.121752), '122 ms');
  assert.equal(R.fmtMs(0.0042), '4.2 ms');
  assert.equal(R.fmtMs(2.5347), '2535 ms');
  assert.equal(R.fmtMs(12.5), '12.5 s');
  assert.equal(R.fmtMs(null), DASH);
  assert.equal(R.fmtAfter(0.125), '+125 ms');
  assert.equal(R.fmtAfter(0), '+0 ms');
  assert.equal(R.fmtAfter(-0.01), '-10 ms');
  assert.equal(R.fmtClock(15.3, 0.1), '15.3 s');
  assert.equal(R.fmtClock(15, 0.1), '15.0 s');
  assert.equal(R.fmtClock(15, 1), '15 s');
  assert.equal(R.fmtClock(15.25, 0.05), '15.25 s');
  assert.equal(R.hashFlag('#replay', 'replay'), true);
  assert.equal(R.hashFlag('#t=3&replay', 'replay'), true);
  assert.equal(R.hashFlag('#replayed', 'replay'), false);
  assert.equal(R.hashFlag('', 'replay'), false);
});

test('propagation colours: deep red first, yellow last, green never', () => {
  const md = R.model(data({
    topology: chainTopology,
    propagation: [{ service: 'db', after_fault_s: 0, hops: 0 }, { service: 'api', after_fault_s: 8, via: 'db', hops: 1 },
                  { after_fault_s: 3 }],
  }, [], [], 5));
  assert.equal(md.PROP.length, 2, 'a step without a service is dropped');
  assert.equal(md.propMax, 8);
  assert.equal(md.degradedColour('db'), R.scaleColour(0));
  assert.equal(md.degradedColour('api'), R.scaleColour(1));
  assert.equal(md.degradedColour('cache'), R.NEVER_COLOUR);
});

test('the verdict card: badge, headline and the tones of its figures', () => {
  const faults = [{ a: 20 }];
  const v = R.verdictView({ passed: false, verdict: { collapsed: true, time_to_collapse_s: 4, recovered: false, metastable: true,
                                                        blast_radius: 0.4, hops_per_s: 0.3333, max_cumulative_amplification: 3.2,
                                                        max_hop_amplification: 1.6 } },
                          faults, 20);
  assert.deepEqual(v.badge, ['FAILED', 'bad']);
  assert.equal(v.headline, 'collapsed 4 s after the first fault; did not recover (metastable)');
  const card = Object.fromEntries(v.cards.map(([k, value, tone]) => [k, [value, tone]]));
  assert.deepEqual(card.Collapse, ['after 4 s', 'bad']);
  assert.deepEqual(card.Recovery, ['not recovered', 'bad']);
  assert.deepEqual(card.Metastable, ['yes', 'bad']);
  assert.deepEqual(card['Blast radius'], ['40%', 'warn']);
  assert.deepEqual(card['Propagation speed'], ['0.333 hops/s', 'na']);
  assert.deepEqual(card['Cumulative amplification'], ['\u00d73.2', 'bad']);
  assert.deepEqual(card['Per-hop amplification'], ['\u00d71.6', 'warn']);
  assert.equal(card['Max amplification'], undefined, 'the old figure is gone');
  assert.deepEqual(card.Faults, ['1 from 20 s', 'na']);

  assert.equal(R.verdictView({ passed: true, verdict: { headline: 'all good' } }, faults, 20).headline, 'all good');
  assert.deepEqual(R.verdictView({ passed: true }, [], null).badge, ['PASSED', 'ok']);
  const none = R.verdictView(null, [], null);
  assert.deepEqual(none.badge, ['NO VERDICT', 'na']);
  assert.equal(none.headline, 'no fault was injected in this run');
  assert.ok(none.cards.every(([, value, tone]) => tone === 'na' || value === 'none'));
});

test('predicted vs measured: the lint\'s figures beside the baseline\'s', () => {
  const summary = {
    topology: chainTopology,
    phases: { tick_s: 1, baseline: [2, 5] },
    baselines: { db: { tries_p99_s: 0.03 }, api: { tries_p99_s: null } },
    predictions: {
      model: 'M/M/c',
      services: {
        db: { offered_rps: 100, capacity_rps: 400, utilisation: 0.25, hold_s: 0.01, mean_s: 0.0102, p50_s: 0.008, p99_s: 0.02,
              worst_attempts: 16, capped_attempts: 4 },
        api: { offered_rps: 100, capacity_rps: null, utilisation: 0, hold_s: 0, mean_s: 0, p50_s: 0, p99_s: 0,
               worst_attempts: 4, capped_attempts: 4 },
      },
      loads: { client: { rate_rps: 100, peak_rps: 300, vulnerable_above_rps: 25, bottleneck: 'db' } },
    },
  };
  // requests_rps of db over ticks 1..8: the baseline is the ticks ending in (2, 5]: 3, 4, 5.
  const md = R.model(data(summary, [['requests_rps', 'db', 'db', [0, 50, 90, 100, 110, 500, 500, 500]],
                                    ['p50_s', 'db', 'db', [1, 1, 0.008, 0.01, 0.012, 1, 1, 1]]], [], 8));
  assert.deepEqual(md.PRED.map((p) => p.service), ['api', 'db'], 'by name');
  const db = md.PRED[1];
  assert.equal(db.offered, 100);
  assert.equal(db.offeredMeasured, 100, 'the mean of ticks 3 to 5, not the fault phase');
  assert.ok(Math.abs(db.p50Measured - 0.01) < 1e-12);
  assert.equal(db.p50, 0.008);
  assert.ok(Math.abs(db.p50Ratio - 1.25) < 1e-12, 'measured median over predicted');
  assert.equal(db.p99Measured, 0.03);
  assert.ok(Math.abs(db.p99Ratio - 1.5) < 1e-12, 'measured p99 over predicted');
  assert.equal(db.worst, 16);
  assert.equal(db.capped, 4);
  const api = md.PRED[0];
  assert.equal(api.offeredMeasured, null, 'no series: nothing measured');
  assert.equal(api.p99Ratio, null, 'a zero prediction has no ratio');
  assert.equal(api.capacity, null);
  assert.deepEqual(md.PRED_LOADS, [{ load: 'load:client', rate: 100, peak: 300, vulnerable: 25, bottleneck: 'db' }]);
  // A summary older than the predictions: nothing to show, nothing thrown.
  assert.deepEqual(R.predictionRows({}, null, []), []);
  assert.deepEqual(R.predictionLoads(null), []);
});

test('the flow view: wire rows classified, trouble per call summed both ways, thickness and order', () => {
  const g = R.topologyGraph(chainTopology);
  const c = R.classify('flow', 'api->db', g);
  assert.deepEqual([c.kind, c.id, c.label], ['net', 'flow|api->db', 'wire api \u2192 db']);
  const d = data({ topology: chainTopology, flow: { available: true, first_bad_edge: 'db->api', order: [
    { edge: 'db->api', bad_s: 3, after_fault_s: 1, what: ['resets_sent'] },
    { edge: 'api->db', bad_s: 4, after_fault_s: 2, what: ['retransmits', 'drops'] }] } }, [
    ['retransmits_ps', 'flow', 'api->db', [0, 0, 0, 4, 2]],
    ['drops_pps', 'flow', 'api->db', [0, 0, null, 1, 0]],
    ['resets_sent_ps', 'flow', 'db->api', [0, 0, 3, 0, 0]],
    ['retransmits_ps', 'flow', 'client->api', [0, 0, 0, 0, 0]],
  ], [], 5);
  const md = R.model(d);
  assert.equal(md.flowAt('api', 'db', 0), 0);
  assert.equal(md.flowAt('api', 'db', 2), 3, 'the reverse direction counts: answers travel back');
  assert.equal(md.flowAt('db', 'api', 3), 5, 'either order of the pair');
  assert.equal(md.flowAt('client', 'db', 3), null, 'no row: nothing recorded');
  assert.equal(R.flowWidth(0), null);
  assert.equal(R.flowWidth(null), null);
  assert.ok(R.flowWidth(1) > 2.5 && R.flowWidth(1) < R.flowWidth(100));
  assert.equal(R.flowWidth(1e9), 10, 'capped');
  assert.deepEqual([...md.FLOW.keys()], ['db->api', 'api->db']);
  assert.equal(md.FLOW.get('api->db').rank, 2);
  assert.deepEqual(md.FLOW.get('api->db').what, ['retransmits', 'drops']);
  assert.equal(R.model(data({ topology: chainTopology }, [], [], 1)).FLOW.size, 0, 'no flow section: nothing');
});

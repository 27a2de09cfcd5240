// The report's pure functions (orchestrator/report/report_lib.js) under node:
// formatting, scales, colours, the graph and its layout, faults and phases,
// and the page's health rule, on synthetic data shaped like what
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
  assert.ok(R.faultTargetsEdge(f('link:api-db'), e, g.nodeById));
  assert.ok(R.faultTargetsEdge(f('link:db-api'), e, g.nodeById));
  assert.ok(!R.faultTargetsEdge(f('link:client-api'), e, g.nodeById));
  assert.ok(!R.faultTargetsEdge(f('node:db'), e, g.nodeById));
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

test('health from the series: goodput against the baseline, p99 against the SLO, unanswered scrapes', () => {
  // db's goodput falls to 300 (75%) at 21 s and to 20 (5%) at 25 s; api's
  // p99 is above twice its baseline from 23 to 25 s; api did not answer at 27 s.
  const md = R.model(data({
    topology: chainTopology,
    phases: { baseline: [1, 11], first_fault_s: 20 },
    baselines: { api: { goodput_rps: null, p99_s: null, slo_p99_s: null } },
  }, [
    ['goodput_rps', 'db', 'db', (t) => (t >= 25 ? 20 : t >= 21 ? 300 : 400)],
    ['goodput_rps', 'api', 'api', () => 400],
    ['p99_s', 'api', 'api', (t) => (t >= 23 && t < 26 ? 0.05 : 0.01)],
    ['up', 'api', 'api', (t) => (t === 27 ? 0 : 1)],
    ['offered_rps', 'client', '', () => 100],
    ['goodput_rps', 'client', '', (t) => (t >= 24 ? 50 : 99)],
  ], [], 30));
  const at = (id, t) => md.healthAt(md.nodeById.get(id), md.T.indexOf(t));
  assert.equal(at('db', 20), 'healthy');
  assert.equal(at('db', 21), 'degraded');
  assert.equal(at('db', 25), 'failed');
  assert.equal(at('api', 22), 'healthy');
  assert.equal(at('api', 23), 'degraded', 'p99 over 2x the measured baseline p99');
  assert.equal(at('api', 26), 'healthy');
  assert.equal(at('api', 27), 'degraded', 'no answer to the scrape');
  assert.equal(at('load:client', 23), 'healthy');
  assert.equal(at('load:client', 24), 'degraded', 'a load generator against what it offered');
  assert.equal(md.healthAt(md.nodeById.get('db'), -1), 'unknown');
  assert.equal(md.healthAt(md.nodeById.get('db'), 30), 'unknown');
  assert.deepEqual(md.firstUnhealthy(), ['load:client=24', 'api=23', 'db=21']);
  const b = md.baselineOf(md.nodeById.get('api'));
  assert.deepEqual([b.goodput, b.measured], [400, true], 'measured over the baseline window');
  assert.ok(Math.abs(b.p99 - 0.01) < 1e-12 && Math.abs(b.slo - 0.02) < 1e-12, JSON.stringify(b));
});

test('health: the summary\'s baselines and thresholds apply, the analysis\' letters win', () => {
  const rows = [['goodput_rps', 'db', 'db', (t) => (t >= 10 ? 70 : 100)], ['goodput_rps', 'api', 'api', () => 100]];
  const base = { topology: chainTopology, baselines: { db: { goodput_rps: 100 }, api: { goodput_rps: 100 } } };
  const dflt = R.model(data(base, rows, [], 20));
  const db = dflt.nodeById.get('db');
  assert.equal(dflt.healthAt(db, dflt.T.indexOf(12)), 'degraded');
  const lax = R.model(data(Object.assign({ thresholds: { degraded_goodput: 0.5, failed_goodput: 0.2 } }, base), rows, [], 20));
  assert.equal(lax.healthAt(lax.nodeById.get('db'), lax.T.indexOf(12)), 'healthy');
  assert.deepEqual(lax.TH, { degraded: 0.5, failed: 0.2, slo: 2 });

  // Letters per tick (tick k at k * tick_s): db's from the analysis, api's from the rule.
  const judged = R.model(data(Object.assign({ health: { tick_s: 2, services: { db: 'uhhhhdddffh' } } }, base), rows, [], 20));
  const jd = judged.nodeById.get('db');
  const hl = (t) => judged.healthAt(jd, judged.T.indexOf(t));
  assert.equal(hl(1), 'healthy', 't = 1 s rounds to tick 1 (t = 2 s)');
  assert.equal(hl(10), 'degraded');
  assert.equal(hl(16), 'failed');
  assert.equal(hl(20), 'healthy', 'the letters, not the series');
  assert.equal(hl(12), 'degraded');
  // Past the letters: unknown, not the rule.
  const short = R.model(data({ topology: chainTopology, health: { tick_s: 1, services: { db: 'hh' } } }, rows, [], 5));
  assert.equal(short.healthAt(short.nodeById.get('db'), 3), 'unknown');
  assert.deepEqual(judged.firstUnhealthy(), ['load:client=never', 'api=never', 'db=9']);
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
                                                        blast_radius: 0.4, hops_per_s: 0.3333, max_amplification: 3.2 } },
                          faults, 20);
  assert.deepEqual(v.badge, ['FAILED', 'bad']);
  assert.equal(v.headline, 'collapsed 4 s after the first fault; did not recover (metastable)');
  const card = Object.fromEntries(v.cards.map(([k, value, tone]) => [k, [value, tone]]));
  assert.deepEqual(card.Collapse, ['after 4 s', 'bad']);
  assert.deepEqual(card.Recovery, ['not recovered', 'bad']);
  assert.deepEqual(card.Metastable, ['yes', 'bad']);
  assert.deepEqual(card['Blast radius'], ['40%', 'warn']);
  assert.deepEqual(card['Propagation speed'], ['0.333 hops/s', 'na']);
  assert.deepEqual(card['Max amplification'], ['\u00d73.2', 'bad']);
  assert.deepEqual(card.Faults, ['1 from 20 s', 'na']);

  assert.equal(R.verdictView({ passed: true, verdict: { headline: 'all good' } }, faults, 20).headline, 'all good');
  assert.deepEqual(R.verdictView({ passed: true }, [], null).badge, ['PASSED', 'ok']);
  const none = R.verdictView(null, [], null);
  assert.deepEqual(none.badge, ['NO VERDICT', 'na']);
  assert.equal(none.headline, 'no fault was injected in this run');
  assert.ok(none.cards.every(([, value, tone]) => tone === 'na' || value === 'none'));
});

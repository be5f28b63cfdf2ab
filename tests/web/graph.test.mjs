// The job page's dependency graph: layering by distance, and why a job waits.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { layers, neighbours, whyWaiting } from '../../web/lib/graph.mjs';

const id = (n) => `${String(n).repeat(8)}-0000-4000-8000-000000000000`;
const graph = {
  nodes: [
    { id: id(1), status: 'blocked', level: 0 },
    { id: id(2), status: 'completed', level: -1 },
    { id: id(3), status: 'running', level: -1 },
    { id: id(4), status: 'deleted', level: -2 },
    { id: id(5), status: 'blocked', level: 1 },
  ],
  edges: [
    { from: id(2), to: id(1) },
    { from: id(3), to: id(1) },
    { from: id(4), to: id(3) },
    { from: id(1), to: id(5) },
  ],
};

test('nodes are laid out in layers, the farthest parents first, busy ones on top', () => {
  const l = layers(graph);
  assert.deepEqual(l.map((x) => x.level), [-2, -1, 0, 1]);
  assert.deepEqual(l[1].nodes.map((n) => n.status), ['running', 'completed']);
  assert.deepEqual(layers({ nodes: [] }), []);
  assert.deepEqual(layers(undefined), []);
});

test('a node knows its parents and children by the edges', () => {
  const { parents, children } = neighbours(graph, id(1));
  assert.deepEqual(parents.map((n) => n.id), [id(2), id(3)]);
  assert.deepEqual(children.map((n) => n.id), [id(5)]);
});

test('a blocked job says which parents it still waits for', () => {
  const job = { id: id(1), status: 'blocked', depends_on: [id(2), id(3)], dependency_mode: 'all' };
  assert.equal(whyWaiting(job, graph), 'Blocked: waits for its parents to complete: 1 of 2 done, waiting for 33333333 (running).');
  const any = { ...job, dependency_mode: 'any' };
  assert.match(whyWaiting(any, graph), /^Blocked: waits for any one of its 2 parents to complete; none has yet \(still open: 33333333 \(running\)\)\.$/);
});

test('scheduled, retrying and pending jobs say what they wait for; others do not wait', () => {
  const fmt = (t) => `<${t}>`;
  assert.equal(whyWaiting({ id: id(9), status: 'scheduled', run_at: 'T' }, null, { format: fmt }), 'Scheduled: it runs at <T>.');
  assert.equal(whyWaiting({ id: id(9), status: 'retrying', attempts: 2, next_attempt_at: 'N' }, null, { format: fmt }),
    'Retrying: attempt 2 failed; the next one starts at <N>.');
  assert.match(whyWaiting({ id: id(9), status: 'pending', priority: 'high' }, null), /free executor \(priority high\)/);
  assert.match(whyWaiting({ id: id(9), status: 'pending', type: 'email' }, null, { typePaused: true }), /type email is paused/);
  assert.equal(whyWaiting({ id: id(9), status: 'running' }, graph), null);
  assert.equal(whyWaiting({ id: id(9), status: 'completed' }, graph), null);
});

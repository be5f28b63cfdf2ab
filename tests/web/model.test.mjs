// The other pure modules: roles, routes, durations, the history timeline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCount, formatDuration, formatPercent } from '../../web/lib/format.mjs';
import { allows, bulkActions, jobActions, managesDeadLetters, seesOverview } from '../../web/lib/roles.mjs';
import { deadLetterHref, jobHref, jobsHref, parseRoute } from '../../web/lib/router.mjs';
import { attempts, timeline } from '../../web/lib/timeline.mjs';

const ID = '0190f5d2-7a4b-4c1e-8f3a-2b6c9d0e1f2a';

test('roles are ordered as the server orders them', () => {
  assert.ok(allows('admin', 'viewer'));
  assert.ok(allows('operator', 'submitter'));
  assert.ok(!allows('submitter', 'operator'));
  assert.ok(!allows('nobody', 'viewer'));
  assert.ok(seesOverview('admin'));
  assert.ok(!seesOverview('operator'));
});

test('job actions follow the routes\' roles and the job\'s status', () => {
  const none = { cancel: false, priority: false, retry: false, replay: false, discard: false };
  assert.deepEqual(jobActions('viewer', 'running'), none);
  assert.deepEqual(jobActions('viewer', 'failed'), none);
  assert.deepEqual(jobActions('submitter', 'running'), { ...none, cancel: true });
  assert.deepEqual(jobActions('submitter', 'completed'), none);
  assert.deepEqual(jobActions('submitter', 'failed'), none);
  assert.deepEqual(jobActions('operator', 'failed'), { ...none, replay: true, discard: true });
  assert.deepEqual(jobActions('operator', 'completed'), none);
  assert.deepEqual(jobActions('admin', 'failed'), { ...none, retry: true, replay: true, discard: true });
  assert.deepEqual(jobActions('admin', 'blocked'), { ...none, cancel: true, priority: true });
  assert.deepEqual(jobActions('operator', 'pending'), { ...none, cancel: true, priority: true });
  assert.deepEqual(jobActions('submitter', 'scheduled'), { ...none, cancel: true });
  assert.deepEqual(jobActions('operator', 'running'), { ...none, cancel: true });
  assert.ok(managesDeadLetters('operator'));
  assert.ok(!managesDeadLetters('submitter'));
});

test('bulk actions follow the roles of their single forms', () => {
  assert.deepEqual(bulkActions('viewer'), { cancel: false, priority: false, retry: false });
  assert.deepEqual(bulkActions('submitter'), { cancel: true, priority: false, retry: false });
  assert.deepEqual(bulkActions('operator'), { cancel: true, priority: true, retry: false });
  assert.deepEqual(bulkActions('admin'), { cancel: true, priority: true, retry: true });
});

test('routes', () => {
  assert.equal(parseRoute('').page, 'home');
  assert.equal(parseRoute('#/overview').page, 'overview');
  const jobs = parseRoute(jobsHref('status:failed tag:"a b"'));
  assert.equal(jobs.page, 'jobs');
  assert.equal(jobs.params.get('q'), 'status:failed tag:"a b"');
  assert.deepEqual(parseRoute(jobHref(ID)), { page: 'job', id: ID, params: new URLSearchParams() });
  assert.equal(parseRoute('#/jobs/not-an-id').page, 'missing');
  const dead = parseRoute(deadLetterHref('email.send'));
  assert.equal(dead.page, 'dead-letter');
  assert.equal(dead.params.get('type'), 'email.send');
  assert.equal(deadLetterHref(''), '#/dead-letter');
  assert.equal(parseRoute('#/types').page, 'types');
  assert.equal(parseRoute('#/nodes').page, 'nodes');
  assert.equal(parseRoute('#/schedules').page, 'schedules');
  assert.equal(parseRoute('#/submit?type=echo').params.get('type'), 'echo');
  assert.equal(parseRoute('#/elsewhere').page, 'missing');
});

test('durations and counts', () => {
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(1234), '1.23 s');
  assert.equal(formatDuration(12_345), '12.3 s');
  assert.equal(formatDuration(245_000), '4 min 05 s');
  assert.equal(formatDuration(7_380_000), '2 h 03 min');
  assert.equal(formatDuration(null), '');
  assert.equal(formatCount(1234567), '1\u2009234\u2009567');
  assert.equal(formatPercent(0.1234), '12.3 %');
});

const history = [
  { at: '2026-11-23T14:00:00.000Z', from: null, to: 'pending', attempt: 0 },
  { at: '2026-11-23T14:00:01.000Z', from: 'pending', to: 'running', attempt: 1, node: 'local' },
  { at: '2026-11-23T14:00:03.500Z', from: 'running', to: 'retrying', attempt: 1,
    error: { kind: 'transient', code: 'deferred', message: 'try later' } },
  { at: '2026-11-23T14:00:04.500Z', from: 'retrying', to: 'pending', attempt: 1 },
  { at: '2026-11-23T14:00:04.600Z', from: 'pending', to: 'running', attempt: 2, node: 'w1' },
  { at: '2026-11-23T14:00:05.000Z', from: 'running', to: 'completed', attempt: 2 },
];

test('the timeline says how long each status lasted', () => {
  const steps = timeline(history, Date.parse('2026-11-23T15:00:00Z'));
  assert.deepEqual(steps.map((s) => [s.label, s.spanMs]), [
    ['waited for an executor', 1000],
    ['ran (attempt 1)', 2500],
    ['backoff before the next attempt', 1000],
    ['waited for an executor', 100],
    ['ran (attempt 2)', 400],
    ['completed', null],
  ]);
  const running = timeline(history.slice(0, 2), Date.parse('2026-11-23T14:00:03Z'));
  assert.equal(running[1].spanMs, 2000);
  assert.ok(running[1].ongoing);
});

test('attempts: each run, its node, outcome and error', () => {
  const list = attempts(history, 0);
  assert.deepEqual(list.map((a) => [a.attempt, a.node, a.ms, a.outcome, a.error?.code ?? null]), [
    [1, 'local', 2500, 'retrying', 'deferred'],
    [2, 'w1', 400, 'completed', null],
  ]);
  const now = Date.parse('2026-11-23T14:00:02Z');
  assert.deepEqual(attempts(history.slice(0, 2), now).map((a) => [a.outcome, a.ms]), [['running', 1000]]);
});

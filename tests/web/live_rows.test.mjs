// The jobs page's rows: an event heard while a page was being read wins over
// the page's answer; one heard before the read does not; memory is bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RecentEvents } from '../../web/lib/live_rows.mjs';

const job = { id: 'j1', status: 'running', attempts: 1, max_attempts: 3, progress: { percent: 40 } };

test('an event heard after the read started overrides what the answer said', () => {
  const recent = new RecentEvents();
  recent.record('progress', { job_id: 'j1', percent: 90 }, 1005);
  recent.record('status', { job_id: 'j1', from: 'running', to: 'completed', attempt: 1 }, 1010);
  const fresh = recent.freshest(job, 1000);
  assert.equal(fresh.status, 'completed');
  assert.equal(fresh.progress.percent, 90);
  assert.equal(fresh.attempts, 1);
  assert.equal(fresh.max_attempts, 3);
  assert.equal(job.status, 'running', 'the answer itself is left as it was');
});

test('an event heard before the read started leaves the answer as it is', () => {
  const recent = new RecentEvents();
  recent.record('status', { job_id: 'j1', from: 'queued', to: 'running', attempt: 1 }, 900);
  assert.deepEqual(recent.freshest(job, 1000), job);
  assert.deepEqual(recent.freshest({ id: 'other', status: 'queued' }, 0), { id: 'other', status: 'queued' });
});

test('a retry names its attempt; a later progress event keeps the status heard', () => {
  const recent = new RecentEvents();
  recent.record('status', { job_id: 'j1', from: 'running', to: 'retrying', attempt: 2 }, 1001);
  recent.record('progress', { job_id: 'j1', percent: 10 }, 1002);
  const fresh = recent.freshest(job, 1000);
  assert.equal(fresh.status, 'retrying');
  assert.equal(fresh.attempts, 2);
  assert.equal(fresh.progress.percent, 10);
});

test('only the most recently heard-of jobs are kept', () => {
  const recent = new RecentEvents(2);
  recent.record('status', { job_id: 'a', to: 'queued' }, 1);
  recent.record('status', { job_id: 'b', to: 'queued' }, 2);
  recent.record('status', { job_id: 'a', to: 'running' }, 3);  // a is now the newest
  recent.record('status', { job_id: 'c', to: 'queued' }, 4);   // b goes
  assert.equal(recent.size, 2);
  assert.equal(recent.freshest({ id: 'b', status: 'x' }, 0).status, 'x');
  assert.equal(recent.freshest({ id: 'a', status: 'x' }, 0).status, 'running');
  assert.equal(recent.freshest({ id: 'c', status: 'x' }, 0).status, 'queued');
});

test('events without a job id are ignored', () => {
  const recent = new RecentEvents();
  recent.record('status', { to: 'queued' }, 1);
  recent.record('progress', null, 1);
  assert.equal(recent.size, 0);
});

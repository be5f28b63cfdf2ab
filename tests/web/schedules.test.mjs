// The schedules page's pure parts: the request its form makes, its counts line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countsText, scheduleRequest } from '../../web/lib/schedules.mjs';

test('the form makes the request the API takes, trimmed, UTC by default', () => {
  assert.deepEqual(scheduleRequest({ name: ' nightly ', cron: '0 3 * * * ', zone: '', type: 'echo',
    payload: '{"n": 1}', onMissed: 'catch_up' }), {
    name: 'nightly', cron: '0 3 * * *', zone: 'UTC', on_missed: 'catch_up',
    job: { type: 'echo', payload: { n: 1 } },
  });
  assert.deepEqual(scheduleRequest({ name: 'a', cron: '@daily', zone: 'Europe/Berlin', type: 'noop',
    payload: '  ', onMissed: 'skip' }).job, { type: 'noop', payload: {} });
});

test('a payload that is not JSON is refused before anything is sent', () => {
  assert.throws(() => scheduleRequest({ name: 'a', cron: '@daily', zone: '', type: 'noop', payload: '{n: 1}',
    onMissed: 'skip' }), /the payload is not JSON/);
});

test('counts name only what happened', () => {
  assert.equal(countsText({ fires: 0 }), '0 fired');
  assert.equal(countsText({ fires: 12, skipped: 3, failures: 1 }), '12 fired · 3 skipped · 1 failed');
  assert.equal(countsText({ fires: 2, skipped: 0, failures: 4 }), '2 fired · 4 failed');
});

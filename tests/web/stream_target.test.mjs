import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRoute } from '../../web/lib/router.mjs';
import { eventsUrl } from '../../web/lib/stream_target.mjs';

const ID = '0190f5d2-7a4b-4c1e-8f3a-2b6c9d0e1f2a';
const url = (hash, role) => eventsUrl(parseRoute(hash), role);

test('the overview reads only the figures: no job events', () => {
  assert.equal(url('#/overview', 'admin'), '/api/events?stats=true&jobs=false');
  // The empty fragment leads an admin to the overview.
  assert.equal(url('', 'admin'), '/api/events?stats=true&jobs=false');
});

test('the pages that follow jobs read job events, without the figures', () => {
  for (const role of ['viewer', 'admin']) {
    assert.equal(url('#/jobs?q=status%3Afailed', role), '/api/events');
    assert.equal(url(`#/jobs/${ID}`, role), '/api/events');
    assert.equal(url('#/dead-letter', role), '/api/events');
  }
  // The empty fragment leads everyone else to the jobs.
  assert.equal(url('', 'viewer'), '/api/events');
});

test('every other page reads neither: node events and keep-alives only', () => {
  for (const hash of ['#/submit', '#/types', '#/nodes', '#/schedules', '#/nowhere']) {
    assert.equal(url(hash, 'admin'), '/api/events?jobs=false');
    assert.equal(url(hash, 'viewer'), '/api/events?jobs=false');
  }
  // Asking for the figures would be refused (403) to anyone but an admin.
  assert.equal(url('#/overview', 'operator'), '/api/events?jobs=false');
});

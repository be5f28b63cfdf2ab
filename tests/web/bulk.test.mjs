// The jobs page's bulk actions: the question names the count, the outcome each refusal.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { confirmText, goLabel, outcomeText } from '../../web/lib/bulk.mjs';

test('the question names the count and the new priority', () => {
  assert.equal(confirmText('cancel', 3), 'Cancel 3 jobs?');
  assert.equal(confirmText('retry', 1), 'Retry 1 job?');
  assert.equal(confirmText('priority', 2, 'high'), 'Change the priority of 2 jobs to high?');
  assert.equal(goLabel('priority', 2, 'high'), 'Set 2 jobs to high');
  assert.equal(goLabel('cancel', 1), 'Cancel 1 job');
});

test('the outcome counts what was done and names what was refused', () => {
  const ok = { succeeded: 2, failed: 0, results: [{ id: 'a', job: {} }, { id: 'b', job: {} }] };
  assert.equal(outcomeText('cancel', ok), '2 canceled');
  const mixed = {
    succeeded: 1,
    failed: 1,
    results: [{ id: '0190f5d2-7a4b', job: {} }, { id: '11112222-3333', error: { code: 'conflict', message: 'job is running' } }],
  };
  assert.equal(outcomeText('priority', mixed), '1 changed, 1 refused: 11112222 (job is running)');
  const many = { succeeded: 0, failed: 7, results: Array.from({ length: 7 }, (_, i) => ({ id: `${i}0000000x`, error: { message: 'no' } })) };
  assert.match(outcomeText('retry', many), /; and 2 more$/);
});

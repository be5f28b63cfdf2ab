import assert from 'node:assert/strict';
import { test } from 'node:test';
import { optionTexts, parseDuration, requestOptions, splitList } from '../../web/lib/submit_options.mjs';

const ID_A = '0190f5d2-7a4b-4c1e-8f3a-2b6c9d0e1f2a';
const ID_B = '0190f5d2-7a4b-4c1e-8f3a-2b6c9d0e1f2b';

test('durations read with a unit, seconds without one', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('90'), 90_000);
  assert.equal(parseDuration(' 1.5h '), 5_400_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('2 min'), 120_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.ok(Number.isNaN(parseDuration('soon')));
  assert.ok(Number.isNaN(parseDuration('-5s')));
  assert.ok(Number.isNaN(parseDuration('')));
});

test('empty options are left out, so the type\'s defaults apply', () => {
  assert.deepEqual(requestOptions({ priority: '', run_at: '', run_in: ' ', tags: ' , ' }), { options: {}, errors: {} });
});

test('every option becomes its request field', () => {
  const { options, errors } = requestOptions({
    priority: 'high', run_in: '30s', max_attempts: '5', timeout: '2m', tags: 'vip, nightly ,',
    unique_key: ' invoice-7 ', depends_on: `${ID_A}, ${ID_B}\n`,
  });
  assert.deepEqual(errors, {});
  assert.deepEqual(options, {
    priority: 'high', run_in_ms: 30_000, max_attempts: 5, timeout_ms: 120_000, tags: ['vip', 'nightly'],
    unique_key: 'invoice-7', depends_on: [ID_A, ID_B],
  });
});

test('run at is a local time sent as UTC', () => {
  const { options } = requestOptions({ run_at: '2030-01-02T03:04' });
  assert.equal(options.run_at, new Date(2030, 0, 2, 3, 4).toISOString());
});

test('each unreadable option is named and left out', () => {
  const { options, errors } = requestOptions({ run_in: 'later', max_attempts: '0', timeout: 'x', tags: 'a b' });
  assert.deepEqual(Object.keys(errors).sort(), ['max_attempts', 'run_in', 'timeout']);
  assert.deepEqual(options, { tags: ['a b'] });
  assert.deepEqual(requestOptions({ max_attempts: '2.5' }).errors, { max_attempts: 'a whole number, at least 1' });
  assert.deepEqual(requestOptions({ run_at: 'tomorrow-ish' }).errors, { run_at: 'not a date and time' });
});

test('a time and a delay together are refused', () => {
  const { options, errors } = requestOptions({ run_at: '2030-01-02T03:04', run_in: '5m' });
  assert.deepEqual(options, {});
  assert.match(errors.run_in, /not both/);
});

test('lists split on commas and blanks', () => {
  assert.deepEqual(splitList(' a,b  c\n,d '), ['a', 'b', 'c', 'd']);
  assert.deepEqual(splitList(undefined), []);
});

test('"submit like this" keeps a job\'s priority, limits and tags, and they read back the same', () => {
  const job = { priority: 'low', max_attempts: 4, timeout_ms: 90_000, tags: ['vip', 'eu'], run_at: '2030-01-01T00:00:00Z' };
  const texts = optionTexts(job);
  assert.deepEqual(texts, { priority: 'low', max_attempts: '4', timeout: '90s', tags: 'vip, eu' });
  assert.deepEqual(requestOptions(texts).options, { priority: 'low', max_attempts: 4, timeout_ms: 90_000, tags: ['vip', 'eu'] });
  assert.equal(optionTexts({ timeout_ms: 1500 }).timeout, '1500ms');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatQuery, listParams, matches, parseQuery } from '../../web/lib/query.mjs';

const ID = '0190f5d2-7a4b-4c1e-8f3a-2b6c9d0e1f2a';

test('qualifiers become filters', () => {
  const { filters, errors } = parseQuery('status:failed type:email.send tag:vip priority:high');
  assert.deepEqual(errors, []);
  assert.deepEqual(filters, { status: ['failed'], type: 'email.send', tag: 'vip', priority: 'high' });
});

test('statuses accumulate (comma lists and repeats, without duplicates)', () => {
  assert.deepEqual(parseQuery('status:failed,retrying status:failed status:running').filters.status,
    ['failed', 'retrying', 'running']);
});

test('quoted values keep their blanks; qualifier names ignore case', () => {
  assert.deepEqual(parseQuery('TAG:"big customer"  type:echo').filters, { tag: 'big customer', type: 'echo' });
});

test('every mistake is reported and its term left out', () => {
  const { filters, errors } = parseQuery(
    'hello colour:red status:done priority:urgent id:123 type: type:a type:b from:yesterday');
  assert.deepEqual(filters, { type: 'a' });
  assert.equal(errors.length, 8);
  assert.match(errors[0], /"hello" has no qualifier/);
  assert.match(errors[1], /unknown qualifier "colour:"/);
  assert.match(errors[2], /unknown status "done"/);
  assert.match(errors[3], /unknown priority "urgent"/);
  assert.match(errors[4], /id: must be a job id/);
  assert.match(errors[5], /type: needs a value/);
  assert.match(errors[6], /type: is given twice/);
  assert.match(errors[7], /from: must be a time/);
  assert.deepEqual(parseQuery('tag:"open').errors, ['a double quote is not closed']);
});

test('format is the inverse of parse, in a fixed order', () => {
  for (const text of [
    '',
    `id:${ID}`,
    'status:failed,retrying type:email.send priority:high tag:vip',
    'tag:"two words" tenant:acme from:2026-11-23T14:05:09Z until:2026-11-24T00:00:00.5+01:00',
  ]) {
    const { filters, errors } = parseQuery(text);
    assert.deepEqual(errors, []);
    assert.equal(formatQuery(filters), text);
    assert.deepEqual(parseQuery(formatQuery(filters)).filters, filters);
  }
  assert.equal(formatQuery(parseQuery('tag:vip status:failed').filters), 'status:failed tag:vip');
});

test('list parameters use the route\'s names', () => {
  const params = listParams(parseQuery(
    `status:failed,canceled type:echo tag:vip priority:low tenant:acme from:2026-11-23T14:05:09Z id:${ID}`).filters);
  assert.equal(params.toString(),
    'status=failed%2Ccanceled&type=echo&priority=low&tag=vip&tenant=acme&created_from=2026-11-23T14%3A05%3A09Z');
});

test('a job matches the filters it passes', () => {
  const job = { id: ID, status: 'failed', type: 'echo', priority: 'high', tags: ['vip'], tenant: 'acme' };
  assert.ok(matches(job, parseQuery('status:failed,retrying type:echo tag:vip').filters));
  assert.ok(!matches(job, parseQuery('status:running').filters));
  assert.ok(!matches(job, parseQuery('tag:other').filters));
  assert.ok(!matches(job, parseQuery('priority:low').filters));
  assert.ok(matches(job, {}));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assemble, describe, initialText, violationsByPath } from '../../web/lib/schema_form.mjs';

const schema = {
  type: 'object',
  required: ['to', 'count'],
  properties: {
    to: { type: 'string', minLength: 3, description: 'the address' },
    count: { type: 'integer', minimum: 1, maximum: 10 },
    ratio: { type: 'number' },
    urgent: { type: 'boolean', default: true },
    mode: { enum: ['fast', 'slow'] },
    headers: { type: 'object', properties: { lang: { type: 'string' } } },
    list: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 5 },
    extra: {},
  },
};

test('every property becomes a field of its kind, with its limits and help', () => {
  const fields = describe(schema, { count: 2, headers: { lang: 'en' } });
  assert.deepEqual(fields.map((f) => [f.path, f.kind, f.required]), [
    ['$.to', 'string', true], ['$.count', 'integer', true], ['$.ratio', 'number', false],
    ['$.urgent', 'boolean', false], ['$.mode', 'enum', false], ['$.headers', 'object', false],
    ['$.list', 'array', false], ['$.extra', 'json', false],
  ]);
  assert.deepEqual([fields[6].items, fields[6].minItems, fields[6].maxItems], ['string', 1, 5]);
  assert.equal(fields[0].description, 'the address');
  assert.equal(fields[0].minLength, 3);
  assert.deepEqual([fields[1].minimum, fields[1].maximum], [1, 10]);
  assert.deepEqual(fields[4].options, ['fast', 'slow']);
  assert.deepEqual(fields[5].fields.map((f) => [f.path, f.default]), [['$.headers.lang', 'en']]);
  assert.deepEqual(fields.map(initialText), ['', '2', '', true, '', '', '', '']);
  assert.equal(initialText(describe(schema, { list: ['a'] })[6]), '["a"]');
});

test('the fields\' text makes the payload; empty optional fields are left out', () => {
  const fields = describe(schema, {});
  const { payload, errors } = assemble(fields, {
    '$.to': 'ada@example.org', '$.count': '3', '$.ratio': '0.5', '$.urgent': false,
    '$.mode': '"slow"', '$.headers.lang': 'fr', '$.list': '["a", "b"]',
  });
  assert.deepEqual(errors, {});
  assert.deepEqual(payload, {
    to: 'ada@example.org', count: 3, ratio: 0.5, urgent: false, mode: 'slow', headers: { lang: 'fr' }, list: ['a', 'b'],
  });
  assert.deepEqual(assemble(fields, { '$.to': 'x', '$.count': '1' }).payload, { to: 'x', count: 1, urgent: false });
});

test('text that cannot be what the field holds is reported at its path', () => {
  const fields = describe(schema, {});
  const { errors } = assemble(fields, { '$.count': '2.5', '$.ratio': 'lots', '$.list': '[1,' });
  assert.deepEqual(errors, {
    '$.to': 'required', '$.count': 'must be a whole number', '$.ratio': 'must be a number', '$.list': 'must be a JSON list, [ ... ]',
  });
  // An array field holds a list; any other JSON is refused before it is sent.
  assert.deepEqual(assemble(fields, { '$.to': 'abc', '$.count': '1', '$.list': '{"a": 1}', '$.extra': '[1,' }).errors,
    { '$.list': 'must be a JSON list, [ ... ]', '$.extra': 'must be JSON' });
});

test('the server\'s violations land at the field they name, or the nearest one', () => {
  const fields = describe(schema, {});
  assert.deepEqual(violationsByPath(fields, [
    { path: '$.count', message: 'too big' },
    { path: '$.list[2]', message: 'not a string' },
    { path: '$.headers.lang', message: 'too short' },
    { path: '$', message: 'extra property' },
    { path: '$.other.deep', message: 'unknown' },
  ]), {
    '$.count': ['too big'], '$.list': ['not a string'], '$.headers.lang': ['too short'], $: ['extra property', 'unknown'],
  });
});

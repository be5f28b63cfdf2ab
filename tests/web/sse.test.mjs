import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from '../../web/lib/sse.mjs';

/** Feeds `chunks` one by one and collects every event. */
function feed(chunks) {
  const parser = new SseParser();
  const events = chunks.flatMap((c) => parser.push(c));
  return { parser, events };
}

test('jobforge status events, whole', () => {
  const { events, parser } = feed([
    'id: 7\nevent: status\ndata: {"job_id":"a","to":"running"}\n\n' +
      'id: 8\nevent: progress\ndata: {"percent":50}\n\n',
  ]);
  assert.deepEqual(events, [
    { event: 'status', data: '{"job_id":"a","to":"running"}', id: '7' },
    { event: 'progress', data: '{"percent":50}', id: '8' },
  ]);
  assert.equal(parser.lastEventId, '8');
});

test('an event split at every possible point comes out the same', () => {
  const text = 'id: 12\r\nevent: status\r\ndata: {"x":1}\r\n\r\n: keep-alive\r\n\r\n';
  for (let cut = 0; cut <= text.length; ++cut) {
    for (let cut2 = cut; cut2 <= text.length; cut2 += 3) {
      const { events } = feed([text.slice(0, cut), text.slice(cut, cut2), text.slice(cut2)]);
      assert.deepEqual(events, [{ event: 'status', data: '{"x":1}', id: '12' }], `cut at ${cut}/${cut2}`);
    }
  }
});

test('a lone CR ends a line, and CR at a chunk end followed by LF is one line end', () => {
  assert.deepEqual(feed(['data: a\rdata: b\r\r']).events, [{ event: 'message', data: 'a\nb', id: null }]);
  assert.deepEqual(feed(['data: a\r', '\n', '\r', '\n']).events, [{ event: 'message', data: 'a', id: null }]);
});

test('comments, empty data and unknown fields dispatch nothing', () => {
  const { events } = feed([': too far behind; reconnect\n\nevent: status\n\nfoo: bar\n\n']);
  assert.deepEqual(events, []);
});

test('multi-line data, no space after the colon, a field without a colon', () => {
  const { events } = feed(['data:one\ndata: two\ndata\n\n']);
  assert.deepEqual(events, [{ event: 'message', data: 'one\ntwo\n', id: null }]);
});

test('the id sticks to later events; retry is read; a BOM at the start is skipped', () => {
  const { events, parser } = feed(['\ufeffid: 3\ndata: x\n\nretry: 2500\ndata: y\n\n']);
  assert.deepEqual(events.map((e) => e.id), ['3', '3']);
  assert.equal(parser.retryMs, 2500);
});

test('an unfinished event is held until its blank line arrives', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push('id: 1\ndata: x\n'), []);
  assert.equal(parser.lastEventId, null);
  assert.equal(parser.push('\n').length, 1);
  assert.equal(parser.lastEventId, '1');
});

// The tab's event stream against a scripted fetch(): states, resumption
// with Last-Event-ID, the key on every connection, 401 and network errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventStream } from '../../web/lib/event_stream.mjs';

const encoder = new TextEncoder();

/** A body that sends `text` and ends (the server went away). */
function ending(text) {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(text));
      controller.close();
    },
  });
}

/** A body that stays open until the request is aborted. */
function open(signal) {
  return new ReadableStream({
    start(controller) {
      signal.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
    },
  });
}

/** A fetch() that answers the scripted `answers` in turn and records each request. */
function scripted(answers) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, headers: { ...init.headers }, signal: init.signal });
    const answer = answers[calls.length - 1];
    if (!answer) return new Promise(() => {});  // no more connections expected
    return answer(init.signal);
  };
  return { fetch, calls };
}

/** Resolves once the stream has gone through `states` (in order, from now on). */
function reaches(stream, states) {
  const seen = [];
  return new Promise((resolve) => {
    const off = stream.onState((state) => {
      seen.push(state);
      if (seen.length === states.length) {
        off();
        resolve(seen);
      }
    });
  });
}

test('resumes after the last event it saw, with the key, and says live or reconnecting', async () => {
  const { fetch, calls } = scripted([
    () => new Response(ending('id: 4\nevent: status\ndata: {"to":"running"}\n\nid: 5\nevent: progress\ndata: {"percent":50}\n\n'), { status: 200 }),
    (signal) => new Response(open(signal), { status: 200 }),
  ]);
  const stream = new EventStream('/api/events', () => ({ Authorization: 'Bearer k' }), { fetch, firstDelayMs: 0 });
  const events = [];
  stream.subscribe((e) => events.push(e));
  const states = reaches(stream, ['connecting', 'live', 'reconnecting', 'live']);
  stream.start();
  assert.deepEqual(await states, ['connecting', 'live', 'reconnecting', 'live']);
  assert.deepEqual(events.map((e) => [e.event, e.id]), [['status', '4'], ['progress', '5']]);
  assert.equal(calls.length, 2);
  assert.equal(calls[0].headers['Last-Event-ID'], undefined);
  assert.equal(calls[1].headers['Last-Event-ID'], '5');
  for (const c of calls) {
    assert.equal(c.url, '/api/events');
    assert.equal(c.headers.Authorization, 'Bearer k');
    assert.equal(c.headers.Accept, 'text/event-stream');
  }
  stream.stop();
  assert.equal(stream.state, 'paused');
  assert.ok(calls[1].signal.aborted);
});

test('a stop (hidden tab) closes the connection; a start resumes after the last event', async () => {
  const { fetch, calls } = scripted([
    (signal) => new Response(new ReadableStream({
      start(controller) {
        controller.enqueue(encoder.encode('id: 9\nevent: status\ndata: {}\n\n'));
        signal.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
      },
    }), { status: 200 }),
    (signal) => new Response(open(signal), { status: 200 }),
  ]);
  const stream = new EventStream('/api/events', () => ({}), { fetch, firstDelayMs: 0 });
  const first = new Promise((resolve) => stream.subscribe(resolve));
  stream.start();
  await first;
  stream.stop('paused');
  assert.ok(calls[0].signal.aborted);
  assert.equal(stream.state, 'paused');
  const live = reaches(stream, ['connecting', 'live']);
  stream.start();
  await live;
  assert.equal(calls.length, 2);
  assert.equal(calls[1].headers['Last-Event-ID'], '9');
  stream.stop();
});

test('a refused key (401) ends the stream for good: signed-out', async () => {
  const { fetch, calls } = scripted([() => new Response('{}', { status: 401 })]);
  const stream = new EventStream('/api/events', () => ({ Authorization: 'Bearer old' }), { fetch, firstDelayMs: 0 });
  const states = reaches(stream, ['connecting', 'signed-out']);
  stream.start();
  assert.deepEqual(await states, ['connecting', 'signed-out']);
  assert.equal(calls.length, 1);
});

test('network errors and server errors are retried', async () => {
  const { fetch, calls } = scripted([
    () => Promise.reject(new TypeError('connection refused')),
    () => new Response('{"error":{}}', { status: 503 }),
    (signal) => new Response(open(signal), { status: 200 }),
  ]);
  const stream = new EventStream('/api/events', () => ({}), { fetch, firstDelayMs: 0 });
  const states = reaches(stream, ['connecting', 'reconnecting', 'live']);
  stream.start();
  assert.deepEqual(await states, ['connecting', 'reconnecting', 'live']);
  assert.equal(calls.length, 3);
  stream.stop();
});

test('a retarget reconnects at once to the new address, resuming after the last event (a stats position too)', async () => {
  const { fetch, calls } = scripted([
    (signal) => new Response(new ReadableStream({
      start(controller) {
        // A stream without job events: the figures carry where the events stand.
        controller.enqueue(encoder.encode('id: 41\nevent: stats\ndata: {"jobs":{}}\n\n'));
        signal.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
      },
    }), { status: 200 }),
    (signal) => new Response(open(signal), { status: 200 }),
  ]);
  // A first delay that would outlast the test: a retarget must not wait for it.
  const stream = new EventStream('/api/events?stats=true&jobs=false', () => ({}), { fetch, firstDelayMs: 60_000 });
  const first = new Promise((resolve) => stream.subscribe(resolve));
  stream.start();
  await first;
  stream.retarget('/api/events?stats=true&jobs=false');  // the same address: nothing to do
  assert.equal(calls.length, 1);
  const states = reaches(stream, ['connecting', 'live']);
  stream.retarget('/api/events');
  assert.ok(calls[0].signal.aborted);
  assert.deepEqual(await states, ['connecting', 'live']);
  assert.equal(calls.length, 2);
  assert.equal(calls[1].url, '/api/events');
  assert.equal(calls[1].headers['Last-Event-ID'], '41');
  assert.equal(stream.url, '/api/events');
  stream.stop();
});

test('a retarget of a stopped stream only changes where the next start reads', async () => {
  const { fetch, calls } = scripted([(signal) => new Response(open(signal), { status: 200 })]);
  const stream = new EventStream('/api/events?jobs=false', () => ({}), { fetch, firstDelayMs: 0 });
  stream.retarget('/api/events');
  assert.equal(calls.length, 0);
  assert.equal(stream.state, 'paused');
  const live = reaches(stream, ['connecting', 'live']);
  stream.start();
  await live;
  assert.deepEqual(calls.map((c) => c.url), ['/api/events']);
  stream.stop();
});

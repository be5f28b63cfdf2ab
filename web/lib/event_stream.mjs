// The tab's one event stream (GET /api/events), read with fetch() so that
// it can carry the API key. It reconnects with a growing delay and resumes
// after the last event it saw (Last-Event-ID); it is closed while the tab is
// hidden and resumed when it shows again, and retargeted (same resumption)
// when another page needs other events. Listeners get every event and
// every change of state: connecting, live, paused, reconnecting, signed-out.

import { SseParser } from './sse.mjs';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

export class EventStream {
  #url;
  #headers;
  #fetch;
  #firstDelayMs;
  #listeners = new Set();
  #stateListeners = new Set();
  #controller = null;
  #running = false;
  #lastEventId = null;
  #wake = null;
  #generation = 0;  // a stop() ends the loop of every earlier start()
  state = 'paused';

  /**
   * `headers()` gives the request's headers (the key) at each connection.
   * Tests pass their own `fetch` and a first reconnection delay.
   */
  constructor(url, headers, { fetch = globalThis.fetch.bind(globalThis), firstDelayMs = FIRST_DELAY_MS } = {}) {
    this.#url = url;
    this.#headers = headers;
    this.#fetch = fetch;
    this.#firstDelayMs = firstDelayMs;
  }

  /** Calls `fn({event, data, id})` for every event; answers the unsubscribe function. */
  subscribe(fn) {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Calls `fn(state)` on every change of state; answers the unsubscribe function. */
  onState(fn) {
    this.#stateListeners.add(fn);
    return () => this.#stateListeners.delete(fn);
  }

  /** Opens the stream (again), resuming after the last event seen. */
  start() {
    if (this.#running) return;
    this.#running = true;
    this.#loop(++this.#generation);
  }

  /**
   * Reads `url` from now on. An open stream is closed and opened again at
   * once, resuming after the last event seen (a stream without job events
   * learns where the events stand from each `event: stats`), so switching
   * pages loses no event.
   */
  retarget(url) {
    if (url === this.#url) return;
    this.#url = url;
    if (!this.#running) return;
    this.#generation += 1;
    this.#controller?.abort();
    this.#wake?.();
    this.#loop(this.#generation);
  }

  /** The address the stream reads (or will read once started). */
  get url() {
    return this.#url;
  }

  /** Closes the stream; `state` says why (paused while hidden, or signed-out). */
  stop(state = 'paused') {
    this.#running = false;
    this.#generation += 1;
    this.#controller?.abort();
    this.#wake?.();
    this.#setState(state);
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    for (const fn of this.#stateListeners) fn(state);
  }

  async #loop(generation) {
    let delay = this.#firstDelayMs;
    let first = true;
    const current = () => this.#running && generation === this.#generation;
    while (current()) {
      this.#setState(first ? 'connecting' : 'reconnecting');
      first = false;
      const controller = new AbortController();
      this.#controller = controller;
      try {
        const headers = { Accept: 'text/event-stream', ...this.#headers() };
        if (this.#lastEventId !== null) headers['Last-Event-ID'] = this.#lastEventId;
        const response = await this.#fetch(this.#url, { headers, signal: controller.signal, cache: 'no-store' });
        if (response.status === 401) {
          this.stop('signed-out');
          return;
        }
        if (response.ok && response.body) {
          this.#setState('live');
          delay = this.#firstDelayMs;
          await this.#read(response.body, controller);
        }
      } catch {
        // A network error or our own abort: the loop decides what follows.
      }
      if (!current()) break;
      this.#setState('reconnecting');
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }

  async #read(body, controller) {
    const parser = new SseParser();
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    controller.signal.addEventListener('abort', () => reader.cancel().catch(() => {}));
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const event of parser.push(value)) {
        if (event.id !== null) this.#lastEventId = event.id;
        for (const fn of this.#listeners) fn(event);
      }
    }
  }
}

// Server-Sent Events framing (the WHATWG "event stream" format), fed with
// text as it arrives from fetch(): chunks may split a line, a CR LF pair or
// an event anywhere. EventSource would do this for us, but it cannot send an
// Authorization header.

/** One dispatched event: its name ("message" when none), data and id. */
export class SseParser {
  #buffer = '';
  #data = [];
  #event = '';
  #id = null;
  #first = true;
  #pendingCr = false;
  /** The last id the stream set (sticks across events, as in the spec). */
  lastEventId = null;
  /** The last `retry:` value in milliseconds, or null. */
  retryMs = null;

  /** Takes the next piece of text; answers the events it completed. */
  push(text) {
    if (this.#first && text.length > 0) {
      this.#first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // A CR ending the previous chunk already ended its line: drop the LF of its pair.
    if (this.#pendingCr && text.length > 0) {
      if (text.startsWith('\n')) text = text.slice(1);
      this.#pendingCr = false;
    }
    this.#buffer += text;
    const events = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer);
      if (!match) break;
      // A lone CR at the very end may be the first half of CR LF.
      if (match[0] === '\r' && match.index === this.#buffer.length - 1) {
        this.#pendingCr = true;
      }
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      const event = this.#line(line);
      if (event) events.push(event);
    }
    return events;
  }

  #line(line) {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    else if (field === 'retry' && /^[0-9]+$/.test(value)) this.retryMs = Number(value);
    return null;
  }

  #dispatch() {
    if (this.#id !== null) this.lastEventId = this.#id;
    this.#id = null;
    const event = this.#event || 'message';
    this.#event = '';
    if (this.#data.length === 0) return null;
    const data = this.#data.join('\n');
    this.#data = [];
    return { event, data, id: this.lastEventId };
  }
}

// <jf-live-indicator>: what the tab's event stream is doing (live, paused
// while the tab is hidden, reconnecting), so that nobody trusts a frozen page.

const LABELS = {
  connecting: 'connecting',
  live: 'live',
  paused: 'paused',
  reconnecting: 'reconnecting',
  'signed-out': 'signed out',
};

class LiveIndicator extends HTMLElement {
  #unsubscribe = null;
  #stream = null;

  /** Follows `stream` (an EventStream). */
  set stream(stream) {
    this.#unsubscribe?.();
    this.#stream = stream;
    if (this.isConnected) this.#follow();
  }

  connectedCallback() {
    this.setAttribute('role', 'status');
    if (this.#stream) this.#follow();
  }

  disconnectedCallback() {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  #follow() {
    this.#unsubscribe?.();
    this.#show(this.#stream.state);
    this.#unsubscribe = this.#stream.onState((state) => this.#show(state));
  }

  #show(state) {
    this.dataset.state = state;
    this.textContent = LABELS[state] ?? state;
    this.title = `event stream: ${LABELS[state] ?? state}`;
  }
}

customElements.define('jf-live-indicator', LiveIndicator);

// <jf-nodes>: where jobs run (GET /api/cluster/nodes): this process's
// executors and every worker node session, with their state, types,
// capacity and load. The list follows `event: node` on the event stream
// (a node joining or lost) and is read again every few seconds for the
// running counts, which have no event of their own.

import { el, replace } from '../lib/dom.mjs';
import { formatCount, formatTime } from '../lib/format.mjs';
import { api } from '../lib/session.mjs';

const REFRESH_MS = 5000;

class NodesPage extends HTMLElement {
  session = null;
  #unsubscribe = [];
  #timer = null;
  #parts = {};

  connectedCallback() {
    const p = this.#parts;
    p.port = el('p', { class: 'muted', id: 'cluster-port' });
    p.rows = el('tbody', { id: 'node-rows' });
    p.problem = el('p', { class: 'error', role: 'alert', hidden: true });
    replace(this, el('h1', {}, 'Cluster nodes'), p.port, p.problem,
      el('table', { class: 'grid', id: 'nodes-table' },
        el('thead', {}, el('tr', {}, ['node', 'state', 'address', 'types'].map((h) => el('th', {}, h)),
          ['capacity', 'running', 'jobs done'].map((h) => el('th', { class: 'num' }, h)),
          ['joined', 'last heartbeat'].map((h) => el('th', {}, h)))),
        p.rows));
    const stream = this.session.stream;
    this.#unsubscribe.push(stream.subscribe((e) => {
      if (e.event === 'node') this.#refresh();
    }));
    this.#refresh();
  }

  disconnectedCallback() {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    clearTimeout(this.#timer);
  }

  async #refresh() {
    clearTimeout(this.#timer);
    const p = this.#parts;
    try {
      const answer = await api('/api/cluster/nodes');
      if (!this.isConnected) return;
      p.problem.hidden = true;
      replace(p.port, answer.cluster_port === null || answer.cluster_port === undefined
        ? 'No cluster port: this server runs every job itself (serve --cluster-port lets worker nodes join).'
        : `Worker nodes join on port ${answer.cluster_port}.`);
      replace(p.rows, answer.items.map((n) => el('tr', { dataset: { node: n.id } },
        el('td', {}, n.local ? `${n.id} (this process)` : n.id),
        el('td', {}, el('span', { class: `badge node-${n.state}` }, n.state)),
        el('td', {}, n.address || '—'),
        el('td', {}, Array.isArray(n.types) ? n.types.join(', ') : n.types === '*' ? 'every type' : String(n.types)),
        el('td', { class: 'num' }, formatCount(n.capacity)),
        el('td', { class: 'num' }, formatCount(n.running)),
        el('td', { class: 'num' }, formatCount(n.jobs_done)),
        el('td', {}, formatTime(n.joined_at)),
        el('td', {}, formatTime(n.last_heartbeat)))));
    } catch (e) {
      if (!this.isConnected) return;
      replace(p.problem, `Cannot read the nodes: ${e.message}`);
      p.problem.hidden = false;
    }
    if (this.isConnected && !document.hidden) this.#timer = setTimeout(() => this.#refresh(), REFRESH_MS);
  }
}

customElements.define('jf-nodes', NodesPage);

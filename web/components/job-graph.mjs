// <jf-job-graph>: a job's dependencies drawn small (GET /api/jobs/{id}/graph,
// two steps out, at most 60 jobs): its parents in columns to the left, its
// children to the right, each a link with its status; above it, one
// sentence saying why the job waits. Read again when a job of the graph
// changes status (at most once a second).

import { el, replace, statusBadge } from '../lib/dom.mjs';
import { formatTime } from '../lib/format.mjs';
import { layers, whyWaiting } from '../lib/graph.mjs';
import { jobHref } from '../lib/router.mjs';
import { api } from '../lib/session.mjs';

const MIN_RELOAD_MS = 1000;
const DEPTH = 2;
const MAX_NODES = 60;

function column(level) {
  if (level === 0) return 'this job';
  const n = Math.abs(level);
  if (level < 0) return n === 1 ? 'parents' : `parents ×${n}`;
  return n === 1 ? 'children' : `children ×${n}`;
}

class JobGraph extends HTMLElement {
  session = null;
  #job = null;
  #graph = null;
  #typePaused = false;
  #ids = new Set();
  #unsubscribe = null;
  #timer = null;
  #last = 0;
  #why = null;
  #body = null;

  connectedCallback() {
    this.#why = el('p', { id: 'job-why', class: 'why', hidden: true });
    this.#body = el('div', { class: 'graph', id: 'job-graph' });
    replace(this, this.#why, this.#body);
    this.#unsubscribe = this.session.stream.subscribe((e) => {
      if (e.event !== 'status') return;
      try {
        if (this.#ids.has(JSON.parse(e.data).job_id)) this.#reloadSoon();
      } catch {
        // not an event of ours
      }
    });
  }

  disconnectedCallback() {
    this.#unsubscribe?.();
    clearTimeout(this.#timer);
  }

  /** The job changed (it was read again): say why it waits, and refresh the graph. */
  set job(job) {
    const first = !this.#job || this.#job.id !== job.id;
    this.#job = job;
    if (first) this.#load();
    else this.#renderWhy();
  }

  #reloadSoon() {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#load();
    }, Math.max(0, this.#last + MIN_RELOAD_MS - Date.now()));
  }

  async #load() {
    const job = this.#job;
    this.#last = Date.now();
    try {
      const [graph, type] = await Promise.all([
        api(`/api/jobs/${job.id}/graph?depth=${DEPTH}&max_nodes=${MAX_NODES}`),
        job.status === 'pending' ? api(`/api/job-types/${encodeURIComponent(job.type)}`).catch(() => null) : null,
      ]);
      if (!this.isConnected || this.#job.id !== job.id) return;
      this.#graph = graph;
      this.#typePaused = Boolean(type?.paused);
      this.#ids = new Set(graph.nodes.map((n) => n.id));
      this.#renderWhy();
      this.#render();
    } catch (e) {
      if (this.isConnected) replace(this.#body, el('p', { class: 'error' }, `Cannot read the dependencies: ${e.message}`));
    }
  }

  #renderWhy() {
    if (!this.#graph) return;
    const text = whyWaiting(this.#job, this.#graph, { typePaused: this.#typePaused, format: formatTime });
    replace(this.#why, text ?? '');
    this.#why.hidden = !text;
  }

  #render() {
    const graph = this.#graph;
    if (graph.nodes.length <= 1) {
      replace(this.#body, el('p', { class: 'muted' }, 'No dependencies: no job waits for this one, and it waits for none.'));
      return;
    }
    replace(this.#body,
      el('div', { class: 'graph-columns' }, layers(graph).map(({ level, nodes }) =>
        el('div', { class: 'graph-column', dataset: { level: String(level) } },
          el('div', { class: 'graph-heading' }, column(level)),
          nodes.map((n) => el('div', { class: `graph-node${level === 0 ? ' graph-self' : ''}`, dataset: { nodeId: n.id } },
            n.status === 'deleted' ? el('span', { class: 'mono' }, n.id.slice(0, 8))
              : el('a', { class: 'mono', href: jobHref(n.id) }, n.id.slice(0, 8)),
            ' ', statusBadge(n.status), n.type ? el('span', { class: 'muted' }, ` ${n.type}`) : null))))),
      graph.truncated ? el('p', { class: 'muted' }, `More jobs are linked than the ${MAX_NODES} shown.`) : null);
  }
}

customElements.define('jf-job-graph', JobGraph);

// <jf-job-types>: every job type the server runs (GET /api/job-types): its
// description, whether a node runs it now, whether it is paused, its
// figures since the server started, and, unfolded, its payload's JSON
// Schema, sample, defaults and limits. Shared by every tenant, so any key
// may read it; admins pause and resume a type (POST
// /api/job-types/{name}/pause, /resume), which holds every tenant's jobs.

import '../components/json-view.mjs';
import { el, replace } from '../lib/dom.mjs';
import { formatCount, formatDuration, formatPercent } from '../lib/format.mjs';
import { allows } from '../lib/roles.mjs';
import { jobsHref } from '../lib/router.mjs';
import { api } from '../lib/session.mjs';

function json(value) {
  const view = el('jf-json-view');
  view.value = value;
  return view;
}

function details(type) {
  return el('details', { class: 'type-details', dataset: { type: type.name } },
    el('summary', {}, 'schema, sample, defaults and limits'),
    el('div', { class: 'columns' },
      el('section', {}, el('h3', {}, 'Payload schema'), json(type.schema)),
      el('section', {}, el('h3', {}, 'Sample payload'), json(type.sample_payload),
        el('h3', {}, 'Defaults'), json(type.defaults),
        el('h3', {}, 'Limits'), json(type.limits))));
}

class JobTypesPage extends HTMLElement {
  session = null;
  #body = null;
  #problem = null;

  connectedCallback() {
    const admin = allows(this.session.who.role, 'admin');
    this.#body = el('tbody', { id: 'type-rows' });
    this.#problem = el('p', { class: 'error', role: 'alert', hidden: true });
    replace(this, el('h1', {}, 'Job types'), this.#problem,
      el('table', { class: 'grid', id: 'job-types-table' },
        el('thead', {}, el('tr', {}, el('th', {}, 'type'), el('th', {}, 'runs on a node'), el('th', {}, 'state'),
          ['submitted', 'completed', 'failed', 'failure rate', 'run p95'].map((h) => el('th', { class: 'num' }, h)),
          admin ? el('th', {}, '') : null)),
        this.#body));
    this.#load();
  }

  async #load() {
    try {
      const { items } = await api('/api/job-types');
      if (!this.isConnected) return;
      this.#problem.hidden = true;
      const admin = allows(this.session.who.role, 'admin');
      replace(this.#body, items.flatMap((t) => [
        el('tr', { dataset: { type: t.name, paused: t.paused ? 'true' : 'false' } },
          el('td', {}, el('a', { href: jobsHref(`type:${t.name}`) }, t.name), el('div', { class: 'muted' }, t.description ?? '')),
          el('td', {}, t.runnable === false ? 'no: its jobs wait for a node that runs it' : 'yes'),
          el('td', { class: 'state-cell' }, t.paused ? el('span', { class: 'badge paused' }, 'paused') : 'running'),
          el('td', { class: 'num' }, formatCount(t.stats?.submitted)),
          el('td', { class: 'num' }, formatCount(t.stats?.completed)),
          el('td', { class: 'num' }, formatCount(t.stats?.failed)),
          el('td', { class: 'num' }, formatPercent(t.stats?.failure_rate)),
          el('td', { class: 'num' }, formatDuration(t.stats?.run_time_ms?.p95)),
          admin ? el('td', {}, el('button', { type: 'button', class: t.paused ? 'resume-type' : 'pause-type',
            onclick: (event) => this.#toggle(t, event.target) }, t.paused ? 'Resume' : 'Pause')) : null),
        el('tr', { class: 'type-more' }, el('td', { colspan: admin ? 9 : 8 }, details(t))),
      ]));
    } catch (e) {
      replace(this.#problem, `Cannot read the job types: ${e.message}`);
      this.#problem.hidden = false;
    }
  }

  async #toggle(type, button) {
    button.disabled = true;
    try {
      await api(`/api/job-types/${encodeURIComponent(type.name)}/${type.paused ? 'resume' : 'pause'}`, { method: 'POST' });
    } catch (e) {
      replace(this.#problem, `Refused: ${e.message}`);
      this.#problem.hidden = false;
    }
    this.#load();
  }
}

customElements.define('jf-job-types', JobTypesPage);

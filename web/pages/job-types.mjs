// <jf-job-types>: every job type the server runs (GET /api/job-types): its
// description, whether a node runs it now, its figures since the server
// started, and, unfolded, its payload's JSON Schema, sample, defaults and
// limits. Shared by every tenant, so any key may read it.

import '../components/json-view.mjs';
import { el, replace } from '../lib/dom.mjs';
import { formatCount, formatDuration, formatPercent } from '../lib/format.mjs';
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

  async connectedCallback() {
    const body = el('tbody', { id: 'type-rows' });
    const problem = el('p', { class: 'error', role: 'alert', hidden: true });
    replace(this, el('h1', {}, 'Job types'), problem,
      el('table', { class: 'grid', id: 'job-types-table' },
        el('thead', {}, el('tr', {}, el('th', {}, 'type'), el('th', {}, 'runs on a node'),
          ['submitted', 'completed', 'failed', 'failure rate', 'run p95'].map((h) => el('th', { class: 'num' }, h)))),
        body));
    try {
      const { items } = await api('/api/job-types');
      if (!this.isConnected) return;
      replace(body, items.flatMap((t) => [
        el('tr', { dataset: { type: t.name } },
          el('td', {}, el('a', { href: jobsHref(`type:${t.name}`) }, t.name), el('div', { class: 'muted' }, t.description ?? '')),
          el('td', {}, t.runnable === false ? 'no: its jobs wait for a node that runs it' : 'yes'),
          el('td', { class: 'num' }, formatCount(t.stats?.submitted)),
          el('td', { class: 'num' }, formatCount(t.stats?.completed)),
          el('td', { class: 'num' }, formatCount(t.stats?.failed)),
          el('td', { class: 'num' }, formatPercent(t.stats?.failure_rate)),
          el('td', { class: 'num' }, formatDuration(t.stats?.run_time_ms?.p95))),
        el('tr', { class: 'type-more' }, el('td', { colspan: 7 }, details(t))),
      ]));
    } catch (e) {
      replace(problem, `Cannot read the job types: ${e.message}`);
      problem.hidden = false;
    }
  }
}

customElements.define('jf-job-types', JobTypesPage);

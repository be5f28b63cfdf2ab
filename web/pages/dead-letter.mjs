// <jf-dead-letter>: the failed jobs grouped by type and error code
// (<jf-dead-letter-groups>), then one by one (GET /api/dead-letter), newest
// first, by type. Operators select jobs, or take a whole group, and replay
// or discard them in one request (POST /api/dead-letter/replay, /discard:
// each id answered on its own), after a confirmation that names the count. A job that fails for good
// brings in a fresh first page; replaying one with another payload happens
// on its own page.

import '../components/dead-letter-groups.mjs';
import { el, replace } from '../lib/dom.mjs';
import { formatTime } from '../lib/format.mjs';
import { managesDeadLetters } from '../lib/roles.mjs';
import { deadLetterHref, jobHref } from '../lib/router.mjs';
import { api } from '../lib/session.mjs';

const PAGE_SIZE = 50;
const MIN_RELOAD_MS = 1000;

class DeadLetterPage extends HTMLElement {
  session = null;
  #type = '';
  #next = null;
  #parts = {};
  #unsubscribe = [];
  #reloadTimer = null;
  #lastLoad = 0;
  #loads = 0;  // only the latest load may draw: an older answer may come last

  /** The route changed (another type): read it again without rebuilding. */
  set route(route) {
    this.#type = route.params.get('type') ?? '';
    if (this.isConnected) this.#reload();
  }

  connectedCallback() {
    const p = this.#parts;
    const operator = managesDeadLetters(this.session.who.role);
    p.type = el('select', { id: 'dead-letter-type', 'aria-label': 'type' }, el('option', { value: '' }, 'any'));
    p.type.addEventListener('change', () => {
      location.hash = deadLetterHref(p.type.value);
    });
    p.all = el('input', { type: 'checkbox', id: 'select-all', 'aria-label': 'select every job shown' });
    p.all.addEventListener('change', () => {
      for (const box of this.#boxes()) box.checked = p.all.checked;
      this.#selectionChanged();
    });
    p.rows = el('tbody', { id: 'dead-letter-rows' });
    p.empty = el('p', { class: 'muted', id: 'dead-letter-empty', hidden: true }, 'The dead-letter queue is empty.');
    p.more = el('button', { type: 'button', id: 'dead-letter-more', hidden: true, onclick: () => this.#load(true) }, 'Load older');
    p.outcome = el('p', { id: 'bulk-outcome', role: 'status', hidden: true });
    p.bulk = el('div', { class: 'actions', id: 'bulk-actions', hidden: !operator },
      el('button', { type: 'button', id: 'bulk-replay', disabled: true, onclick: () => this.#confirm('replay') }, 'Replay selected'),
      el('button', { type: 'button', id: 'bulk-discard', class: 'danger', disabled: true, onclick: () => this.#confirm('discard') }, 'Discard selected'));
    p.confirm = el('div', { class: 'confirm', id: 'bulk-confirm', role: 'alertdialog', hidden: true });
    p.groups = document.createElement('jf-dead-letter-groups');
    p.groups.operator = operator;
    p.groups.onAction = (action, group) => this.#confirmGroup(action, group);
    replace(this, el('h1', {}, 'Dead letter'),
      el('p', { class: 'muted' }, 'Jobs that failed for good. Replaying one queues it again; discarding removes it.'),
      el('div', { class: 'filters' }, el('label', { class: 'control' }, 'type', p.type)),
      p.confirm, p.outcome,
      el('h2', {}, 'By type and error'), p.groups,
      el('h2', {}, 'Jobs'), p.bulk,
      el('table', { class: 'grid', id: 'dead-letter-table' },
        el('thead', {}, el('tr', {}, operator ? el('th', {}, p.all) : null,
          ['id', 'type', 'error', 'attempts', 'failed at', 'tenant'].map((h) => el('th', {}, h)))),
        p.rows),
      p.empty, p.more);
    this.#loadTypes();
    const stream = this.session.stream;
    this.#unsubscribe.push(stream.subscribe((e) => {
      if (e.event !== 'status') return;
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      if (data.to === 'failed' || data.from === 'failed') this.#reloadSoon();
    }));
    this.#unsubscribe.push(stream.onState((state) => {
      if (state === 'live') this.#reloadSoon();
    }));
    this.#reload();
  }

  disconnectedCallback() {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    clearTimeout(this.#reloadTimer);
  }

  #boxes() {
    return [...this.#parts.rows.querySelectorAll('input[type=checkbox]')];
  }

  #selected() {
    return this.#boxes().filter((b) => b.checked).map((b) => b.value);
  }

  #selectionChanged() {
    const count = this.#selected().length;
    this.#parts.bulk.querySelector('#bulk-replay').disabled = count === 0;
    this.#parts.bulk.querySelector('#bulk-discard').disabled = count === 0;
    this.#parts.confirm.hidden = true;
  }

  async #loadTypes() {
    try {
      const types = await api('/api/job-types');
      for (const t of types.items) this.#parts.type.append(el('option', { value: t.name }, t.name));
    } catch {
      // Without the list the page still shows every type.
    }
    this.#parts.type.value = this.#type;
  }

  #reloadSoon() {
    if (this.#reloadTimer) return;
    const wait = Math.max(0, this.#lastLoad + MIN_RELOAD_MS - Date.now());
    this.#reloadTimer = setTimeout(() => {
      this.#reloadTimer = null;
      // A reload would drop what the operator is selecting: wait until nothing is.
      if (this.#selected().length === 0) this.#reload();
    }, wait);
  }

  #reload() {
    this.#next = null;
    this.#parts.type.value = this.#type;
    this.#parts.groups.load(this.#type);
    this.#load(false);
  }

  async #load(more) {
    this.#lastLoad = Date.now();
    const load = ++this.#loads;
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.#type) params.set('type', this.#type);
    if (more && this.#next) params.set('cursor', this.#next);
    try {
      const page = await api(`/api/dead-letter?${params}`);
      if (!this.isConnected || load !== this.#loads) return;
      const rows = page.items.map((job) => this.#row(job));
      if (more) this.#parts.rows.append(...rows);
      else replace(this.#parts.rows, rows);
      this.#next = page.next_cursor ?? null;
      this.#parts.more.hidden = !this.#next;
      this.#parts.empty.hidden = this.#parts.rows.children.length > 0;
      this.#parts.all.checked = false;
      this.#selectionChanged();
    } catch (e) {
      this.#show(`Cannot read the dead-letter queue: ${e.message}`, true);
    }
  }

  #row(job) {
    const box = managesDeadLetters(this.session.who.role)
      ? el('td', {}, el('input', { type: 'checkbox', value: job.id, 'aria-label': `select ${job.id}`, onchange: () => this.#selectionChanged() }))
      : null;
    const e = job.last_error;
    return el('tr', { dataset: { jobId: job.id } }, box,
      el('td', {}, el('a', { href: jobHref(job.id), class: 'mono', title: job.id }, job.id.slice(0, 8))),
      el('td', {}, job.type),
      el('td', { class: 'error-cell' }, e ? `${e.kind} · ${e.code}: ${e.message}` : ''),
      el('td', { class: 'num' }, `${job.attempts}/${job.max_attempts}`),
      el('td', {}, formatTime(job.finished_at ?? job.updated_at)),
      el('td', {}, job.tenant));
  }

  #confirm(action) {
    const ids = this.#selected();
    if (ids.length === 0) return;
    this.#ask(action, { ids }, ids.length, '');
  }

  #confirmGroup(action, group) {
    // The server takes up to 1,000 jobs of a group per request.
    const count = Math.min(group.count, 1000);
    this.#ask(action, { group: { type: group.type, code: group.code } }, count,
      ` of ${group.type} · ${group.code || '(no code)'}`);
  }

  /** Asks before acting on `count` jobs; `body` names them to the server. */
  #ask(action, body, count, what) {
    const noun = count === 1 ? '1 job' : `${count} jobs`;
    const verb = action === 'replay' ? 'Replay' : 'Discard';
    const go = el('button', { type: 'button', id: 'bulk-confirm-yes', class: action === 'discard' ? 'danger' : '' }, `${verb} ${noun}`);
    const keep = el('button', { type: 'button', id: 'bulk-confirm-no' }, 'Keep them');
    go.addEventListener('click', () => this.#run(action, body));
    keep.addEventListener('click', () => {
      this.#parts.confirm.hidden = true;
    });
    replace(this.#parts.confirm, `${verb} ${noun}${what}${action === 'discard' ? ' for good' : ''}? `, go, ' ', keep);
    this.#parts.confirm.hidden = false;
    go.focus();
  }

  async #run(action, body) {
    this.#parts.confirm.hidden = true;
    try {
      const answer = await api(`/api/dead-letter/${action}`, { method: 'POST', body });
      const failures = answer.results.filter((r) => r.error);
      const done = action === 'replay' ? 'replayed' : 'discarded';
      this.#show([`${answer.succeeded} ${done}`, answer.failed ? `, ${answer.failed} refused: ` : '',
        failures.map((r) => `${r.id.slice(0, 8)} (${r.error.message})`).join('; ')].join(''), answer.failed > 0);
    } catch (e) {
      this.#show(`Refused: ${e.message}`, true);
    }
    this.#reload();
  }

  #show(message, isError) {
    replace(this.#parts.outcome, message);
    this.#parts.outcome.className = isError ? 'error' : 'muted';
    this.#parts.outcome.hidden = false;
  }
}

customElements.define('jf-dead-letter', DeadLetterPage);

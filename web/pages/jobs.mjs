// <jf-jobs>: the job list. One query text (status:failed type:email.send
// tag:vip ...) is the truth: the filter controls write it, the URL keeps it,
// GET /api/jobs answers it page by page (cursors). Rows follow the event
// stream: a job's status and progress change in place, and new jobs that
// match bring in a fresh first page (at most once a second, and not while
// jobs are selected). A fresh page keeps the row of every job still on it
// (the same element, its cells brought up to date), so nothing being looked
// at or pointed to is swapped out. Rows can be selected for
// <jf-job-bulk-actions>.

import '../components/job-bulk-actions.mjs';
import { el, replace, showStatus } from '../lib/dom.mjs';
import { formatTime } from '../lib/format.mjs';
import { RecentEvents } from '../lib/live_rows.mjs';
import { formatQuery, listParams, matches, parseQuery, PRIORITIES, STATUSES } from '../lib/query.mjs';
import { bulkActions } from '../lib/roles.mjs';
import { jobHref, jobsHref } from '../lib/router.mjs';
import { api, ApiError } from '../lib/session.mjs';

const PAGE_SIZE = 50;
const MIN_RELOAD_MS = 1000;

function select(id, label, values, chosen) {
  return el('label', { class: 'control' }, label,
    el('select', { id }, el('option', { value: '' }, 'any'),
      values.map((v) => el('option', { value: v, selected: v === chosen }, v))));
}

class JobsPage extends HTMLElement {
  session = null;
  #route = null;
  #filters = {};
  #cursors = [];  // the cursors of the pages before this one
  #cursor = null;
  #next = null;
  #parts = {};
  #unsubscribe = [];
  #reloadTimer = null;
  #lastLoad = 0;
  #selectable = false;
  #loads = 0;  // only the latest load may draw: an older answer may come last
  #recent = new RecentEvents();  // what events told while a page was being read

  /** The route changed (another query): read it again without rebuilding. */
  set route(route) {
    this.#route = route;
    if (this.isConnected) this.#apply();
  }

  connectedCallback() {
    const p = this.#parts;
    p.query = el('input', { id: 'query', type: 'search', name: 'q', spellcheck: 'false', autocomplete: 'off',
      'aria-label': 'query', placeholder: 'status:failed type:email.send tag:vip' });
    p.errors = el('ul', { class: 'error', id: 'query-errors', role: 'alert', hidden: true });
    p.types = select('filter-type', 'type', [], '');
    p.status = select('filter-status', 'status', STATUSES, '');
    p.priority = select('filter-priority', 'priority', PRIORITIES, '');
    p.tag = el('input', { id: 'filter-tag', type: 'text', 'aria-label': 'tag', placeholder: 'tag' });
    p.rows = el('tbody', { id: 'job-rows' });
    p.empty = el('p', { class: 'muted', id: 'jobs-empty', hidden: true });
    p.newer = el('button', { type: 'button', id: 'page-newer', onclick: () => this.#page(-1) }, '← Newer');
    p.older = el('button', { type: 'button', id: 'page-older', onclick: () => this.#page(1) }, 'Older →');
    p.position = el('span', { class: 'muted' });
    const may = bulkActions(this.session.who.role);
    this.#selectable = may.cancel || may.retry || may.priority;
    p.all = el('input', { type: 'checkbox', id: 'select-all-jobs', 'aria-label': 'select every job shown' });
    p.all.addEventListener('change', () => {
      for (const box of this.#boxes()) box.checked = p.all.checked;
      p.bulk.selectionChanged();
    });
    p.bulk = document.createElement('jf-job-bulk-actions');
    p.bulk.role = this.session.who.role;
    p.bulk.selected = () => this.#boxes().filter((b) => b.checked).map((b) => b.value);
    p.bulk.onDone = () => this.#load();
    p.bulk.hidden = !this.#selectable;

    const form = el('form', { class: 'query', role: 'search' }, p.query,
      el('button', { type: 'submit', id: 'query-apply' }, 'Search'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#navigate(p.query.value);
    });
    const controls = el('div', { class: 'filters' }, p.status, p.types, p.priority,
      el('label', { class: 'control' }, 'tag', p.tag));
    for (const [control, key] of [[p.status, 'status'], [p.types, 'type'], [p.priority, 'priority']]) {
      control.querySelector('select').addEventListener('change', (event) => {
        const value = event.target.value;
        this.#navigate(formatQuery({ ...this.#filters, [key]: key === 'status' ? (value ? [value] : []) : value }));
      });
    }
    p.tag.addEventListener('change', () => this.#navigate(formatQuery({ ...this.#filters, tag: p.tag.value.trim() })));

    replace(this, el('h1', {}, 'Jobs'), form, p.errors, controls, p.bulk,
      el('table', { class: 'grid', id: 'jobs-table' },
        el('thead', {}, el('tr', {}, this.#selectable ? el('th', {}, p.all) : null,
          ['id', 'type', 'status', 'priority', 'attempts', 'progress', 'tags', 'created'].map((h) => el('th', {}, h)))),
        p.rows),
      p.empty, el('div', { class: 'pager' }, p.newer, p.position, p.older));

    this.#loadTypes();
    const stream = this.session.stream;
    this.#unsubscribe.push(stream.subscribe((e) => this.#onEvent(e)));
    this.#unsubscribe.push(stream.onState((state) => {
      if (state === 'live') this.#reloadSoon();
    }));
    this.#apply();
  }

  disconnectedCallback() {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    clearTimeout(this.#reloadTimer);
  }

  /** Shows query `text` at its own URL, or says what is wrong with it. */
  #navigate(text) {
    const { filters, errors } = parseQuery(text);
    if (errors.length > 0) return this.#showErrors(errors);
    const target = jobsHref(formatQuery(filters));
    if (location.hash === target) this.#apply();
    else location.hash = target;
  }

  #showErrors(errors) {
    replace(this.#parts.errors, errors.map((e) => el('li', {}, e)));
    this.#parts.errors.hidden = errors.length === 0;
  }

  /** Reads the query of the route and shows its first page. */
  #apply() {
    const text = this.#route?.params.get('q') ?? '';
    const { filters, errors } = parseQuery(text);
    const p = this.#parts;
    p.query.value = text;
    this.#showErrors(errors);
    if (errors.length > 0) {
      replace(p.rows);
      this.#showEmpty('Fix the query to see jobs.');
      return;
    }
    this.#filters = filters;
    p.status.querySelector('select').value = filters.status?.length === 1 ? filters.status[0] : '';
    this.#chooseType(filters.type ?? '');
    p.priority.querySelector('select').value = filters.priority ?? '';
    p.tag.value = filters.tag ?? '';
    this.#cursors = [];
    this.#cursor = null;
    this.#load();
  }

  #chooseType(type) {
    const chooser = this.#parts.types.querySelector('select');
    if (type && ![...chooser.options].some((o) => o.value === type)) chooser.append(el('option', { value: type }, type));
    chooser.value = type;
  }

  async #loadTypes() {
    try {
      const types = await api('/api/job-types');
      const chooser = this.#parts.types.querySelector('select');
      const known = new Set([...chooser.options].map((o) => o.value));
      for (const t of types.items ?? types) {
        if (!known.has(t.name)) chooser.append(el('option', { value: t.name }, t.name));
      }
      chooser.value = this.#filters.type ?? '';
    } catch {
      // The list still works by typing type:... into the query.
    }
  }

  #page(direction) {
    if (direction > 0 && this.#next) {
      this.#cursors.push(this.#cursor);
      this.#cursor = this.#next;
    } else if (direction < 0 && this.#cursors.length > 0) {
      this.#cursor = this.#cursors.pop();
    } else {
      return;
    }
    this.#load();
  }

  async #load() {
    const startedAt = Date.now();
    this.#lastLoad = startedAt;
    const filters = this.#filters;
    const load = ++this.#loads;
    try {
      let items;
      this.#next = null;
      if (filters.id) {
        try {
          const job = await api(`/api/jobs/${filters.id}`);
          items = matches(job, filters) ? [job] : [];
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 404)) throw e;
          items = [];
        }
      } else {
        const params = listParams(filters);
        params.set('limit', String(PAGE_SIZE));
        if (this.#cursor) params.set('cursor', this.#cursor);
        const page = await api(`/api/jobs?${params}`);
        items = page.items;
        this.#next = page.next_cursor ?? null;
      }
      if (!this.isConnected || load !== this.#loads) return;
      this.#drawRows(items.map((job) => this.#recent.freshest(job, startedAt)));
      this.#parts.all.checked = false;
      this.#parts.bulk.selectionChanged();
      this.#showEmpty(items.length === 0 ? 'No job matches.' : '');
    } catch (e) {
      if (!this.isConnected || load !== this.#loads) return;
      this.#showErrors([`The server refused the query: ${e.message}`]);
    }
    const p = this.#parts;
    p.newer.disabled = this.#cursors.length === 0;
    p.older.disabled = !this.#next;
    replace(p.position, `page ${this.#cursors.length + 1}`);
  }

  #showEmpty(text) {
    replace(this.#parts.empty, text);
    this.#parts.empty.hidden = !text;
  }

  #boxes() {
    return [...this.#parts.rows.querySelectorAll('input.select-job')];
  }

  /** Shows `jobs` in order, keeping (and updating) the row of each job already shown. */
  #drawRows(jobs) {
    const shown = new Map([...this.#parts.rows.children].map((row) => [row.dataset.jobId, row]));
    replace(this.#parts.rows, jobs.map((job) => {
      const row = shown.get(job.id);
      if (!row) return this.#row(job);
      this.#fill(row, job);
      // A fresh page starts with nothing selected, as after a bulk action.
      const box = row.querySelector('input.select-job');
      if (box) box.checked = false;
      return row;
    }));
  }

  #row(job) {
    const box = this.#selectable ? el('td', {}, el('input', { type: 'checkbox', class: 'select-job', value: job.id,
      'aria-label': `select ${job.id}`, onchange: () => this.#parts.bulk.selectionChanged() })) : null;
    const row = el('tr', { dataset: { jobId: job.id } }, box,
      el('td', {}, el('a', { href: jobHref(job.id), class: 'mono', title: job.id }, job.id.slice(0, 8))),
      el('td', {}, job.type),
      el('td', { class: 'status-cell' }),
      el('td', { class: 'priority-cell' }),
      el('td', { class: 'num attempts-cell' }),
      el('td', { class: 'num progress-cell' }),
      el('td', {}, (job.tags ?? []).map((t) => el('a', { class: 'tag', href: jobsHref(`tag:${t.includes(' ') ? `"${t}"` : t}`) }, t))),
      el('td', {}, formatTime(job.created_at)));
    this.#fill(row, job);
    return row;
  }

  /** The cells of a row that change over a job's life. */
  #fill(row, job) {
    const percent = job.progress?.percent;
    showStatus(row.querySelector('.status-cell'), job.status);
    replace(row.querySelector('.priority-cell'), job.priority);
    replace(row.querySelector('.attempts-cell'), `${job.attempts}/${job.max_attempts}`);
    replace(row.querySelector('.progress-cell'), percent === undefined || percent === null ? '' : `${Math.round(percent)} %`);
  }

  #onEvent(e) {
    if (e.event !== 'status' && e.event !== 'progress') return;
    let data;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    this.#recent.record(e.event, data, Date.now());
    const row = this.#parts.rows.querySelector(`tr[data-job-id="${CSS.escape(data.job_id ?? '')}"]`);
    if (row && e.event === 'status') {
      showStatus(row.querySelector('.status-cell'), data.to);
      const attempts = row.querySelector('.attempts-cell');
      const max = attempts.textContent.split('/')[1];
      if (data.attempt) replace(attempts, `${data.attempt}/${max}`);
    } else if (row && e.event === 'progress') {
      replace(row.querySelector('.progress-cell'), `${Math.round(data.percent)} %`);
    } else if (!row && e.event === 'status' && data.from === null && this.#cursors.length === 0 && !this.#filters.id) {
      // A new job: it belongs on the first page when it passes what the event tells.
      const f = this.#filters;
      if ((!f.type || f.type === data.type) && (!f.status?.length || f.status.includes(data.to))) this.#reloadSoon();
    }
  }

  #reloadSoon() {
    if (this.#reloadTimer) return;
    const wait = Math.max(0, this.#lastLoad + MIN_RELOAD_MS - Date.now());
    this.#reloadTimer = setTimeout(() => {
      this.#reloadTimer = null;
      // A reload would drop what is being selected: wait until nothing is.
      if (this.#cursors.length === 0 && this.#parts.bulk.selected().length === 0) this.#load();
    }, wait);
  }
}

customElements.define('jf-jobs', JobsPage);

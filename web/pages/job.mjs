// <jf-job>: one job: its status, progress (live), why it waits and its
// dependencies (<jf-job-graph>), payload and result, its history as a
// timeline with durations, its attempts, the lines its handler logged
// (<jf-job-logs>, live), and the actions the signed-in role may take on it
// (cancel, retry, priority, replay, discard).

import '../components/job-graph.mjs';
import '../components/job-logs.mjs';
import '../components/json-view.mjs';
import { el, replace, statusBadge } from '../lib/dom.mjs';
import { formatDuration, formatTime } from '../lib/format.mjs';
import { allows, jobActions } from '../lib/roles.mjs';
import { jobHref, jobsHref } from '../lib/router.mjs';
import { api } from '../lib/session.mjs';
import { attempts, timeline } from '../lib/timeline.mjs';

const MIN_RELOAD_MS = 300;
const TICK_MS = 1000;

/** A duration cell that keeps counting while its status lasts. */
function spanCell(ms, since) {
  if (ms === null) return el('td', { class: 'num' });
  if (!since) return el('td', { class: 'num' }, formatDuration(ms));
  return el('td', { class: 'num', dataset: { since } }, `${formatDuration(ms)} so far`);
}

function field(label, ...value) {
  return [el('dt', {}, label), el('dd', {}, ...value)];
}

function json(value, id) {
  const view = el('jf-json-view', { id });
  view.value = value;
  return view;
}

/** A link saving `value` as a JSON file (a blob URL the page revokes when it draws again). */
function download(value, id, name, urls) {
  if (value === undefined || value === null) return null;
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }));
  urls.push(url);
  return el('a', { id, href: url, download: name, class: 'download' }, 'download');
}

class JobPage extends HTMLElement {
  session = null;
  jobId = '';
  #job = null;
  #unsubscribe = [];
  #reloadTimer = null;
  #ticker = null;
  #actionsFor = null;  // the status the action buttons were drawn for
  #lastLoad = 0;
  #downloads = [];  // blob URLs of the payload and result links
  #parts = {};

  connectedCallback() {
    const p = this.#parts;
    p.head = el('div', { class: 'job-head' });
    p.error = el('p', { class: 'error', id: 'job-error', role: 'alert', hidden: true });
    p.actions = el('div', { class: 'actions', id: 'job-actions' });
    p.progress = el('section', { id: 'job-progress' });
    p.body = el('div', { id: 'job-body' });
    p.graph = document.createElement('jf-job-graph');
    p.graph.session = this.session;
    p.logs = document.createElement('jf-job-logs');
    p.logs.session = this.session;
    p.logs.jobId = this.jobId;
    // Shown once the job is read: for an unknown job there is nothing to ask.
    p.graphSection = el('section', { hidden: true }, el('h2', {}, 'Dependencies'), p.graph);
    p.logSection = el('section', { hidden: true }, el('h2', {}, 'Log'), p.logs);
    replace(this, el('p', {}, el('a', { href: jobsHref('') }, '← all jobs')), p.head, p.error, p.actions, p.progress,
      p.graphSection, p.body, p.logSection);
    const stream = this.session.stream;
    this.#unsubscribe.push(stream.subscribe((e) => this.#onEvent(e)));
    this.#unsubscribe.push(stream.onState((state) => {
      if (state === 'live') this.#reloadSoon();
    }));
    this.#load();
    this.#ticker = setInterval(() => this.#tick(), TICK_MS);
  }

  disconnectedCallback() {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    clearTimeout(this.#reloadTimer);
    clearInterval(this.#ticker);
    for (const url of this.#downloads.splice(0)) URL.revokeObjectURL(url);
  }

  async #load() {
    this.#lastLoad = Date.now();
    try {
      const job = await api(`/api/jobs/${this.jobId}`);
      if (!this.isConnected) return;
      this.#render(job);
    } catch (e) {
      if (!this.isConnected) return;
      this.#fail(e.status === 404 ? `No job ${this.jobId} (or not one of your tenant's).` : `Cannot read the job: ${e.message}`);
    }
  }

  #fail(message) {
    replace(this.#parts.error, message);
    this.#parts.error.hidden = false;
  }

  #tick() {
    const now = Date.now();
    for (const cell of this.querySelectorAll('td[data-since]')) {
      replace(cell, `${formatDuration(now - Date.parse(cell.dataset.since))} so far`);
    }
  }

  #reloadSoon() {
    if (this.#reloadTimer) return;
    const wait = Math.max(0, this.#lastLoad + MIN_RELOAD_MS - Date.now());
    this.#reloadTimer = setTimeout(() => {
      this.#reloadTimer = null;
      this.#load();
    }, wait);
  }

  #onEvent(e) {
    if (e.event !== 'status' && e.event !== 'progress') return;
    let data;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    if (data.job_id !== this.jobId) return;
    if (e.event === 'progress' && this.#job) {
      this.#renderProgress({ ...this.#job, progress: data });
    } else {
      this.#reloadSoon();
    }
  }

  #render(job) {
    this.#job = job;
    const p = this.#parts;
    p.error.hidden = true;
    replace(p.head,
      el('h1', {}, job.type, ' ', statusBadge(job.status)),
      el('dl', { class: 'fields' },
        field('id', el('span', { class: 'mono', id: 'job-id' }, job.id)),
        field('tenant', job.tenant),
        field('priority', job.effective_priority && job.effective_priority !== job.priority
          ? el('span', { id: 'effective-priority', title: 'lent by the jobs waiting on it' },
            `${job.priority}, runs at ${job.effective_priority} (inherited)`)
          : job.priority),
        job.dependency_timeout_ms ? field('dependency timeout', formatDuration(job.dependency_timeout_ms)) : null,
        field('attempts', `${job.attempts} of ${job.max_attempts}`),
        field('tags', (job.tags ?? []).length ? job.tags.map((t) => el('a', { class: 'tag', href: jobsHref(`tag:${t.includes(' ') ? `"${t}"` : t}`) }, t)) : '—'),
        field('created', formatTime(job.created_at)),
        job.run_at ? field('runs at', formatTime(job.run_at)) : null,
        job.started_at ? field('started', formatTime(job.started_at)) : null,
        job.next_attempt_at ? field('next attempt', formatTime(job.next_attempt_at)) : null,
        job.finished_at ? field('finished', formatTime(job.finished_at)) : null,
        job.canceled_at ? field('canceled', `${formatTime(job.canceled_at)} by ${job.canceled_by || '?'}${job.cancel_reason ? `: ${job.cancel_reason}` : ''}`) : null,
        job.timeout_ms ? field('timeout', formatDuration(job.timeout_ms)) : null,
        (job.depends_on ?? []).length ? field('depends on', job.depends_on.map((id) =>
          el('a', { class: 'mono dependency', href: jobHref(id) }, id.slice(0, 8)))) : null));
    this.#renderActions(job);
    this.#renderProgress(job);
    p.graph.job = job;
    p.logs.job = job;
    p.graphSection.hidden = false;
    p.logSection.hidden = false;
    const now = Date.now();
    const steps = timeline(job.history, now);
    const runs = attempts(job.history, now);
    for (const url of this.#downloads.splice(0)) URL.revokeObjectURL(url);
    replace(p.body,
      job.last_error ? el('section', { id: 'job-last-error' }, el('h2', {}, 'Last error'),
        el('p', { class: 'error' }, `${job.last_error.kind} · ${job.last_error.code}: `, el('span', {}, job.last_error.message))) : null,
      el('section', {}, el('h2', {}, 'Payload ', download(job.payload, 'download-payload', `${job.id}-payload.json`, this.#downloads)),
        json(job.payload, 'job-payload')),
      el('section', {}, el('h2', {}, 'Result ', download(job.result, 'download-result', `${job.id}-result.json`, this.#downloads)),
        job.result_file ? el('p', {}, `A file of ${job.result_file.size_bytes ?? job.result_file.size ?? '?'} bytes, SHA-256 `,
          el('span', { class: 'mono' }, job.result_file.sha256 ?? '')) : null,
        json(job.result ?? undefined, 'job-result')),
      el('section', {}, el('h2', {}, 'Timeline'),
        el('table', { class: 'grid', id: 'job-timeline' },
          el('thead', {}, el('tr', {}, ['at', 'transition', 'then', 'for', 'note'].map((h) => el('th', {}, h)))),
          el('tbody', {}, steps.map((s) => el('tr', {},
            el('td', {}, formatTime(s.at)),
            el('td', {}, s.from ? `${s.from} → ` : 'created → ', statusBadge(s.to)),
            el('td', {}, s.label),
            spanCell(s.spanMs, s.ongoing ? s.at : null),
            el('td', {}, [s.error ? `${s.error.code}: ${s.error.message}` : '', s.reason ?? ''].filter(Boolean).join(' · '))))))),
      el('section', {}, el('h2', {}, 'Attempts'),
        runs.length === 0 ? el('p', { class: 'muted' }, 'No attempt yet.') :
          el('table', { class: 'grid', id: 'job-attempts' },
            el('thead', {}, el('tr', {}, ['#', 'node', 'started', 'ran', 'outcome', 'error'].map((h) => el('th', {}, h)))),
            el('tbody', {}, runs.map((a) => el('tr', {},
              el('td', { class: 'num' }, String(a.attempt)),
              el('td', {}, a.node),
              el('td', {}, formatTime(a.startedAt)),
              spanCell(a.ms, a.outcome === 'running' ? a.startedAt : null),
              el('td', {}, statusBadge(a.outcome)),
              el('td', {}, a.error ? `${a.error.kind} · ${a.error.code}: ${a.error.message}` : '')))))));
  }

  #renderProgress(job) {
    const progress = job.progress;
    const p = this.#parts.progress;
    // A job read again may not carry the report an event already showed.
    if (!progress) return;
    const percent = Math.max(0, Math.min(100, progress.percent ?? 0));
    const text = [`${Math.round(percent)} %`, progress.stage, progress.message,
      progress.eta_ms !== null && progress.eta_ms !== undefined && job.status === 'running'
        ? `about ${formatDuration(progress.eta_ms)} left` : ''].filter(Boolean).join(' · ');
    // Updated in place: a bar drawn anew at every report would flicker.
    let bar = p.querySelector('progress');
    if (!bar) {
      bar = el('progress', { id: 'job-progress-bar', max: 100 });
      replace(p, el('h2', {}, 'Progress'),
        el('div', { class: 'progress-line' }, bar, el('span', { id: 'job-progress-text' })));
    }
    bar.value = percent;
    replace(bar, `${Math.round(percent)} %`);
    replace(p.querySelector('#job-progress-text'), text);
  }

  #renderActions(job) {
    // Drawn again only when the status changes: a payload being edited for a
    // replay must survive the reloads that events bring.
    if (this.#actionsFor === `${job.status} ${job.priority}`) return;
    this.#actionsFor = `${job.status} ${job.priority}`;
    const allowed = jobActions(this.session.who.role, job.status);
    const p = this.#parts.actions;
    const buttons = [];
    if (allowed.cancel) {
      const reason = el('input', { id: 'cancel-reason', type: 'text', placeholder: 'reason (optional)', 'aria-label': 'reason' });
      const mode = el('select', { id: 'cancel-mode', 'aria-label': 'mode' },
        el('option', { value: 'graceful' }, 'graceful'), el('option', { value: 'forced' }, 'forced'));
      const form = el('form', { class: 'inline' }, reason, mode, el('button', { type: 'submit', id: 'cancel-job', class: 'danger' }, 'Cancel job'));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        this.#act(`/api/jobs/${job.id}/cancel`, { reason: reason.value, mode: mode.value });
      });
      buttons.push(form);
    }
    if (allowed.priority && !(job.status === 'pending' && job.attempts > 0)) {
      const choice = el('select', { id: 'priority-choice', 'aria-label': 'new priority' },
        ['critical', 'high', 'normal', 'low'].map((v) => el('option', { value: v, selected: v === job.priority }, v)));
      const form = el('form', { class: 'inline', id: 'priority-form' }, choice,
        el('button', { type: 'submit', id: 'change-priority' }, 'Change priority'));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        this.#act(`/api/jobs/${job.id}/priority`, { priority: choice.value });
      });
      buttons.push(form);
    }
    if (allowed.retry) {
      buttons.push(el('button', { type: 'button', id: 'retry-job', onclick: () => this.#act(`/api/jobs/${job.id}/retry`) }, 'Retry'));
    }
    if (allowed.replay) buttons.push(this.#replayForm(job));
    if (allows(this.session.who.role, 'submitter')) {
      // A new job with this one's type, payload and options, to edit before it is sent.
      buttons.push(el('a', { id: 'submit-like-this', class: 'button', href: `#/submit?${new URLSearchParams({ from: job.id })}` },
        'Submit like this…'));
    }
    if (allowed.discard) {
      const confirm = el('span', { class: 'confirm', id: 'discard-confirm', hidden: true }, 'Discard this job for good? ',
        el('button', { type: 'button', id: 'discard-confirm-yes', class: 'danger', onclick: () => this.#discard(job) }, 'Discard'), ' ',
        el('button', { type: 'button', onclick: () => { confirm.hidden = true; } }, 'Keep it'));
      buttons.push(el('button', { type: 'button', id: 'discard-job', class: 'danger', onclick: () => { confirm.hidden = false; } }, 'Discard…'), confirm);
    }
    replace(p, buttons);
    p.hidden = buttons.length === 0;
  }

  /** Replay from the dead letter, with the payload as it is or edited (checked by the server against the type's schema). */
  #replayForm(job) {
    const text = el('textarea', { id: 'replay-payload', 'aria-label': 'payload to replay with', spellcheck: 'false' });
    text.value = JSON.stringify(job.payload ?? {}, null, 2);
    const problem = el('ul', { class: 'error', id: 'replay-error', role: 'alert', hidden: true });
    const form = el('form', { class: 'replay', id: 'replay-form', hidden: true },
      el('label', { for: 'replay-payload' }, 'Payload'), text, problem,
      el('div', {}, el('button', { type: 'submit', id: 'replay-submit' }, 'Replay with this payload')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const fail = (lines) => {
        replace(problem, lines.map((l) => el('li', {}, l)));
        problem.hidden = false;
      };
      let payload;
      try {
        payload = JSON.parse(text.value);
      } catch (e) {
        return fail([`The payload is not JSON: ${e.message}. Nothing was sent.`]);
      }
      try {
        const replayed = await api(`/api/dead-letter/${job.id}/replay`, { method: 'POST', body: { payload } });
        problem.hidden = true;
        this.#render(replayed);
      } catch (e) {
        // A schema violation names each field by its JSON path.
        const violations = Array.isArray(e.details?.violations)
          ? e.details.violations.map((v) => `${v.path}: ${v.message}`) : [];
        fail(violations.length ? [`Refused: the payload does not match the type's schema`, ...violations] : [`Refused: ${e.message}`]);
      }
    });
    const open = el('button', { type: 'button', id: 'replay-job', onclick: () => {
      form.hidden = !form.hidden;
      if (!form.hidden) text.focus();
    } }, 'Replay…');
    return el('div', { class: 'replay-box' }, open, form);
  }

  async #discard(job) {
    try {
      await api(`/api/dead-letter/${job.id}/discard`, { method: 'POST' });
      location.hash = '#/dead-letter';
    } catch (e) {
      this.#fail(`Refused: ${e.message}`);
    }
  }

  async #act(path, body) {
    for (const b of this.#parts.actions.querySelectorAll('button')) b.disabled = true;
    try {
      this.#render(await api(path, { method: 'POST', body }));
    } catch (e) {
      this.#fail(`Refused: ${e.message}`);
      for (const b of this.#parts.actions.querySelectorAll('button')) b.disabled = false;
    }
  }
}

customElements.define('jf-job', JobPage);

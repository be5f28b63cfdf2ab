// <jf-job-logs>: the lines the job's handler logged (GET /api/jobs/{id}/logs,
// kept by the server in memory, bounded), then each new one as the stream's
// `event: log` brings it. Read once the page has read the job.

import { el, replace } from '../lib/dom.mjs';
import { formatTime } from '../lib/format.mjs';
import { api } from '../lib/session.mjs';

const MAX_SHOWN = 500;

function lineRow(line) {
  const text = line.message || `${line.held_back} lines over the rate were not kept`;
  return el('tr', { class: `log-${line.level}` },
    el('td', { class: 'mono' }, formatTime(line.at)),
    el('td', { class: 'num' }, String(line.attempt)),
    el('td', {}, line.level),
    el('td', { class: 'mono log-text' }, line.held_back && line.message ? `${text} (${line.held_back} earlier lines not kept)` : text));
}

class JobLogs extends HTMLElement {
  session = null;
  jobId = '';
  #started = false;
  #rows = null;
  #empty = null;
  #unsubscribe = null;
  #pending = [];  // lines streamed before the first read answered
  #loaded = false;

  connectedCallback() {
    this.#rows = el('tbody', { id: 'job-log-lines' });
    this.#empty = el('p', { class: 'muted', id: 'job-logs-empty', hidden: true }, 'The handler logged nothing (or the server restarted since).');
    replace(this, el('table', { class: 'grid', id: 'job-logs' },
      el('thead', {}, el('tr', {}, ['at', 'attempt', 'level', 'message'].map((h) => el('th', {}, h)))), this.#rows), this.#empty);
    this.#unsubscribe = this.session.stream.subscribe((e) => {
      if (e.event !== 'log') return;
      let line;
      try {
        line = JSON.parse(e.data);
      } catch {
        return;
      }
      if (line.job_id !== this.jobId) return;
      if (this.#loaded) this.#add([line]);
      else this.#pending.push(line);
    });
  }

  /** The job was read (so it exists for this key): its lines are read once. */
  set job(job) {
    if (this.#started || job.id !== this.jobId) return;
    this.#started = true;
    this.#load();
  }

  disconnectedCallback() {
    this.#unsubscribe?.();
  }

  async #load() {
    try {
      const logs = await api(`/api/jobs/${this.jobId}/logs`);
      if (!this.isConnected) return;
      replace(this.#rows);
      this.#loaded = true;
      const last = logs.lines.at(-1)?.at ?? '';
      // Streamed lines the read already holds are not shown twice.
      this.#add([...logs.lines, ...this.#pending.filter((l) => l.at > last)]);
      this.#pending = [];
    } catch (e) {
      if (this.isConnected) replace(this.#rows, el('tr', {}, el('td', { class: 'error' }, `Cannot read the log: ${e.message}`)));
    }
  }

  #add(lines) {
    this.#rows.append(...lines.map(lineRow));
    while (this.#rows.children.length > MAX_SHOWN) this.#rows.firstElementChild.remove();
    this.#empty.hidden = this.#rows.children.length > 0;
  }
}

customElements.define('jf-job-logs', JobLogs);

// <jf-schedules>: periodic schedules (GET /api/schedules): each one's cron
// and zone, where it comes from, when it fires next, what it did last (its
// last job linked) and its counts. Operators pause, resume, trigger and
// delete (API schedules only: the config's belong to the config file), and
// create one with the form below the table.

import { el, replace } from '../lib/dom.mjs';
import { formatTime } from '../lib/format.mjs';
import { allows } from '../lib/roles.mjs';
import { jobHref } from '../lib/router.mjs';
import { countsText, scheduleRequest } from '../lib/schedules.mjs';
import { api } from '../lib/session.mjs';

class SchedulesPage extends HTMLElement {
  session = null;
  #rows = null;
  #problem = null;

  connectedCallback() {
    const operator = allows(this.session.who.role, 'operator');
    this.#rows = el('tbody', { id: 'schedule-rows' });
    this.#problem = el('p', { class: 'error', role: 'alert', id: 'schedules-problem', hidden: true });
    replace(this, el('h1', {}, 'Schedules'), this.#problem,
      el('table', { class: 'grid', id: 'schedules-table' },
        el('thead', {}, el('tr', {},
          ['name', 'cron', 'time zone', 'job type', 'from', 'next run', 'last run', 'counts', 'state']
            .map((h) => el('th', {}, h)),
          operator ? el('th', {}, '') : null)),
        this.#rows),
      operator ? this.#form() : null);
    this.#load();
  }

  #say(text) {
    replace(this.#problem, text);
    this.#problem.hidden = !text;
  }

  async #load() {
    try {
      const { items } = await api('/api/schedules');
      if (!this.isConnected) return;
      const operator = allows(this.session.who.role, 'operator');
      if (items.length === 0) {
        replace(this.#rows, el('tr', {}, el('td', { colspan: operator ? 10 : 9, class: 'muted', id: 'schedules-empty' },
          'No schedules yet.')));
        return;
      }
      replace(this.#rows, items.map((s) => this.#row(s, operator)));
    } catch (e) {
      this.#say(`Cannot read the schedules: ${e.message}`);
    }
  }

  #row(s, operator) {
    const last = s.last_job
      ? el('a', { href: jobHref(s.last_job), class: 'last-job' }, formatTime(s.last_fired_at))
      : el('span', { class: 'muted' }, 'never');
    const state = s.paused ? el('span', { class: 'badge paused' }, 'paused') : 'active';
    return el('tr', { dataset: { schedule: s.name, paused: s.paused ? 'true' : 'false', origin: s.origin } },
      el('td', {}, s.name, s.last_error ? el('div', { class: 'error schedule-error' }, s.last_error) : null),
      el('td', { class: 'mono' }, s.cron),
      el('td', {}, s.zone),
      el('td', {}, s.job?.type ?? ''),
      el('td', {}, s.origin === 'config' ? 'config file' : `API${s.created_by ? ` (${s.created_by})` : ''}`),
      el('td', { class: 'next-run' }, s.next_fire_at ? formatTime(s.next_fire_at) : '—'),
      el('td', {}, last),
      el('td', { class: 'counts' }, countsText(s)),
      el('td', { class: 'state-cell' }, state),
      operator ? el('td', { class: 'actions' },
        el('button', { type: 'button', class: s.paused ? 'resume-schedule' : 'pause-schedule',
          onclick: (event) => this.#act(s, s.paused ? 'resume' : 'pause', event.target) }, s.paused ? 'Resume' : 'Pause'),
        el('button', { type: 'button', class: 'trigger-schedule',
          onclick: (event) => this.#trigger(s, event.target) }, 'Run now'),
        s.origin === 'api' ? el('button', { type: 'button', class: 'delete-schedule danger',
          onclick: (event) => this.#delete(s, event.target) }, 'Delete') : null) : null);
  }

  async #act(s, action, button) {
    button.disabled = true;
    try {
      await api(`/api/schedules/${encodeURIComponent(s.name)}/${action}`, { method: 'POST' });
      this.#say('');
    } catch (e) {
      this.#say(`Refused: ${e.message}`);
    }
    this.#load();
  }

  async #trigger(s, button) {
    button.disabled = true;
    try {
      const job = await api(`/api/schedules/${encodeURIComponent(s.name)}/trigger`, { method: 'POST' });
      location.hash = jobHref(job.id);
    } catch (e) {
      this.#say(`Refused: ${e.message}`);
      button.disabled = false;
    }
  }

  // Two clicks: the first asks, the second deletes.
  async #delete(s, button) {
    if (button.dataset.armed !== 'true') {
      button.dataset.armed = 'true';
      button.textContent = `Delete ${s.name}?`;
      return;
    }
    button.disabled = true;
    try {
      await api(`/api/schedules/${encodeURIComponent(s.name)}`, { method: 'DELETE' });
      this.#say('');
    } catch (e) {
      this.#say(`Refused: ${e.message}`);
    }
    this.#load();
  }

  #form() {
    const field = (label, input) => el('label', {}, label, input);
    const name = el('input', { id: 'schedule-name', required: true, placeholder: 'nightly-report', pattern: '[a-z0-9][a-z0-9._\\-]{0,63}' });
    const cron = el('input', { id: 'schedule-cron', required: true, placeholder: '0 3 * * *', class: 'mono' });
    const zone = el('input', { id: 'schedule-zone', placeholder: 'UTC', value: 'UTC' });
    const type = el('select', { id: 'schedule-type' });
    const onMissed = el('select', { id: 'schedule-on-missed' },
      el('option', { value: 'skip' }, 'skip: fire the latest missed tick only'),
      el('option', { value: 'catch_up' }, 'catch up: fire the missed ticks (up to 10)'));
    const payload = el('textarea', { id: 'schedule-payload', rows: 4, class: 'mono', placeholder: '{}' });
    const outcome = el('p', { id: 'schedule-create-outcome', role: 'status' });
    const form = el('form', { id: 'schedule-form', class: 'stack' },
      el('h2', {}, 'New schedule'),
      field('Name', name), field('Cron expression', cron), field('Time zone (IANA)', zone),
      field('Job type', type), field('Payload (JSON)', payload), field('Missed ticks', onMissed),
      el('button', { type: 'submit', id: 'schedule-create' }, 'Create schedule'), outcome);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const body = scheduleRequest({ name: name.value, cron: cron.value, zone: zone.value, type: type.value,
          payload: payload.value, onMissed: onMissed.value });
        const made = await api('/api/schedules', { method: 'POST', body });
        outcome.className = 'ok';
        replace(outcome, `Created ${made.name}; it runs next at ${formatTime(made.next_fire_at)}.`);
        name.value = '';
        this.#load();
      } catch (e) {
        outcome.className = 'error';
        replace(outcome, `Not created: ${e.message}`);
      }
    });
    api('/api/job-types').then(({ items }) => {
      replace(type, items.map((t) => el('option', { value: t.name }, t.name)));
    }).catch((e) => replace(outcome, `Cannot read the job types: ${e.message}`));
    return form;
  }
}

customElements.define('jf-schedules', SchedulesPage);

// <jf-schedules>: periodic schedules (GET /api/schedules). A server without
// schedule routes says so instead of failing: the page first reads the
// OpenAPI document (/openapi.json, which lists exactly the server's routes),
// so it never asks for a route the server does not have and the console
// stays free of 404s.

import { el, replace } from '../lib/dom.mjs';
import { formatTime } from '../lib/format.mjs';
import { api } from '../lib/session.mjs';

/** Whether the OpenAPI document `doc` lists the schedules' listing route. */
export function hasScheduleRoutes(doc) {
  return Boolean(doc?.paths?.['/api/schedules']?.get);
}

class SchedulesPage extends HTMLElement {
  session = null;

  async connectedCallback() {
    const body = el('div', { id: 'schedules-body' }, el('p', { class: 'muted' }, 'Reading…'));
    replace(this, el('h1', {}, 'Schedules'), body);
    try {
      const response = await fetch('/openapi.json', { cache: 'no-store' });
      const doc = response.ok ? await response.json() : null;
      if (!this.isConnected) return;
      if (!hasScheduleRoutes(doc)) {
        replace(body, el('p', { id: 'schedules-not-configured', class: 'muted' },
          'Periodic schedules are not configured: this server has no schedule routes.'));
        return;
      }
      const answer = await api('/api/schedules');
      if (!this.isConnected) return;
      const items = answer?.items ?? [];
      replace(body, items.length === 0 ? el('p', { class: 'muted', id: 'schedules-empty' }, 'No schedules.')
        : el('table', { class: 'grid', id: 'schedules-table' },
          el('thead', {}, el('tr', {}, ['name', 'cron', 'time zone', 'type', 'next run', 'state'].map((h) => el('th', {}, h)))),
          el('tbody', {}, items.map((s) => el('tr', { dataset: { schedule: s.name ?? '' } },
            el('td', {}, s.name ?? ''), el('td', { class: 'mono' }, s.cron ?? s.expression ?? ''),
            el('td', {}, s.timezone ?? s.time_zone ?? ''), el('td', {}, s.type ?? s.job?.type ?? ''),
            el('td', {}, formatTime(s.next_run_at ?? s.next_run)), el('td', {}, s.paused ? 'paused' : 'active'))))));
    } catch (e) {
      if (this.isConnected) replace(body, el('p', { class: 'error', role: 'alert' }, `Cannot read the schedules: ${e.message}`));
    }
  }
}

customElements.define('jf-schedules', SchedulesPage);

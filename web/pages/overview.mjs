// <jf-overview>: the whole server at a glance (admins: GET /api/stats, whose
// counts are kept in memory by the store and the scheduler, never counted
// in the database per request). It refreshes when jobs change status, at
// most once a second, and every few seconds otherwise; the throughput chart
// is sampled from those refreshes since the page opened.

import { el, replace } from '../lib/dom.mjs';
import { formatCount, formatDuration, formatPercent, formatTime } from '../lib/format.mjs';
import { STATUSES } from '../lib/query.mjs';
import { jobsHref } from '../lib/router.mjs';
import { api } from '../lib/session.mjs';

const MIN_REFRESH_MS = 1000;
const IDLE_REFRESH_MS = 5000;
const CHART_WINDOW_MS = 15 * 60 * 1000;

function clock(ms) {
  const t = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

class OverviewPage extends HTMLElement {
  session = null;
  #unsubscribe = [];
  #timer = null;
  #lastFetch = 0;
  #pending = false;
  #samples = [];
  #chart = null;
  #parts = {};

  connectedCallback() {
    const p = this.#parts;
    p.counts = el('div', { class: 'tiles', id: 'status-counts' });
    p.queue = el('div', { class: 'tiles' });
    p.executors = el('div', { class: 'tiles' });
    p.types = el('tbody');
    p.since = el('p', { class: 'muted' });
    p.error = el('p', { class: 'error', role: 'alert', hidden: true });
    p.canvas = el('canvas', { id: 'throughput-chart', 'aria-label': 'completed and failed per second' });
    p.chartNote = el('p', { class: 'muted' });
    replace(this,
      el('h1', {}, 'Overview'), p.error, p.since,
      el('section', {}, el('h2', {}, 'Jobs by status'), p.counts),
      el('div', { class: 'columns' },
        el('section', {}, el('h2', {}, 'Ready queue by priority'), p.queue),
        el('section', {}, el('h2', {}, 'Executors'), p.executors)),
      el('section', {}, el('h2', {}, 'Completed and failed per second'),
        el('div', { class: 'chart-box' }, p.canvas), p.chartNote),
      el('section', {}, el('h2', {}, 'By job type'),
        el('table', { class: 'grid', id: 'type-table' },
          el('thead', {}, el('tr', {}, el('th', {}, 'type'), ['submitted', 'completed', 'failed', 'failure rate',
            'wait p95', 'run p95'].map((h) => el('th', { class: 'num' }, h)))),
          p.types)));
    this.#makeChart();
    const stream = this.session.stream;
    this.#unsubscribe.push(stream.subscribe((e) => {
      if (e.event === 'status') this.#refreshSoon();
    }));
    this.#unsubscribe.push(stream.onState((state) => {
      if (state === 'live') this.#refreshSoon();
    }));
    this.#refresh();
  }

  disconnectedCallback() {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    clearTimeout(this.#timer);
    this.#chart?.destroy();
    this.#chart = null;
  }

  #refreshSoon() {
    if (this.#pending) return;
    this.#pending = true;
    const wait = Math.max(0, this.#lastFetch + MIN_REFRESH_MS - Date.now());
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#refresh(), wait);
  }

  async #refresh() {
    this.#pending = false;
    clearTimeout(this.#timer);
    this.#lastFetch = Date.now();
    try {
      const stats = await api('/api/stats');
      if (!this.isConnected) return;
      this.#parts.error.hidden = true;
      this.#render(stats);
    } catch (e) {
      if (!this.isConnected) return;
      replace(this.#parts.error, `Cannot read the figures: ${e.message}`);
      this.#parts.error.hidden = false;
    }
    if (this.isConnected && !document.hidden) {
      this.#timer = setTimeout(() => this.#refresh(), IDLE_REFRESH_MS);
    }
  }

  #tile(label, value, href, id) {
    const body = [el('span', { class: 'tile-value' }, formatCount(value ?? 0)), el('span', { class: 'tile-label' }, label)];
    return href ? el('a', { class: 'tile', href, dataset: id ? { count: id } : null }, body) : el('div', { class: 'tile' }, body);
  }

  #render(stats) {
    const p = this.#parts;
    replace(p.since, `Figures since ${formatTime(stats.since)}; counts of every tenant.`);
    replace(p.counts, STATUSES.map((s) =>
      this.#tile(s === 'failed' ? 'failed (dead letter)' : s, stats.jobs?.[s], jobsHref(`status:${s}`), s)));
    const queue = stats.queue ?? {};
    replace(p.queue,
      ['critical', 'high', 'normal', 'low'].map((prio) => this.#tile(prio, queue.by_priority?.[prio], jobsHref(`status:pending priority:${prio}`))),
      this.#tile('scheduled', queue.scheduled), this.#tile('blocked', queue.blocked));
    const ex = stats.executors ?? {};
    replace(p.executors, this.#tile('busy', ex.busy), this.#tile('total', ex.total),
      el('div', { class: 'tile' }, el('span', { class: 'tile-value', id: 'utilization' }, formatPercent(ex.utilization ?? 0)),
        el('span', { class: 'tile-label' }, 'utilisation')));
    const types = Object.entries(stats.types ?? {}).sort(([a], [b]) => a.localeCompare(b));
    replace(p.types, types.map(([name, t]) => el('tr', {},
      el('td', {}, el('a', { href: jobsHref(`type:${name}`) }, name)),
      el('td', { class: 'num' }, formatCount(t.submitted)),
      el('td', { class: 'num' }, formatCount(t.completed)),
      el('td', { class: 'num' }, formatCount(t.failed)),
      el('td', { class: 'num' }, formatPercent(t.failure_rate)),
      el('td', { class: 'num' }, formatDuration(t.wait_time_ms?.p95)),
      el('td', { class: 'num' }, formatDuration(t.run_time_ms?.p95)))));
    this.#sample(types);
  }

  #sample(types) {
    const now = Date.now();
    const completed = types.reduce((n, [, t]) => n + (t.completed ?? 0), 0);
    const failed = types.reduce((n, [, t]) => n + (t.failed ?? 0), 0);
    const previous = this.#samples.at(-1);
    this.#samples.push({ at: now, completed, failed });
    this.#samples = this.#samples.filter((s) => s.at >= now - CHART_WINDOW_MS);
    if (!previous || !this.#chart) return;
    const seconds = Math.max((now - previous.at) / 1000, 0.001);
    const [done, lost] = this.#chart.data.datasets;
    done.data.push({ x: now, y: Math.max(0, (completed - previous.completed) / seconds) });
    lost.data.push({ x: now, y: Math.max(0, (failed - previous.failed) / seconds) });
    for (const set of this.#chart.data.datasets) {
      set.data = set.data.filter((point) => point.x >= now - CHART_WINDOW_MS);
    }
    // At least a minute wide, so that the first samples do not all share one tick label.
    this.#chart.options.scales.x.min = Math.min(done.data[0]?.x ?? now, now - 60_000);
    this.#chart.options.scales.x.max = now;
    this.#chart.update('none');
  }

  #makeChart() {
    // Chart.js (Debian's libjs-chart.js 3.9) is a classic script of the page.
    // Its time axis needs a date adapter Debian lacks: a linear axis of
    // milliseconds with a clock formatter does the same here.
    if (typeof window.Chart !== 'function') {
      replace(this.#parts.chartNote, 'No chart: the server has no Chart.js (Debian package libjs-chart.js).');
      return;
    }
    replace(this.#parts.chartNote, 'Sampled at each refresh since this page opened; the last 15 minutes.');
    this.#chart = new window.Chart(this.#parts.canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: 'completed/s', data: [], borderColor: '#2e7d32', backgroundColor: '#2e7d32', pointRadius: 1.5, tension: 0.2 },
          { label: 'failed/s', data: [], borderColor: '#c62828', backgroundColor: '#c62828', pointRadius: 1.5, tension: 0.2 },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { type: 'linear', ticks: { callback: (value) => clock(value), maxTicksLimit: 8 } },
          y: { beginAtZero: true },
        },
        plugins: { tooltip: { callbacks: { title: (items) => clock(items[0].parsed.x) } } },
      },
    });
  }
}

customElements.define('jf-overview', OverviewPage);

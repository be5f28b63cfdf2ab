// <jf-overview>: the whole server at a glance (admins: it counts every
// tenant). Everything comes from memory on the server, never from a count
// over the database: GET /api/stats (counts, queue, executors, figures by
// type) and GET /api/stats/series (the last 15 minutes second by second,
// latency, top errors) when the page opens, then the stream's
// `event: stats` (at most one a second) keeps the counts, the queue, the
// executors, the latency and the chart live. The per-type table and the top
// errors are read again every 10 s.

import { loadChart } from '../lib/chart_script.mjs';
import { el, replace } from '../lib/dom.mjs';
import { formatCount, formatDuration, formatPercent, formatTime } from '../lib/format.mjs';
import { STATUSES } from '../lib/query.mjs';
import { jobsHref } from '../lib/router.mjs';
import { WINDOW_MS, clockLabel, mergeSeries, seriesPoints } from '../lib/series.mjs';
import { api } from '../lib/session.mjs';

const SLOW_REFRESH_MS = 10_000;

class OverviewPage extends HTMLElement {
  session = null;
  #unsubscribe = [];
  #timer = null;
  #points = { completed: [], failed: [] };
  #chart = null;
  #parts = {};

  connectedCallback() {
    const p = this.#parts;
    p.counts = el('div', { class: 'tiles', id: 'status-counts' });
    p.queue = el('div', { class: 'tiles', id: 'queue-tiles' });
    p.executors = el('div', { class: 'tiles' });
    p.latency = el('div', { class: 'tiles', id: 'latency' });
    p.types = el('tbody');
    p.errors = el('tbody');
    p.noErrors = el('p', { class: 'muted', id: 'no-errors', hidden: true }, 'No attempt failed in the last 5 minutes.');
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
      el('section', {}, el('h2', {}, 'Completed and failed per second, last 15 minutes'),
        el('div', { class: 'chart-box' }, p.canvas), p.chartNote),
      el('section', {}, el('h2', {}, 'Wait and run times, last minute'), p.latency),
      el('section', {}, el('h2', {}, 'Top errors now (last 5 minutes)'),
        el('table', { class: 'grid', id: 'top-errors' },
          el('thead', {}, el('tr', {}, el('th', {}, 'type'), el('th', {}, 'code'), el('th', { class: 'num' }, 'attempts'),
            el('th', {}, 'latest message'), el('th', {}, 'last seen'))),
          p.errors), p.noErrors),
      el('section', {}, el('h2', {}, 'By job type'),
        el('table', { class: 'grid', id: 'type-table' },
          el('thead', {}, el('tr', {}, el('th', {}, 'type'), ['submitted', 'completed', 'failed', 'failure rate',
            'completed/s (1 min)', 'wait p95', 'run p95'].map((h) => el('th', { class: 'num' }, h)))),
          p.types)));
    // The figures are asked for first: the counts and tables need no chart,
    // and Chart.js is fetched and compiled while the server answers.
    this.#refresh();
    this.#addChart();
    const stream = this.session.stream;
    this.#unsubscribe.push(stream.subscribe((e) => {
      if (e.event === 'stats') this.#live(e.data);
    }));
    // Only a stream that was down since the page read its figures missed
    // anything: its first connection (or a retarget) needs no second read.
    const down = (state) => state === 'reconnecting' || state === 'paused';
    let missed = down(stream.state);
    this.#unsubscribe.push(stream.onState((state) => {
      if (down(state)) missed = true;
      if (state === 'live' && missed) {
        missed = false;
        this.#refresh();
      }
    }));
  }

  disconnectedCallback() {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    clearTimeout(this.#timer);
    this.#chart?.destroy();
    this.#chart = null;
  }

  async #refresh() {
    clearTimeout(this.#timer);
    try {
      const [stats, series] = await Promise.all([api('/api/stats'), api('/api/stats/series')]);
      if (!this.isConnected) return;
      this.#parts.error.hidden = true;
      this.#renderStats(stats);
      this.#renderSeries(series);
    } catch (e) {
      if (!this.isConnected) return;
      replace(this.#parts.error, `Cannot read the figures: ${e.message}`);
      this.#parts.error.hidden = false;
    }
    if (this.isConnected) this.#timer = setTimeout(() => this.#refresh(), SLOW_REFRESH_MS);
  }

  #live(text) {
    let figures;
    try {
      figures = JSON.parse(text);
    } catch {
      return;
    }
    this.#renderCounts(figures);
    this.#renderLatency(figures.last_minute);
    this.#points = mergeSeries(this.#points, figures);
    this.#drawChart();
  }

  #tile(label, value, href, id) {
    const body = [el('span', { class: 'tile-value' }, value), el('span', { class: 'tile-label' }, label)];
    const data = id ? { count: id } : null;
    return href ? el('a', { class: 'tile', href, dataset: data }, body) : el('div', { class: 'tile', dataset: data }, body);
  }

  #renderCounts(figures) {
    const p = this.#parts;
    if (figures.jobs) {
      replace(p.counts, STATUSES.map((s) => this.#tile(s === 'failed' ? 'failed (dead letter)' : s,
        formatCount(figures.jobs[s] ?? 0), jobsHref(`status:${s}`), s)));
    }
    const queue = figures.queue;
    if (queue) {
      replace(p.queue,
        ['critical', 'high', 'normal', 'low'].map((prio) => this.#tile(prio, formatCount(queue.by_priority?.[prio] ?? 0),
          jobsHref(`status:pending priority:${prio}`), `ready-${prio}`)),
        this.#tile('scheduled', formatCount(queue.scheduled ?? 0)), this.#tile('blocked', formatCount(queue.blocked ?? 0)));
    }
    const ex = figures.executors;
    if (ex) {
      replace(p.executors, this.#tile('busy', formatCount(ex.busy ?? 0)), this.#tile('total', formatCount(ex.total ?? 0)),
        el('div', { class: 'tile' }, el('span', { class: 'tile-value', id: 'utilization' }, formatPercent(ex.utilization ?? 0)),
          el('span', { class: 'tile-label' }, 'utilisation')));
    }
  }

  #renderLatency(minute) {
    if (!minute) return;
    const value = (h, q) => (h?.count ? formatDuration(h[q]) : '—');
    replace(this.#parts.latency,
      this.#tile('wait p50', value(minute.wait_ms, 'p50'), null, 'wait-p50'),
      this.#tile('wait p95', value(minute.wait_ms, 'p95'), null, 'wait-p95'),
      this.#tile('run p50', value(minute.run_ms, 'p50'), null, 'run-p50'),
      this.#tile('run p95', value(minute.run_ms, 'p95'), null, 'run-p95'),
      this.#tile('attempts started', formatCount(minute.wait_ms?.count ?? 0), null, 'started-1m'));
  }

  #renderStats(stats) {
    const p = this.#parts;
    replace(p.since, `Figures since ${formatTime(stats.since)}; counts of every tenant.`);
    this.#renderCounts(stats);
    const types = Object.entries(stats.types ?? {}).sort(([a], [b]) => a.localeCompare(b));
    replace(p.types, types.map(([name, t]) => el('tr', { dataset: { type: name } },
      el('td', {}, el('a', { href: jobsHref(`type:${name}`) }, name)),
      el('td', { class: 'num' }, formatCount(t.submitted)),
      el('td', { class: 'num' }, formatCount(t.completed)),
      el('td', { class: 'num' }, formatCount(t.failed)),
      el('td', { class: 'num' }, formatPercent(t.failure_rate)),
      el('td', { class: 'num' }, (t.completed_per_second_1m ?? 0).toFixed(2)),
      el('td', { class: 'num' }, formatDuration(t.wait_time_ms?.p95)),
      el('td', { class: 'num' }, formatDuration(t.run_time_ms?.p95)))));
  }

  #renderSeries(series) {
    const p = this.#parts;
    this.#renderLatency(series.last_minute);
    const errors = series.top_errors ?? [];
    p.noErrors.hidden = errors.length > 0;
    replace(p.errors, errors.map((g) => el('tr', { dataset: { errorType: g.type, errorCode: g.code } },
      el('td', {}, el('a', { href: jobsHref(`type:${g.type} status:failed,retrying`) }, g.type)),
      el('td', { class: 'mono' }, g.code),
      el('td', { class: 'num' }, formatCount(g.count)),
      el('td', {}, g.message),
      el('td', {}, formatTime(g.last_at)))));
    this.#points = seriesPoints(series);
    this.#drawChart();
  }

  #drawChart() {
    if (!this.#chart) return;
    const [done, lost] = this.#chart.data.datasets;
    done.data = this.#points.completed;
    lost.data = this.#points.failed;
    const newest = done.data.at(-1)?.x ?? Date.now();
    this.#chart.options.scales.x.min = newest - WINDOW_MS;
    this.#chart.options.scales.x.max = newest;
    this.#chart.update('none');
  }

  async #addChart() {
    const Chart = await loadChart();
    if (!this.isConnected || this.#chart) return;
    if (!Chart) {
      replace(this.#parts.chartNote, 'No chart: the server has no Chart.js (Debian package libjs-chart.js).');
      return;
    }
    this.#makeChart(Chart);
    this.#drawChart();  // the points that came before the chart did
  }

  #makeChart(Chart) {
    // Chart.js is Debian's libjs-chart.js 3.9. Its time axis needs a date
    // adapter Debian lacks: a linear axis of milliseconds with a clock
    // formatter does the same here.
    replace(this.#parts.chartNote, 'One point a second, kept by the server in memory; live.');
    this.#chart = new Chart(this.#parts.canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: 'completed/s', data: [], borderColor: '#2e7d32', backgroundColor: '#2e7d32', pointRadius: 0, borderWidth: 1.5 },
          { label: 'failed/s', data: [], borderColor: '#c62828', backgroundColor: '#c62828', pointRadius: 0, borderWidth: 1.5 },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: { type: 'linear', ticks: { callback: (value) => clockLabel(value), maxTicksLimit: 8 } },
          y: { beginAtZero: true },
        },
        plugins: { tooltip: { callbacks: { title: (items) => clockLabel(items[0].parsed.x) } } },
      },
    });
  }
}

customElements.define('jf-overview', OverviewPage);

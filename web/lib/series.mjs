// The overview's throughput chart as data: points of completed and failed
// jobs per second, made from GET /api/stats/series and kept up to date by
// the stream's `event: stats`, each carrying the last few seconds. Pure: no
// DOM, no Chart.js, so that node --test can check it.

export const WINDOW_MS = 15 * 60 * 1000;

/** [{x, y}] points of `counts`, one per `stepMs` from `fromMs`. */
function pointsOf(fromMs, stepMs, counts) {
  return (counts ?? []).map((y, i) => ({ x: fromMs + i * stepMs, y }));
}

/**
 * The chart's data from a series answer (or a stats event):
 * {completed: [{x, y}], failed: [{x, y}]}, x in milliseconds.
 */
export function seriesPoints(series) {
  const from = Date.parse(series.from);
  const step = series.step_ms ?? 1000;
  if (!Number.isFinite(from)) return { completed: [], failed: [] };
  return {
    completed: pointsOf(from, step, series.completed),
    failed: pointsOf(from, step, series.failed),
  };
}

/**
 * Merges newer points into `points` (sorted by x): a second already there
 * takes the newer count (it was still counting when first sent), seconds
 * missing between the two are zero (the server sends nothing while no job
 * changes), and points older than `windowMs` before the newest go.
 * Answers the new array.
 */
export function mergePoints(points, newer, { stepMs = 1000, windowMs = WINDOW_MS } = {}) {
  if (newer.length === 0) return points.slice();
  const firstNew = newer[0].x;
  const out = points.filter((p) => p.x < firstNew);
  const last = out.at(-1);
  if (last) {
    for (let x = last.x + stepMs; x < firstNew; x += stepMs) out.push({ x, y: 0 });
  }
  out.push(...newer);
  const newest = out.at(-1).x;
  return out.filter((p) => p.x > newest - windowMs);
}

/** Both series of a chart merged with a stats event's. */
export function mergeSeries(current, event, options) {
  const newer = seriesPoints(event);
  return {
    completed: mergePoints(current.completed, newer.completed, options),
    failed: mergePoints(current.failed, newer.failed, options),
  };
}

/** Jobs per second over the last `seconds` of `points` (their mean). */
export function recentRate(points, seconds = 60) {
  if (points.length === 0) return 0;
  const newest = points.at(-1).x;
  const recent = points.filter((p) => p.x > newest - seconds * 1000);
  return recent.reduce((n, p) => n + p.y, 0) / seconds;
}

/** "HH:MM:SS" of a time in milliseconds, for the linear time axis. */
export function clockLabel(ms) {
  const t = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

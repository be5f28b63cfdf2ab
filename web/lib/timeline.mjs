// A job's history (its transitions, as GET /api/jobs/{id} renders them)
// read as spans of time: how long it waited, each attempt's run, the
// backoff gaps, the time blocked on parents.

const SPAN = {
  scheduled: 'scheduled',
  blocked: 'blocked on parents',
  pending: 'waited for an executor',
  running: 'ran',
  retrying: 'backoff before the next attempt',
};
const TERMINAL = ['completed', 'failed', 'canceled'];

function ms(text) {
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

/**
 * One step per history entry: the transition, and how long the job then
 * stayed in its new status (until the next entry, or `nowMs` for the status
 * it is still in; null once it ended).
 */
export function timeline(history, nowMs) {
  const entries = history ?? [];
  return entries.map((entry, i) => {
    const start = ms(entry.at);
    const next = entries[i + 1];
    let spanMs = null;
    if (next) spanMs = ms(next.at) - start;
    else if (!TERMINAL.includes(entry.to) && start !== null) spanMs = nowMs - start;
    const verb = SPAN[entry.to] ?? entry.to;
    const label = entry.to === 'running' && entry.attempt ? `${verb} (attempt ${entry.attempt})` : verb;
    return { ...entry, spanMs, label, ongoing: !next && spanMs !== null };
  });
}

/**
 * The attempts: each run from entering running to leaving it, with how it
 * ended (the status it went to), its error and its node.
 */
export function attempts(history, nowMs) {
  const out = [];
  const entries = history ?? [];
  entries.forEach((entry, i) => {
    if (entry.to !== 'running') return;
    const end = entries[i + 1];
    const start = ms(entry.at);
    out.push({
      attempt: entry.attempt,
      node: entry.node ?? '',
      startedAt: entry.at,
      ms: end ? ms(end.at) - start : nowMs - start,
      outcome: end ? end.to : 'running',
      error: end?.error ?? null,
    });
  });
  return out;
}

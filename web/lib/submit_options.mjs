// The submit page's options (priority, run at / run in, max attempts,
// timeout, tags, unique key, depends on) as the fields of a job request, and
// back from a job for "submit like this". Pure: the page hands the text the
// user typed to `requestOptions`; a text it cannot read is named by option,
// so it is shown beside its control and nothing is sent.

const UNITS = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "5m", "1.5h", "250ms" or a bare number of seconds as milliseconds; NaN if unreadable. */
export function parseDuration(text) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)?\s*$/i.exec(text ?? '');
  if (!m) return NaN;
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? 's').toLowerCase()]);
}

/** A list typed with commas or blanks, without empty entries. */
export function splitList(text) {
  return (text ?? '').split(/[\s,]+/).map((t) => t.trim()).filter(Boolean);
}

/**
 * The request fields the option texts make: {options, errors}. `values`
 * holds priority, run_at (a datetime-local text, read as local time), run_in,
 * max_attempts, timeout, tags, unique_key, depends_on; empty ones are left
 * out, so the type's defaults apply. `errors` maps an option to what is wrong.
 */
export function requestOptions(values) {
  const options = {};
  const errors = {};
  const text = (k) => (values[k] ?? '').trim();
  if (text('priority')) options.priority = text('priority');
  if (text('run_at') && text('run_in')) {
    errors.run_in = 'give a time to run at or a delay, not both';
  } else if (text('run_at')) {
    const at = new Date(text('run_at'));
    if (Number.isNaN(at.getTime())) errors.run_at = 'not a date and time';
    else options.run_at = at.toISOString();
  } else if (text('run_in')) {
    const ms = parseDuration(text('run_in'));
    if (Number.isNaN(ms)) errors.run_in = 'a delay like 30s, 5m or 2h';
    else options.run_in_ms = ms;
  }
  if (text('max_attempts')) {
    const n = Number(text('max_attempts'));
    if (!Number.isInteger(n) || n < 1) errors.max_attempts = 'a whole number, at least 1';
    else options.max_attempts = n;
  }
  if (text('timeout')) {
    const ms = parseDuration(text('timeout'));
    if (Number.isNaN(ms) || ms < 1) errors.timeout = 'a time limit like 30s or 5m';
    else options.timeout_ms = ms;
  }
  const tags = (values.tags ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  if (tags.length) options.tags = tags;
  if (text('unique_key')) options.unique_key = text('unique_key');
  const parents = splitList(values.depends_on);
  if (parents.length) options.depends_on = parents;
  return { options, errors };
}

/** The option texts that submit a job again like `job` (its priority, limits and tags; not its time or parents). */
export function optionTexts(job) {
  const seconds = (ms) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
  return {
    priority: job.priority ?? '',
    max_attempts: job.max_attempts ? String(job.max_attempts) : '',
    timeout: job.timeout_ms ? seconds(job.timeout_ms) : '',
    tags: (job.tags ?? []).join(', '),
  };
}

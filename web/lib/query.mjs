// The jobs page's query language: qualifiers such as
// `status:failed,retrying type:email.send priority:high tag:vip id:<uuid>`
// (values with spaces in double quotes). It is parsed into filters the list
// route understands, and filters are written back as the same text, so that
// the query box, the filter controls and the URL say one thing.

export const STATUSES = [
  'scheduled', 'blocked', 'pending', 'running', 'retrying', 'completed', 'failed', 'canceled',
];
export const PRIORITIES = ['low', 'normal', 'high', 'critical'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** Qualifiers in the order they are written back. */
export const QUALIFIERS = ['id', 'status', 'type', 'priority', 'tag', 'tenant', 'from', 'until'];

/** Splits on blanks outside double quotes; null for an unclosed quote. */
function tokens(text) {
  const out = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (const c of text) {
    if (c === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(c)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quoted) return null;
  if (started) out.push(current);
  return out;
}

/**
 * Parses a query. Answers {filters, errors}: filters holds only the valid
 * qualifiers (status as an array); errors says what is wrong, one message
 * per problem. A query with errors must not be run.
 */
export function parseQuery(text) {
  const filters = {};
  const errors = [];
  const words = tokens(text ?? '');
  if (words === null) return { filters, errors: ['a double quote is not closed'] };
  for (const word of words) {
    const colon = word.indexOf(':');
    if (colon <= 0) {
      errors.push(`"${word}" has no qualifier: write one of ${QUALIFIERS.join(':, ')}:`);
      continue;
    }
    const key = word.slice(0, colon).toLowerCase();
    const value = word.slice(colon + 1);
    if (!QUALIFIERS.includes(key)) {
      errors.push(`unknown qualifier "${key}:" (known: ${QUALIFIERS.join(', ')})`);
      continue;
    }
    if (value === '') {
      errors.push(`${key}: needs a value`);
      continue;
    }
    if (key === 'status') {
      const statuses = value.split(',');
      const bad = statuses.filter((s) => !STATUSES.includes(s));
      if (bad.length > 0) {
        errors.push(`unknown status "${bad[0]}" (known: ${STATUSES.join(', ')})`);
        continue;
      }
      filters.status = [...new Set([...(filters.status ?? []), ...statuses])];
      continue;
    }
    if (key in filters) {
      errors.push(`${key}: is given twice`);
      continue;
    }
    if (key === 'priority' && !PRIORITIES.includes(value)) {
      errors.push(`unknown priority "${value}" (known: ${PRIORITIES.join(', ')})`);
    } else if (key === 'id' && !UUID.test(value)) {
      errors.push(`id: must be a job id (a lowercase UUID), got "${value}"`);
    } else if ((key === 'from' || key === 'until') && !TIME.test(value)) {
      errors.push(`${key}: must be a time such as 2026-11-23T14:05:09Z, got "${value}"`);
    } else {
      filters[key] = value;
    }
  }
  return { filters, errors };
}

function quoted(value) {
  return /[\s"]/.test(value) || value === '' ? `"${value.replaceAll('"', '')}"` : value;
}

/** The query text for `filters` (the inverse of parseQuery). */
export function formatQuery(filters) {
  const parts = [];
  for (const key of QUALIFIERS) {
    const value = filters[key];
    if (value === undefined || value === null || value === '') continue;
    if (key === 'status') {
      if (value.length > 0) parts.push(`status:${value.join(',')}`);
    } else {
      parts.push(`${key}:${quoted(value)}`);
    }
  }
  return parts.join(' ');
}

/** The query parameters of GET /api/jobs for `filters` (id is not a list filter). */
export function listParams(filters) {
  const params = new URLSearchParams();
  if (filters.status?.length) params.set('status', filters.status.join(','));
  for (const key of ['type', 'priority', 'tag', 'tenant']) {
    if (filters[key]) params.set(key, filters[key]);
  }
  if (filters.from) params.set('created_from', filters.from);
  if (filters.until) params.set('created_until', filters.until);
  return params;
}

/** Whether a job (as the API renders it) passes `filters`. */
export function matches(job, filters) {
  if (filters.id && job.id !== filters.id) return false;
  if (filters.status?.length && !filters.status.includes(job.status)) return false;
  if (filters.type && job.type !== filters.type) return false;
  if (filters.priority && job.priority !== filters.priority) return false;
  if (filters.tag && !(job.tags ?? []).includes(filters.tag)) return false;
  if (filters.tenant && job.tenant !== filters.tenant) return false;
  return true;
}

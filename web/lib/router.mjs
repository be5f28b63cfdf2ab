// The dashboard's addresses live in the URL's fragment (#/jobs?q=...), so
// that the server serves one page for all of them and a reload or a shared
// link opens the same view.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The view a fragment names: {page, id?, params}; unknown ones are page "missing". */
export function parseRoute(hash) {
  const text = (hash ?? '').replace(/^#/, '');
  const question = text.indexOf('?');
  const path = question < 0 ? text : text.slice(0, question);
  const params = new URLSearchParams(question < 0 ? '' : text.slice(question + 1));
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return { page: 'home', params };
  if (parts.length === 1 && parts[0] === 'overview') return { page: 'overview', params };
  if (parts.length === 1 && parts[0] === 'jobs') return { page: 'jobs', params };
  if (parts.length === 1 && parts[0] === 'dead-letter') return { page: 'dead-letter', params };
  if (parts.length === 1 && parts[0] === 'types') return { page: 'types', params };
  if (parts.length === 1 && parts[0] === 'nodes') return { page: 'nodes', params };
  if (parts.length === 1 && parts[0] === 'schedules') return { page: 'schedules', params };
  if (parts.length === 1 && parts[0] === 'submit') return { page: 'submit', params };
  if (parts.length === 2 && parts[0] === 'jobs' && UUID.test(parts[1])) {
    return { page: 'job', id: parts[1], params };
  }
  return { page: 'missing', params, path };
}

/** The fragment of the jobs page for query text `q` (none: every job). */
export function jobsHref(q) {
  return q ? `#/jobs?${new URLSearchParams({ q })}` : '#/jobs';
}

/** The fragment of one job's page. */
export function jobHref(id) {
  return `#/jobs/${id}`;
}

/** The fragment of the dead-letter page, for one type or all. */
export function deadLetterHref(type) {
  return type ? `#/dead-letter?${new URLSearchParams({ type })}` : '#/dead-letter';
}

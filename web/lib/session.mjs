// Who is signed in: the API key (kept in sessionStorage, so it lives as long
// as the tab and is never written to disk by us) and what GET /api/whoami
// says it stands for. Every request to /api goes through `api()`.

const KEY = 'jobforge.api_key';

/** An error answer of the API, with its envelope's code and message. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function storeKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

/** The Authorization header for the stored key (none in loopback mode). */
export function authHeaders() {
  const key = storedKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** Calls an /api route; the parsed JSON body, or throws ApiError. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.status, 'invalid_json', `the server answered ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) {
    const e = parsed?.error ?? {};
    throw new ApiError(response.status, e.code ?? 'http_error', e.message ?? `HTTP ${response.status}`, e.details);
  }
  return parsed;
}

/**
 * Who the stored key (or no key) stands for: {tenant, role, key_required},
 * or null when the server wants a key we do not have or do not hold right.
 */
export async function whoami() {
  try {
    return await api('/api/whoami');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

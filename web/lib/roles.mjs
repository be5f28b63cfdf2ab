// What each role may do, as the server enforces it (README, "Roles"): the
// dashboard shows a button only to a role the server would let through.

export const ROLES = ['viewer', 'submitter', 'operator', 'admin'];
const ACTIVE = ['scheduled', 'blocked', 'pending', 'running', 'retrying'];

/** Whether `role` is at least `minimum`. Unknown roles may do nothing. */
export function allows(role, minimum) {
  const have = ROLES.indexOf(role);
  return have >= 0 && have >= ROLES.indexOf(minimum);
}

/** The actions `role` may take on a job in `status`. */
export function jobActions(role, status) {
  return {
    // POST /api/jobs/{id}/cancel: submitter; only a job that has not ended.
    cancel: allows(role, 'submitter') && ACTIVE.includes(status),
    // POST /api/jobs/{id}/priority: operator; only a job that has not started.
    priority: allows(role, 'operator') && ['scheduled', 'blocked', 'pending'].includes(status),
    // POST /api/jobs/{id}/retry: admin; only a failed job.
    retry: allows(role, 'admin') && status === 'failed',
    // POST /api/dead-letter/{id}/replay (optionally with a new payload) and
    // /discard, one by one or in batches: operator; only a failed job.
    replay: allows(role, 'operator') && status === 'failed',
    discard: allows(role, 'operator') && status === 'failed',
  };
}

/** Whether `role` may replay and discard dead letters in batches. */
export function managesDeadLetters(role) {
  return allows(role, 'operator');
}

/** Whether `role` sees the server-wide figures (GET /api/stats is admin only). */
export function seesOverview(role) {
  return allows(role, 'admin');
}

/** The bulk actions of the jobs page (POST /api/jobs/bulk) that `role` may take. */
export function bulkActions(role) {
  return {
    cancel: allows(role, 'submitter'),
    priority: allows(role, 'operator'),
    retry: allows(role, 'admin'),
  };
}

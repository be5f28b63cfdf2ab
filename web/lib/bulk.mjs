// The words of the jobs page's bulk actions (POST /api/jobs/bulk): the
// question asked before acting, naming the count, and the outcome, naming
// each job refused. Pure, so that node --test can check it.

const VERB = { cancel: 'Cancel', retry: 'Retry', priority: 'Change the priority of' };
const DONE = { cancel: 'canceled', retry: 'retried', priority: 'changed' };

function jobs(count) {
  return count === 1 ? '1 job' : `${count} jobs`;
}

/** The question before acting on `count` jobs. */
export function confirmText(action, count, priority) {
  const what = `${VERB[action]} ${jobs(count)}`;
  return action === 'priority' ? `${what} to ${priority}?` : `${what}?`;
}

/** The label of the button that goes ahead. */
export function goLabel(action, count, priority) {
  return action === 'priority' ? `Set ${jobs(count)} to ${priority}` : `${VERB[action]} ${jobs(count)}`;
}

/** What a bulk answer ({succeeded, failed, results}) says, in one line. */
export function outcomeText(action, answer) {
  const refused = answer.results.filter((r) => r.error);
  const head = `${answer.succeeded} ${DONE[action]}`;
  if (refused.length === 0) return head;
  const shown = refused.slice(0, 5).map((r) => `${r.id.slice(0, 8)} (${r.error.message})`).join('; ');
  const more = refused.length > 5 ? `; and ${refused.length - 5} more` : '';
  return `${head}, ${answer.failed} refused: ${shown}${more}`;
}

/** At most this many ids go in one request (the server's cap). */
export const MAX_IDS = 1000;

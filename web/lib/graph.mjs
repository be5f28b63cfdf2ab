// A job's dependency graph (GET /api/jobs/{id}/graph) as the job page draws
// it: nodes in layers by their distance from the job (parents to the left,
// children to the right), and a sentence that says why the job waits.
// Pure: no DOM, so that node --test can check it.

const FINISHED = new Set(['completed', 'failed', 'canceled', 'deleted']);
const STATUS_ORDER = ['running', 'pending', 'retrying', 'scheduled', 'blocked', 'failed', 'canceled', 'completed', 'deleted'];

/** The graph's nodes in layers, the farthest parents first: [{level, nodes}]. */
export function layers(graph) {
  const byLevel = new Map();
  for (const node of graph?.nodes ?? []) {
    const level = node.level ?? 0;
    if (!byLevel.has(level)) byLevel.set(level, []);
    byLevel.get(level).push(node);
  }
  const rank = (s) => {
    const i = STATUS_ORDER.indexOf(s);
    return i < 0 ? STATUS_ORDER.length : i;
  };
  return [...byLevel.entries()]
    .sort(([a], [b]) => a - b)
    .map(([level, nodes]) => ({
      level,
      nodes: nodes.slice().sort((x, y) => rank(x.status) - rank(y.status) || x.id.localeCompare(y.id)),
    }));
}

/** The nodes with an edge into `id` (its parents), and out of it (its children). */
export function neighbours(graph, id) {
  const byId = new Map((graph?.nodes ?? []).map((n) => [n.id, n]));
  const parents = [];
  const children = [];
  for (const e of graph?.edges ?? []) {
    if (e.to === id && byId.has(e.from)) parents.push(byId.get(e.from));
    if (e.from === id && byId.has(e.to)) children.push(byId.get(e.to));
  }
  return { parents, children };
}

function short(id) {
  return id.slice(0, 8);
}

function list(nodes) {
  const names = nodes.slice(0, 3).map((n) => `${short(n.id)} (${n.status})`);
  return nodes.length > 3 ? `${names.join(', ')} and ${nodes.length - 3} more` : names.join(', ');
}

/**
 * Why `job` (as GET /api/jobs/{id} renders it) waits, in one sentence, or
 * null when it does not wait (it runs or has ended). `graph` is its
 * dependency graph; `typePaused` whether its type is paused; `format`
 * renders a time.
 */
export function whyWaiting(job, graph, { typePaused = false, format = (t) => t } = {}) {
  const { parents } = neighbours(graph, job.id);
  switch (job.status) {
    case 'blocked': {
      const open = parents.filter((p) => !FINISHED.has(p.status));
      const done = parents.filter((p) => p.status === 'completed');
      const total = (job.depends_on ?? []).length || parents.length;
      const mode = job.dependency_mode ?? 'all';
      if (mode === 'any') {
        return `Blocked: waits for any one of its ${total} parents to complete; none has yet` +
          (open.length ? ` (still open: ${list(open)}).` : '.');
      }
      return `Blocked: waits for its parents to complete: ${done.length} of ${total} done` +
        (open.length ? `, waiting for ${list(open)}.` : '.');
    }
    case 'scheduled':
      return `Scheduled: it runs at ${format(job.run_at)}.`;
    case 'retrying':
      return `Retrying: attempt ${job.attempts} failed; the next one starts at ${format(job.next_attempt_at)}.`;
    case 'pending':
      return typePaused
        ? `Pending, but its type ${job.type} is paused: it waits until the type is resumed.`
        : `Pending: ready, it waits for a free executor (priority ${job.priority}).`;
    default:
      return null;
  }
}

// What the event stream said about jobs while a page of them was being read.
// A list answer reflects the store when it was read; a status or progress
// event that came in after the read started may be newer than the answer, so
// the row drawn from the answer takes the event's word for what it tells.
// Bounded: only the latest events of the most recently heard-of jobs are kept.

export const DEFAULT_LIMIT = 500;

export class RecentEvents {
  #limit;
  #byJob = new Map();  // job id -> { at, status?, attempt?, percent? }, oldest first

  constructor(limit = DEFAULT_LIMIT) {
    this.#limit = limit;
  }

  get size() {
    return this.#byJob.size;
  }

  /** Remembers a `status` or `progress` event's `data`, received at `at` (ms). */
  record(kind, data, at) {
    const id = data?.job_id;
    if (!id) return;
    const known = this.#byJob.get(id) ?? {};
    this.#byJob.delete(id);  // re-inserted last: the most recently heard of
    const entry = { ...known, at };
    if (kind === 'status') {
      entry.status = data.to;
      if (data.attempt) entry.attempt = data.attempt;
    } else if (kind === 'progress' && typeof data.percent === 'number') {
      entry.percent = data.percent;
    }
    this.#byJob.set(id, entry);
    while (this.#byJob.size > this.#limit) this.#byJob.delete(this.#byJob.keys().next().value);
  }

  /**
   * `job` as read by a list answer whose read started at `since` (ms), with
   * what events heard since then told about it.
   */
  freshest(job, since) {
    const heard = this.#byJob.get(job.id);
    if (!heard || heard.at < since) return job;
    const fresh = { ...job };
    if (heard.status !== undefined) fresh.status = heard.status;
    if (heard.attempt !== undefined) fresh.attempts = heard.attempt;
    if (heard.percent !== undefined) fresh.progress = { ...(job.progress ?? {}), percent: heard.percent };
    return fresh;
  }
}

// Which events the tab's one stream asks for, by the page shown. Only the
// pages that follow jobs ask for their events: at 1,000 jobs/s that is some
// 3,000 events a second, which the server would otherwise format, queue and
// send to every open tab, the overview's included, which draws only
// `event: stats` (bench/README.md, the dashboard against a busy server).

import { seesOverview } from './roles.mjs';

// The pages that read job events: rows and statuses change in place (jobs,
// job: its graph follows its parents' and children's statuses too, and its
// log), and a job failing or leaving the dead letter reloads that list.
const FOLLOW_JOBS = new Set(['jobs', 'job', 'dead-letter']);

/** The GET /api/events address for `route` (from parseRoute) and the caller's `role`. */
export function eventsUrl(route, role) {
  const admin = seesOverview(role);
  // The empty fragment is sent on to the overview (admins) or the jobs.
  const page = route.page === 'home' ? (admin ? 'overview' : 'jobs') : route.page;
  if (FOLLOW_JOBS.has(page)) return '/api/events';
  // Node events still come (the nodes page follows them); the figures only
  // where they are drawn, and only to admins, who may read them.
  return page === 'overview' && admin ? '/api/events?stats=true&jobs=false' : '/api/events?jobs=false';
}

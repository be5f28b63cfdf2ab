// What the schedules page computes from what it shows: the request a
// filled-in form makes, and a schedule's counts as one line.

import { formatCount } from './format.mjs';

/** The body of POST /api/schedules from the form's values (strings). */
export function scheduleRequest({ name, cron, zone, type, payload, onMissed }) {
  let parsed;
  try {
    parsed = payload.trim() === '' ? {} : JSON.parse(payload);
  } catch (e) {
    throw new Error(`the payload is not JSON: ${e.message}`);
  }
  return {
    name: name.trim(),
    cron: cron.trim(),
    zone: zone.trim() === '' ? 'UTC' : zone.trim(),
    on_missed: onMissed,
    job: { type, payload: parsed },
  };
}

/** The counts cell's text: "12 fired · 3 skipped · 1 failed". */
export function countsText(s) {
  const parts = [`${formatCount(s.fires ?? 0)} fired`];
  if (s.skipped) parts.push(`${formatCount(s.skipped)} skipped`);
  if (s.failures) parts.push(`${formatCount(s.failures)} failed`);
  return parts.join(' · ');
}

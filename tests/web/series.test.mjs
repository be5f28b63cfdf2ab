// The throughput chart's data: series answers to points, stats events merged in.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { clockLabel, mergePoints, mergeSeries, recentRate, seriesPoints } from '../../web/lib/series.mjs';

const t0 = Date.parse('2026-11-23T14:05:00.000Z');

test('a series answer becomes one point a second', () => {
  const p = seriesPoints({ from: '2026-11-23T14:05:00.000Z', step_ms: 1000, completed: [1, 0, 4], failed: [0, 2, 0] });
  assert.deepEqual(p.completed, [{ x: t0, y: 1 }, { x: t0 + 1000, y: 0 }, { x: t0 + 2000, y: 4 }]);
  assert.deepEqual(p.failed.map((q) => q.y), [0, 2, 0]);
  assert.deepEqual(seriesPoints({ from: 'not a time', completed: [1] }), { completed: [], failed: [] });
});

test('a stats event replaces the seconds it repeats and appends the new ones', () => {
  const current = [{ x: t0, y: 1 }, { x: t0 + 1000, y: 2 }];
  const merged = mergePoints(current, [{ x: t0 + 1000, y: 5 }, { x: t0 + 2000, y: 3 }]);
  assert.deepEqual(merged, [{ x: t0, y: 1 }, { x: t0 + 1000, y: 5 }, { x: t0 + 2000, y: 3 }]);
  assert.deepEqual(current.length, 2, 'the input is left as it was');
});

test('quiet seconds between two events are zero', () => {
  const merged = mergePoints([{ x: t0, y: 1 }], [{ x: t0 + 4000, y: 2 }]);
  assert.deepEqual(merged.map((p) => p.y), [1, 0, 0, 0, 2]);
  assert.deepEqual(merged.map((p) => p.x - t0), [0, 1000, 2000, 3000, 4000]);
});

test('points older than the window go', () => {
  const old = Array.from({ length: 10 }, (_, i) => ({ x: t0 + i * 1000, y: 1 }));
  const merged = mergePoints(old, [{ x: t0 + 10_000, y: 1 }], { windowMs: 5000 });
  assert.deepEqual(merged.map((p) => p.x - t0), [6000, 7000, 8000, 9000, 10_000]);
  assert.deepEqual(mergePoints(old, []), old);
});

test('both series merge with an event; the recent rate is their mean', () => {
  const current = seriesPoints({ from: '2026-11-23T14:05:00.000Z', completed: [6, 6], failed: [0, 0] });
  const next = mergeSeries(current, { from: '2026-11-23T14:05:01.000Z', step_ms: 1000, completed: [9, 3], failed: [1, 0] });
  assert.deepEqual(next.completed.map((p) => p.y), [6, 9, 3]);
  assert.deepEqual(next.failed.map((p) => p.y), [0, 1, 0]);
  assert.equal(recentRate(next.completed, 3), 6);
  assert.equal(recentRate([], 60), 0);
});

test('the time axis reads as a clock', () => {
  assert.match(clockLabel(t0), /^\d\d:\d\d:\d\d$/);
});

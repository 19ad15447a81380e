import type { RollupRow } from '../store/store.js';
import type { MinutePoint } from '../types/overview.js';
import { mergeInto, quantile, type LatencyHistogram } from '../util/latencyHistogram.js';
import { MINUTE_MS, minuteOf } from './rollupRecorder.js';

/**
 * Adds rollup rows up into one point per minute from `since` to `until`, minutes with nothing
 * counted included as zeros so a chart's x axis is continuous. Rows in `unwritten` (this hub's
 * counts not in the store yet) replace stored rows with the same key.
 */
export function minuteSeries(stored: RollupRow[], unwritten: RollupRow[], since: number, until: number): MinutePoint[] {
  const rows = new Map<string, RollupRow>();
  for (const r of [...stored, ...unwritten]) rows.set(`${r.minute}|${r.hub}|${r.kind}`, r);
  const points = new Map<number, MinutePoint & { latency: LatencyHistogram }>();
  const first = minuteOf(since);
  for (let minute = first; minute <= until; minute += MINUTE_MS) {
    points.set(minute, {
      minute,
      jobsCreated: 0,
      jobsSucceeded: 0,
      jobsFailed: 0,
      claims: 0,
      claimsByKind: {},
      dispatchP50Ms: null,
      dispatchP99Ms: null,
      latency: {},
    });
  }
  for (const r of rows.values()) {
    const p = points.get(r.minute);
    if (!p) continue;
    p.jobsCreated += r.jobsCreated;
    p.jobsSucceeded += r.jobsSucceeded;
    p.jobsFailed += r.jobsFailed;
    if (r.kind === '') continue;
    p.claims += r.claims;
    p.claimsByKind[r.kind] = (p.claimsByKind[r.kind] ?? 0) + r.claims;
    mergeInto(p.latency, r.latency);
  }
  return [...points.values()].map(({ latency, ...p }) => ({
    ...p,
    dispatchP50Ms: quantile(latency, 0.5),
    dispatchP99Ms: quantile(latency, 0.99),
  }));
}

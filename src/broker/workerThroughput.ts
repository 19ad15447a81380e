import { MINUTE_MS, minuteOf } from './rollupRecorder.js';

/** How many minutes of claims are kept per worker. */
const WINDOW_MINUTES = 60;

/**
 * Tasks claimed per worker per minute over the last hour, in memory (per hub, from its start):
 * what the dashboard's workers page shows as throughput.
 */
export class WorkerThroughput {
  private readonly byWorker = new Map<string, Map<number, number>>();
  private sweptAt = 0;

  add(workerId: string, count: number, now: number): void {
    const minute = minuteOf(now);
    // Once a minute, minutes that left the window go, and with them workers gone for an hour.
    if (minute !== this.sweptAt) this.sweep(minute);
    let minutes = this.byWorker.get(workerId);
    if (!minutes) this.byWorker.set(workerId, (minutes = new Map<number, number>()));
    minutes.set(minute, (minutes.get(minute) ?? 0) + count);
  }

  private sweep(minute: number): void {
    this.sweptAt = minute;
    for (const [workerId, minutes] of this.byWorker) {
      for (const m of minutes.keys()) if (m <= minute - WINDOW_MINUTES * MINUTE_MS) minutes.delete(m);
      if (minutes.size === 0) this.byWorker.delete(workerId);
    }
  }

  /** Tasks claimed in the last `minutes` minutes (the one in progress included). */
  claimed(workerId: string, now: number, minutes: number): number {
    const from = minuteOf(now) - (minutes - 1) * MINUTE_MS;
    let n = 0;
    for (const [m, count] of this.byWorker.get(workerId) ?? []) if (m >= from) n += count;
    return n;
  }
}

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { RollupRow, Store } from '../store/store.js';
import type { ClaimedTask } from '../types.js';
import { addLatency, mergeInto, type LatencyHistogram } from './latencyHistogram.js';
import type { BrokerObserver } from './observer.js';

export const MINUTE_MS = 60_000;
/** How long rollups are kept: the dashboard's charts show at most the last 24 hours. */
export const ROLLUP_RETAIN_MS = 24 * 60 * MINUTE_MS;

export const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

interface MinuteCounts {
  jobsCreated: number;
  jobsSucceeded: number;
  jobsFailed: number;
  kinds: Map<string, { claims: number; latency: LatencyHistogram }>;
}

const emptyMinute = (): MinuteCounts => ({ jobsCreated: 0, jobsSucceeded: 0, jobsFailed: 0, kinds: new Map() });

/**
 * Counts what the broker does per minute, in memory, and writes the finished minutes to the store
 * once a minute (a few rows; never a write per task), so the dashboard's charts cover the last 24
 * hours after a restart. Closing writes the minute in progress too. A write that fails is logged
 * and tried again with the next one.
 */
export class RollupRecorder implements BrokerObserver {
  /** This process's name on its rows: hubs sharing a store, or a restart within a minute, never overwrite each other. */
  readonly hub = randomBytes(4).toString('hex');
  private readonly minutes = new Map<number, MinuteCounts>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    const now = this.now();
    // Just after the minute turns, so the minute that ended is complete.
    this.timer = setTimeout(
      () => {
        void this.flush(false).finally(() => !this.closed && this.start());
      },
      minuteOf(now) + MINUTE_MS - now + 100,
    );
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.flush(true);
  }

  private at(ms: number): MinuteCounts {
    const minute = minuteOf(ms);
    let m = this.minutes.get(minute);
    if (!m) this.minutes.set(minute, (m = emptyMinute()));
    return m;
  }

  claimed(tasks: ClaimedTask[], now: number): void {
    // Counted in the minute it is now, not the claim's: that minute may have been written already.
    const m = this.at(this.now());
    for (const t of tasks) {
      let k = m.kinds.get(t.kind);
      if (!k) m.kinds.set(t.kind, (k = { claims: 0, latency: {} }));
      k.claims++;
      addLatency(k.latency, now - t.readyAt);
    }
  }

  jobsCreated(count: number): void {
    this.at(this.now()).jobsCreated += count;
  }

  jobsEnded(state: 'succeeded' | 'failed', count: number): void {
    const m = this.at(this.now());
    if (state === 'succeeded') m.jobsSucceeded += count;
    else m.jobsFailed += count;
  }

  finished(): void {}
  retried(): void {}
  leasesLost(): void {}
  reaped(): void {}

  /** The rows of minutes not written yet, the one in progress included, for readers of the series. */
  unwritten(): RollupRow[] {
    return [...this.minutes].flatMap(([minute, m]) => this.rowsOf(minute, m));
  }

  private rowsOf(minute: number, m: MinuteCounts): RollupRow[] {
    const base = { minute, hub: this.hub, jobsCreated: 0, jobsSucceeded: 0, jobsFailed: 0, claims: 0, latency: {} };
    const rows: RollupRow[] = [];
    if (m.jobsCreated + m.jobsSucceeded + m.jobsFailed > 0) {
      rows.push({
        ...base,
        kind: '',
        jobsCreated: m.jobsCreated,
        jobsSucceeded: m.jobsSucceeded,
        jobsFailed: m.jobsFailed,
      });
    }
    for (const [kind, k] of m.kinds) rows.push({ ...base, kind, claims: k.claims, latency: { ...k.latency } });
    return rows;
  }

  /** Writes the finished minutes (all of them when closing) and prunes what is older than a day. */
  flush(all: boolean): Promise<void> {
    this.writing = this.writing.then(() => this.write(all));
    return this.writing;
  }

  private async write(all: boolean): Promise<void> {
    const now = this.now();
    const current = minuteOf(now);
    const due = [...this.minutes].filter(([minute]) => all || minute < current);
    // Taken out before the write, so counts that arrive meanwhile start a fresh entry.
    for (const [minute] of due) this.minutes.delete(minute);
    try {
      const rows = due.flatMap(([minute, m]) => this.rowsOf(minute, m));
      if (rows.length > 0) await this.store.writeRollups(rows);
      await this.store.pruneRollups(now - ROLLUP_RETAIN_MS);
    } catch (e) {
      this.log.warn({ err: e }, 'writing the per-minute rollups failed; trying again next minute');
      for (const [minute, m] of due) if (minute >= now - ROLLUP_RETAIN_MS) this.mergeBack(minute, m);
    }
  }

  private mergeBack(minute: number, m: MinuteCounts): void {
    const into = this.at(minute);
    into.jobsCreated += m.jobsCreated;
    into.jobsSucceeded += m.jobsSucceeded;
    into.jobsFailed += m.jobsFailed;
    for (const [kind, k] of m.kinds) {
      const to = into.kinds.get(kind);
      if (!to) into.kinds.set(kind, k);
      else {
        to.claims += k.claims;
        mergeInto(to.latency, k.latency);
      }
    }
  }
}

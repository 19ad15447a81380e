import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { RollupRow, Store } from '../store/store.js';
import type { ClaimedTask } from '../types/workers.js';
import { addLatency, mergeInto, type LatencyHistogram } from '../util/latencyHistogram.js';
import type { BrokerObserver } from './observer.js';

export const MINUTE_MS = 60_000;
/** How long rollups are kept: the dashboard's charts show at most the last 24 hours. */
export const ROLLUP_RETAIN_MS = 24 * 60 * MINUTE_MS;

export const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
/** The hub name on rows rebuilt from the jobs (see recover): one row per minute, shared by all hubs. */
export const RECOVERED_HUB = 'recovered';
/** How long after a minute ends its rows are surely written by every live hub (they write at +100 ms). */
const WRITTEN_AFTER_MS = 5_000;

type JobCounts = { created: number; succeeded: number; failed: number };

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
 *
 * A hub killed before writing loses its unwritten minutes; the job counters of those are rebuilt at
 * start from the jobs' own times (recover), which costs nothing on the hot path. Claims and their
 * latencies are not in the store and stay lost.
 */
export class RollupRecorder implements BrokerObserver {
  /** This process's name on its rows: hubs sharing a store, or a restart within a minute, never overwrite each other. */
  readonly hub = randomBytes(4).toString('hex');
  private readonly minutes = new Map<number, MinuteCounts>();
  private timer: NodeJS.Timeout | null = null;
  private recoverTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Rebuilds what killed hubs lost, then writes once a minute. On a store of one hub (SQLite) every
   * minute is rebuilt at once, before this hub counts anything; on a shared one (PostgreSQL) other
   * live hubs hold their last minutes unwritten, so the minutes up to now are rebuilt once those are written.
   */
  async start(): Promise<void> {
    const now = this.now();
    await this.recover(this.store.sharedByHubs ? minuteOf(now - WRITTEN_AFTER_MS) - MINUTE_MS : now);
    if (this.store.sharedByHubs) {
      this.recoverTimer = setTimeout(
        () => void this.recover(minuteOf(now)),
        minuteOf(now) + MINUTE_MS + WRITTEN_AFTER_MS - now,
      );
      this.recoverTimer.unref();
    }
    this.schedule();
  }

  private schedule(): void {
    const now = this.now();
    // Just after the minute turns, so the minute that ended is complete.
    this.timer = setTimeout(
      () => {
        void this.flush(false).finally(() => !this.closed && this.schedule());
      },
      minuteOf(now) + MINUTE_MS - now + 100,
    );
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.recoverTimer) clearTimeout(this.recoverTimer);
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

  /**
   * Writes, for each minute up to `until`, the jobs created, succeeded and failed that the jobs
   * kept show and no hub's rows count: what a hub killed before writing lost. Rows are written
   * under RECOVERED_HUB and replaced, so running it again, or on two hubs at once, adds nothing.
   * A hub counts a job just after the store times it, so one at a minute's end may sit in the next
   * minute's rows: going back from now, a minute's surplus first makes up the later minute's
   * shortfall. Jobs deleted since (retention, purges) only make it rebuild less.
   */
  async recover(until: number): Promise<void> {
    const now = this.now();
    const since = minuteOf(now - ROLLUP_RETAIN_MS);
    try {
      const [kept, stored] = await Promise.all([this.store.jobMinutes(since), this.store.readRollups(since)]);
      const counted = new Map<number, JobCounts>();
      const recoveredBefore = new Set<number>();
      const rows = new Map<string, RollupRow>();
      for (const r of [...stored, ...this.unwritten()]) rows.set(`${r.minute}|${r.hub}|${r.kind}`, r);
      for (const r of rows.values()) {
        if (r.hub === RECOVERED_HUB) recoveredBefore.add(r.minute);
        else addCounts(counted, r.minute, { created: r.jobsCreated, succeeded: r.jobsSucceeded, failed: r.jobsFailed });
      }
      const inStore = new Map<number, JobCounts>();
      for (const m of kept) addCounts(inStore, m.minute, m);
      const rebuilt: RollupRow[] = [];
      const carry: JobCounts = { created: 0, succeeded: 0, failed: 0 };
      for (let minute = minuteOf(now); minute >= since; minute -= MINUTE_MS) {
        const lost: JobCounts = { created: 0, succeeded: 0, failed: 0 };
        for (const f of ['created', 'succeeded', 'failed'] as const) {
          const x = (inStore.get(minute)?.[f] ?? 0) - (counted.get(minute)?.[f] ?? 0) + carry[f];
          lost[f] = Math.max(0, x);
          carry[f] = Math.min(0, x);
        }
        if (minute > until || (lost.created + lost.succeeded + lost.failed === 0 && !recoveredBefore.has(minute)))
          continue;
        rebuilt.push({
          minute,
          hub: RECOVERED_HUB,
          kind: '',
          jobsCreated: lost.created,
          jobsSucceeded: lost.succeeded,
          jobsFailed: lost.failed,
          claims: 0,
          latency: {},
        });
      }
      if (rebuilt.length > 0) await this.store.writeRollups(rebuilt);
      const total = rebuilt.reduce((n, r) => n + r.jobsCreated + r.jobsSucceeded + r.jobsFailed, 0);
      if (total > 0)
        this.log.info(
          { minutes: rebuilt.length, jobs: total },
          'rebuilt per-minute job counts a stopped hub had not written',
        );
    } catch (e) {
      this.log.warn(
        { err: e },
        'rebuilding lost per-minute rollups failed; the charts may miss minutes before this start',
      );
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

function addCounts(into: Map<number, JobCounts>, minute: number, c: JobCounts): void {
  const m = into.get(minute);
  if (!m) into.set(minute, { created: c.created, succeeded: c.succeeded, failed: c.failed });
  else {
    m.created += c.created;
    m.succeeded += c.succeeded;
    m.failed += c.failed;
  }
}

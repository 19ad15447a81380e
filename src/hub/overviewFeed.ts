import type { Logger } from 'pino';
import type { WorkerBroker } from '../broker/workerBroker.js';
import { minuteSeries } from '../broker/minuteSeries.js';
import type { MinutePoint } from '../types/overview.js';
import { MINUTE_MS, minuteOf, type RollupRecorder } from '../broker/rollupRecorder.js';
import type { DeadTask, StoreStats } from '../store/store.js';

/** How often the overview stream sends a fresh snapshot while someone watches it. */
export const OVERVIEW_TICK_MS = 2000;
const RECENT_DEAD = 5;

export interface OverviewSnapshot {
  at: number;
  stats: StoreStats;
  workersConnected: number;
  waitingClaims: number;
  /** The minute in progress and the one before (which may have just been written). */
  minutes: MinutePoint[];
  /** The newest dead tasks, with their errors. */
  dead: DeadTask[];
}

/**
 * What the dashboard's overview shows: per-minute series from the rollups (stored, plus this hub's
 * unwritten counts) and live snapshots. One timer serves every open stream, and runs only while
 * one is open, so the store is read once per tick however many people watch.
 */
export class OverviewFeed {
  private readonly listeners = new Set<(s: OverviewSnapshot) => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly broker: WorkerBroker,
    private readonly rollups: RollupRecorder,
    private readonly log: Logger,
  ) {}

  async series(since: number, until: number): Promise<MinutePoint[]> {
    return minuteSeries(await this.broker.store.readRollups(minuteOf(since)), this.rollups.unwritten(), since, until);
  }

  async snapshot(): Promise<OverviewSnapshot> {
    const at = Date.now();
    const [stats, minutes, dead] = await Promise.all([
      this.broker.store.stats(),
      this.series(minuteOf(at) - MINUTE_MS, at),
      this.broker.store.listDead(undefined, RECENT_DEAD),
    ]);
    return {
      at,
      stats,
      workersConnected: this.broker.workers.connected(at).length,
      waitingClaims: this.broker.waitingClaims,
      minutes,
      dead,
    };
  }

  /** Calls `listener` with a snapshot every tick until the returned function is called. */
  subscribe(listener: (s: OverviewSnapshot) => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), OVERVIEW_TICK_MS);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    try {
      const s = await this.snapshot();
      for (const l of this.listeners) l(s);
    } catch (e) {
      this.log.warn({ err: e }, 'reading the overview failed; the next tick tries again');
    }
  }
}

import type { Logger } from 'pino';
import type { Changes, Store } from '../store/store.js';
import { logFailure } from '../store/outage.js';

/**
 * Requeues tasks whose lease ran out (the worker died or lost its network), counting the attempt,
 * or kills them when their attempts are used up. Runs on an interval off the hot path.
 */
export class Reaper {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly intervalMs: number,
    private readonly apply: (c: Changes) => void,
    private readonly log: Logger,
    private readonly onReaped: (count: number) => void = () => undefined,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.reap(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass; returns how many leases it reaped. */
  async reap(now = Date.now()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let total = 0;
    try {
      for (;;) {
        const { reaped, changes } = await this.store.reapExpired(now, 1000);
        this.apply(changes);
        total += reaped;
        if (reaped < 1000) break;
      }
      if (total > 0) {
        this.onReaped(total);
        this.log.info({ reaped: total }, 'requeued tasks whose lease expired');
      }
    } catch (e) {
      logFailure(this.log, e, 'reaping expired leases failed; will retry');
    } finally {
      this.running = false;
    }
    return total;
  }
}

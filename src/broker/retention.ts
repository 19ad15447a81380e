import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { logFailure } from '../store/outage.js';

/**
 * Deletes succeeded and cancelled jobs (with their tasks and results) once they are older than the
 * retention, so the store does not grow without bound under a steady load. Failed jobs stay: they
 * hold dead tasks, which wait for a redrive or a purge.
 */
export class Retention {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly retainMs: number,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass, in chunks so no transaction grows large; returns how many jobs it deleted. */
  async sweep(now = Date.now()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let total = 0;
    try {
      for (;;) {
        const n = await this.store.sweep(now - this.retainMs, 1000);
        total += n;
        if (n < 1000) break;
      }
      if (total > 0) this.log.info({ deleted: total }, 'deleted finished jobs past retention');
    } catch (e) {
      logFailure(this.log, e, 'retention sweep failed; will retry');
    } finally {
      this.running = false;
    }
    return total;
  }
}

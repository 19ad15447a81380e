import type { Logger } from 'pino';
import type { Changes, Store } from '../store/store.js';
import { logFailure } from '../store/outage.js';

// setTimeout cannot wait longer than 2^31-1 ms; re-check at least this often.
const MAX_WAIT_MS = 60_000;

/** One timer for the earliest delayed task: at its runAt, makes due tasks ready and re-arms. */
export class DelayTimer {
  private timer: NodeJS.Timeout | null = null;
  private at = Infinity;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly apply: (c: Changes) => void,
    private readonly log: Logger,
  ) {}

  schedule(at: number | null): void {
    if (at === null || this.stopped || at >= this.at) return;
    if (this.timer) clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(() => void this.fire(), Math.min(Math.max(0, at - Date.now()), MAX_WAIT_MS));
    this.timer.unref();
  }

  private async fire(): Promise<void> {
    this.timer = null;
    this.at = Infinity;
    try {
      this.apply(await this.store.promoteDue(Date.now()));
      this.schedule(await this.store.nextDueAt());
    } catch (e) {
      logFailure(this.log, e, 'promoting delayed tasks failed; retrying in a second');
      this.schedule(Date.now() + 1000);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

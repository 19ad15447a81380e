import type { Logger } from 'pino';

/**
 * Exponential backoff with jitter for talking to a hub that is away: many workers that lost the
 * same hub come back spread out rather than all at once.
 */
export class Reconnect {
  private failures = 0;

  constructor(
    private readonly minMs = 250,
    private readonly maxMs = 30_000,
  ) {}

  delayMs(random: () => number = Math.random): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.failures, 20));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  }

  /** Sleeps before the next try (cut short when the signal aborts). */
  async wait(error: Error, log: Logger, signal?: AbortSignal): Promise<void> {
    const ms = this.delayMs();
    this.failures++;
    log.warn({ err: error.message, retryInMs: ms, failures: this.failures }, 'hub not reachable; retrying');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done);
    });
  }

  succeeded(log: Logger): void {
    if (this.failures > 0) log.info({ after: this.failures }, 'reconnected to the hub');
    this.failures = 0;
  }
}

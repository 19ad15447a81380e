import type { Logger } from 'pino';

/**
 * Jittered backoff for one kind of request to a hub that is away (the agent keeps one for claims and
 * one for reporting outcomes, so failures of one never lengthen the other's waits).
 *
 * A refused connection (ECONNREFUSED: nothing listens on the port, as while a hub restarts) is
 * retried at the first step, 125 to 250 ms, however long the outage: it costs the hub nothing, and
 * the worker is back within a step of the hub listening again. Other failures (a hub that answers
 * 5xx, times out, or a host that is unreachable) double the wait up to `maxMs`, each wait drawn
 * from the upper half of its step, so many workers that lost the same hub return spread out.
 * `wake()` cuts a wait short: another request just reached the hub, so try now.
 */
export class Reconnect {
  private failures = 0;
  private tries = 0;
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly what: string,
    private readonly minMs = 250,
    private readonly maxMs = 30_000,
  ) {}

  delayMs(random: () => number = Math.random): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.failures, 20));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  }

  /** Sleeps before the next try (cut short when the signal aborts or wake() is called). */
  async wait(error: Error, log: Logger, signal?: AbortSignal): Promise<void> {
    const ms = this.delayMs();
    if (!isRefused(error)) this.failures++;
    this.tries++;
    // 1, 2, 4, 8... failures: a long outage retried every quarter second does not flood the log.
    if ((this.tries & (this.tries - 1)) === 0)
      log.warn({ err: error.message, retryInMs: ms, failures: this.tries }, `hub not reachable; retrying ${this.what}`);
    if (signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const sleepers = this.sleepers;
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        sleepers.delete(done);
        resolve();
      }
      signal?.addEventListener('abort', done);
      sleepers.add(done);
    });
  }

  /** The hub answered another request: whoever waits to retry tries now. */
  wake(): void {
    for (const done of [...this.sleepers]) done();
  }

  succeeded(log: Logger): void {
    if (this.tries > 0) log.info({ after: this.tries }, `reconnected to the hub (${this.what})`);
    this.failures = 0;
    this.tries = 0;
  }
}

/** Nothing listens at the hub's address: the connection was refused at once. */
function isRefused(e: Error): boolean {
  return (e.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED';
}

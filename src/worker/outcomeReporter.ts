import type { Logger } from 'pino';
import { HubError, type HubClient } from '../client/hubClient.js';
import { Reconnect } from './reconnect.js';

/**
 * Takes the worker's task outcomes to the hub: results in batches (split when one is too large
 * for the hub's body limit), failures and releases one request each, all retried while the hub is
 * unreachable, since a lease outlives an outage.
 */
export class OutcomeReporter {
  private readonly retry = new Reconnect('results');
  private completions: Array<{ leaseId: string; output: unknown }> = [];
  private flushing: Promise<void> | null = null;
  /** After the agent stops: when reporting outcomes to an unreachable hub is given up. */
  private giveUpAt = Infinity;

  constructor(
    private readonly client: HubClient,
    private readonly log: Logger,
    /** A request reached the hub (the agent wakes its other retries). */
    private readonly answered: () => void,
    /** The hub has a result (or no longer wants it): its lease can be dropped. */
    private readonly delivered: (leaseId: string) => void,
  ) {}

  /** The hub answered another request: a retry waiting here goes now. */
  wake(): void {
    this.retry.wake();
  }

  giveUpAfter(at: number): void {
    this.giveUpAt = at;
  }

  /** Queues a result; the results of one event-loop turn go out together. */
  complete(leaseId: string, output: unknown): void {
    this.completions.push({ leaseId, output });
    this.scheduleFlush();
  }

  fail(leaseId: string, error: string, retryable: boolean): Promise<void> {
    return this.report(() => this.client.post('/v1/worker/fail', { leaseId, error, retryable }));
  }

  release(leaseIds: string[]): Promise<void> {
    return this.report(() => this.client.post('/v1/worker/release', { leaseIds }));
  }

  /** Resolves once every queued result has been delivered (or given up on). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /**
   * Sends an outcome to the hub, retrying while it is unreachable (a lease outlives an outage; one
   * that did not is answered 409); a 4xx means it no longer wants it. Only a stopping worker gives up.
   */
  private async report(send: () => Promise<unknown>): Promise<void> {
    for (;;) {
      try {
        await send();
        this.retry.succeeded(this.log);
        this.answered();
        return;
      } catch (e) {
        if (e instanceof HubError && e.status >= 400 && e.status < 500) {
          this.log.warn({ code: e.code }, `the hub refused a task outcome: ${e.message}`);
          return;
        }
        if (Date.now() >= this.giveUpAt) {
          this.log.error(
            { err: e },
            'stopping with the hub unreachable: a task outcome is not reported; its lease will expire and the task will run again',
          );
          return;
        }
        await this.retry.wait(e as Error, this.log);
      }
    }
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      while (this.completions.length > 0) await this.deliver(this.completions.splice(0, 500));
      this.flushing = null;
    });
  }

  /**
   * Sends results; a batch too large for the hub's body limit is split, and a single result that
   * is too large on its own fails its task for good (retrying would produce it again).
   */
  private async deliver(batch: Array<{ leaseId: string; output: unknown }>): Promise<void> {
    let tooLarge = false;
    await this.report(async () => {
      try {
        await this.client.post('/v1/worker/complete', { results: batch });
      } catch (e) {
        if (!(e instanceof HubError && e.status === 413)) throw e;
        tooLarge = true;
      }
    });
    if (tooLarge && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      await this.deliver(batch.slice(0, half));
      await this.deliver(batch.slice(half));
      return;
    }
    if (tooLarge) {
      const error =
        'the output is larger than the hub accepts (its maxBodyBytes); store large outputs elsewhere and return a reference';
      await this.fail(batch[0]!.leaseId, error, false);
    }
    for (const c of batch) this.delivered(c.leaseId);
  }
}

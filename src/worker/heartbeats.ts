import type { Logger } from 'pino';
import { HubError, type HubClient } from '../client/hubClient.js';
import type { HeartbeatReply } from '../types/workers.js';
import { Reconnect } from './reconnect.js';

/** A lease the worker holds, as the heartbeat sees it. */
export interface HeldLease {
  leaseId: string;
  jobId: string;
  /** When it was claimed (ms). */
  since: number;
  /** Its handler still runs (else its outcome waits to be delivered). */
  running: boolean;
}

/** How long a task may run before the held heartbeat is renewed to cover it (at most a third of its lease). */
const COVER_AFTER_MS = 500;

/**
 * Heartbeats the worker's leases and hears of cancels. Each heartbeat is held open by the hub for
 * up to a third of the shortest lease (`waitMs`) and answered early when one of its jobs is
 * cancelled, stopped with enough, or fails, so a running task learns of it within a fraction of a
 * second instead of at the next beat. The hub extends the leases when the request arrives; the
 * next one is sent as soon as the last is answered. A task that has run for half a second without
 * being covered by the open heartbeat (claimed after it was sent) renews it; tasks shorter than
 * that never cost a heartbeat. Against a hub that predates held heartbeats (400 on `waitMs`), it
 * falls back to a plain heartbeat every third of a lease.
 */
export class Heartbeats {
  // A third of the shortest lease held leaves two more chances before it runs out.
  private everyMs = 5000;
  private held = true;
  private stopped = false;
  private open: { covered: Set<string>; abort: AbortController } | null = null;
  private kick: (() => void) | null = null;
  private readonly retry = new Reconnect('heartbeats');
  private readonly coverTimer: NodeJS.Timeout;
  private readonly loop: Promise<void>;

  constructor(
    private readonly client: HubClient,
    private readonly workerId: string,
    private readonly leases: () => HeldLease[],
    private readonly onReply: (reply: HeartbeatReply) => void,
    private readonly hubAnswered: () => void,
    private readonly log: Logger,
  ) {
    // Unref'd: the loop's open request or its pause (both held) keeps the worker alive; stop() ends them.
    this.coverTimer = setInterval(() => this.cover(), Math.min(COVER_AFTER_MS, this.everyMs) / 2);
    this.coverTimer.unref();
    this.loop = this.run();
  }

  /** A lease of `leaseMs` was claimed: beat at least every third of it. */
  adjust(leaseMs: number): void {
    const every = Math.max(200, Math.floor(leaseMs / 3));
    if (every >= this.everyMs) return;
    this.everyMs = every;
    this.open?.abort.abort();
    this.kick?.();
  }

  /** Another request reached the hub: a heartbeat waiting to retry tries now. */
  wake(): void {
    this.retry.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.coverTimer);
    this.open?.abort.abort();
    this.kick?.();
    this.retry.wake();
    await this.loop;
  }

  /**
   * Some lease the open heartbeat does not cover wants one: a task that has run for COVER_AFTER_MS
   * (it may run long: it should hear of a cancel), or any lease held for a beat (it needs extending).
   */
  private due(): boolean {
    const now = Date.now();
    const cover = Math.min(COVER_AFTER_MS, this.everyMs);
    return this.leases().some(
      (l) => now - l.since >= (l.running ? cover : this.everyMs) && !this.open?.covered.has(l.leaseId),
    );
  }

  /** Renews the held heartbeat (or starts one) when a lease that wants one is not in it. */
  private cover(): void {
    if (!this.held || !this.due()) return;
    if (this.open) this.open.abort.abort();
    else this.kick?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      // Held: beat while some lease wants it (cover() ends the pause). Plain: every third of a lease.
      const beat = this.held ? this.due() : this.leases().length > 0;
      if (beat) await this.beat(this.leases());
      if (!this.stopped && (!beat || !this.held)) await this.pause();
    }
  }

  private pause(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.kick = null;
        resolve();
      };
      const timer = setTimeout(done, this.everyMs);
      this.kick = done;
    });
  }

  private async beat(leases: HeldLease[]): Promise<void> {
    const abort = new AbortController();
    const held = this.held;
    this.open = { covered: new Set(leases.map((l) => l.leaseId)), abort };
    const body: Record<string, unknown> = { workerId: this.workerId, leaseIds: leases.map((l) => l.leaseId) };
    if (held) Object.assign(body, { waitMs: this.everyMs, jobIds: [...new Set(leases.map((l) => l.jobId))] });
    try {
      const reply = await this.client.post<HeartbeatReply>('/v1/worker/heartbeat', body, {
        signal: abort.signal,
        timeoutMs: this.everyMs + 15_000,
      });
      this.retry.succeeded(this.log);
      this.hubAnswered();
      this.onReply(reply);
    } catch (e) {
      // Renewed by cover(), adjust() or stop(): the hub extended the leases already; go again.
      if (abort.signal.aborted) return;
      if (held && e instanceof HubError && e.status === 400) {
        this.held = false;
        this.log.info({ err: e.message }, 'the hub does not hold heartbeats open; heartbeating plainly');
        return;
      }
      await this.retry.wait(e as Error, this.log);
    } finally {
      this.open = null;
    }
  }
}

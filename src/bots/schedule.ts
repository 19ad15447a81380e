import { Cron } from 'croner';
import type { Clock } from './clock.js';

export interface ScheduleOptions {
  cron: string;
  timezone: string;
  missed: 'skip' | 'once';
  clock: Clock;
  /** The schedule time of the last run started, from the store (null: never ran). */
  lastScheduledAt: number | null;
  /** Starts a run; the schedule waits for it before starting another. */
  run(scheduledAt: number): Promise<void>;
  /** A run not started because the previous one was still going. */
  skipped(scheduledAt: number): void;
}

/** Checks a cron expression and time zone, with a message saying what is wrong. */
export function parseSchedule(cron: string, timezone: string): Cron {
  try {
    return new Cron(cron, { timezone, paused: true });
  } catch (e) {
    throw new Error(`schedule '${cron}' (time zone ${timezone}) is not valid: ${(e as Error).message}`);
  }
}

/**
 * A bot's schedule. The next run comes from the schedule (the slot after the one that fired, or
 * after now when the hub was away), never from when the last run ended. Runs never overlap: a slot
 * that comes while a run is going is skipped. After downtime, `once` runs one missed slot at start.
 */
export class Schedule {
  private readonly cron: Cron;
  private cancel: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private armedAt: number | null = null;

  constructor(private readonly options: ScheduleOptions) {
    this.cron = parseSchedule(options.cron, options.timezone);
  }

  /** The first slot strictly after `at`. */
  nextAfter(at: number): number | null {
    return this.cron.nextRun(new Date(at))?.getTime() ?? null;
  }

  start(): void {
    const now = this.options.clock.now();
    const last = this.options.lastScheduledAt;
    const missed = last === null ? null : this.nextAfter(last);
    if (this.options.missed === 'once' && missed !== null && missed <= now) this.fire(missed);
    else this.arm(now);
  }

  stop(): void {
    this.stopped = true;
    this.armedAt = null;
    this.cancel?.();
  }

  /** When the next run is due (the slot the timer waits for), or null when none is armed. */
  get nextAt(): number | null {
    return this.armedAt;
  }

  private arm(after: number): void {
    const at = this.nextAfter(after);
    this.armedAt = this.stopped ? null : at;
    if (at === null || this.stopped) return;
    this.cancel = this.options.clock.setTimer(() => this.fire(at), Math.max(0, at - this.options.clock.now()));
  }

  private fire(at: number): void {
    if (this.stopped) return;
    if (this.running) this.options.skipped(at);
    else {
      this.running = this.options.run(at).finally(() => (this.running = null));
    }
    this.arm(Math.max(at, this.options.clock.now()));
  }
}

import { entryOf, type LogEntry, type LogTap } from '../log.js';
import type { LogStore } from '../store/logStore.js';
import { isConnectionError } from '../store/outage.js';

/** Lines written in one statement at most; a full batch is written at once rather than on the timer. */
const BATCH = 500;
/** Lines held while the store is away; beyond this the oldest go (and a line says how many). */
const MAX_HELD = 5000;
const FLUSH_MS = 1000;
const PRUNE_MS = 3_600_000;

/**
 * Keeps the hub's warn and error lines (a tap on its logger), the requests it answered 4xx/5xx and
 * the lines its workers send, in the store. Nothing on a request's path waits for the store: lines
 * are held in memory and written in batches every second, so a request costs an array push.
 */
export class LogSink implements LogTap {
  private held: LogEntry[] = [];
  private dropped = 0;
  private store: LogStore | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(private readonly source = 'hub') {}

  /** A pino line from the logger this sink taps. */
  write(line: string): void {
    const entry = entryOf(line, this.source);
    if (entry) this.add(entry);
  }

  add(...entries: LogEntry[]): void {
    this.held.push(...entries);
    if (this.held.length > MAX_HELD) this.dropped += this.held.splice(0, this.held.length - MAX_HELD).length;
    if (this.held.length >= BATCH && this.store && !this.flushing) void this.flush();
  }

  /** Starts writing to the store, and deleting lines older than `retentionMs` (hourly, or sooner for a short one). */
  attach(store: LogStore, retentionMs: number): void {
    this.store = store;
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
    const prune = () => void store.prune(Date.now() - retentionMs).catch(() => undefined);
    prune();
    this.pruneTimer = setInterval(prune, Math.min(PRUNE_MS, Math.max(100, retentionMs / 4)));
    this.pruneTimer.unref();
  }

  /** Writes what is held; resolves once written (or kept for later when the store is away). */
  flush(): Promise<void> {
    return (this.flushing ??= this.write1().finally(() => (this.flushing = null)));
  }

  private async write1(): Promise<void> {
    const store = this.store;
    while (store && this.held.length > 0) {
      if (this.dropped > 0) {
        const note = entryOf(
          JSON.stringify({
            level: 40,
            time: Date.now(),
            msg: 'log lines were dropped while the store was away',
            dropped: this.dropped,
          }),
          this.source,
        )!;
        this.dropped = 0;
        this.held.unshift(note);
      }
      const batch = this.held.splice(0, BATCH);
      try {
        await store.append(batch);
      } catch (e) {
        // Kept while the database is away (its outage is logged once elsewhere); a batch the store
        // refuses for another reason would be refused again, so it goes.
        if (isConnectionError(e)) this.held.unshift(...batch);
        else this.dropped += batch.length;
        return;
      }
    }
  }

  /** Stops the timers after writing what is held. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.flush();
    this.store = null;
  }
}

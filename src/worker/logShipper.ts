import { HubError, type HubClient } from '../client/hubClient.js';
import { entryOf, levelName, type LogTap } from '../log.js';

const SEND_MS = 1000;
const BATCH = 200;
/** Lines held while the hub is away; beyond this the oldest go. */
const MAX_HELD = 2000;

interface Line {
  at: number;
  level: 'warn' | 'error' | 'fatal';
  msg: string;
  data?: Record<string, unknown>;
}

/**
 * Sends a worker's warn and error lines (a tap on its logger) to the hub's kept log
 * (`POST /v1/logs`), in batches every second. Logging only pushes to an array: no task ever waits
 * on the hub for it, and a hub that is away costs the oldest lines beyond MAX_HELD, never a task.
 */
export class LogShipper implements LogTap {
  private held: Line[] = [];
  private client: HubClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;

  constructor(private readonly source: string) {}

  write(line: string): void {
    const e = entryOf(line, this.source);
    if (!e || e.level < 40) return;
    this.held.push({
      at: e.at,
      level: levelName(e.level) as Line['level'],
      msg: e.msg.slice(0, 10_000),
      ...(e.data ? { data: e.data } : {}),
    });
    if (this.held.length > MAX_HELD) this.held.splice(0, this.held.length - MAX_HELD);
  }

  start(client: HubClient): void {
    this.client = client;
    this.timer = setInterval(() => void this.send(), SEND_MS);
    this.timer.unref();
  }

  /** Sends what is held (one batch at a time); a hub that is away gets it on a later try. */
  send(): Promise<void> {
    return (this.sending ??= this.sendAll().finally(() => (this.sending = null)));
  }

  private async sendAll(): Promise<void> {
    while (this.client && this.held.length > 0) {
      const lines = this.held.splice(0, BATCH);
      try {
        await this.client.request('POST', '/v1/logs', { source: this.source, lines }, { timeoutMs: 5000 });
      } catch (e) {
        // Unreachable or 5xx: kept for the next try. A 4xx would be refused again: dropped.
        if (!(e instanceof HubError) || e.status === 0 || e.status >= 500) this.held.unshift(...lines);
        return;
      }
    }
  }

  /** Stops the timer after one last send. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.send();
    this.client = null;
  }
}

/**
 * What the worker processes report about their handlers (bench/fixtures/noop.js sends it over
 * IPC): how many ran, when the last returned, and the start time of each latency probe job.
 * The end-to-end and latency drivers read it; Roost's simulated long-polling workers (roost.ts)
 * feed it directly.
 */
import type { Child } from './processes.js';
import { sleep, TimeoutError } from './time.js';

interface Progress {
  type: 'bench.progress';
  done: number;
  lastEnd: number;
  samples: Array<[number, number]>;
}

function isProgress(m: unknown): m is Progress {
  return typeof m === 'object' && m !== null && (m as Progress).type === 'bench.progress';
}

export class Probe {
  /** Handlers run so far per source (each worker process reports its own running total). */
  private readonly done = new Map<unknown, number>();
  private lastEnd = 0;
  /** Latency probe id -> handler start time. */
  readonly starts = new Map<number, number>();

  /** Listens to a worker process's reports. */
  attach(child: Child): void {
    child.onMessage((m) => {
      if (isProgress(m)) this.report(child, m.done, m.lastEnd, m.samples);
    });
  }

  /** A report from one source: its running total, its last handler end, and new probe samples. */
  report(source: unknown, done: number, lastEnd: number, samples: Array<[number, number]> = []): void {
    this.done.set(source, Math.max(done, this.done.get(source) ?? 0));
    this.lastEnd = Math.max(this.lastEnd, lastEnd);
    for (const [i, t] of samples) if (!this.starts.has(i)) this.starts.set(i, t);
  }

  /** When the last handler returned, over every source (epoch ms). */
  get lastHandlerEnd(): number {
    return this.lastEnd;
  }

  /** Handlers run so far, over every source. */
  get total(): number {
    let n = 0;
    for (const v of this.done.values()) n += v;
    return n;
  }

  /** Waits until `total` reaches `n`; throws a TimeoutError saying how far it got. */
  async waitForTotal(n: number, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.total < n) {
      if (Date.now() > deadline)
        throw new TimeoutError(
          `${what}: handlers ran ${this.total} of ${n} jobs within ${Math.round(timeoutMs / 1000)} s`,
        );
      await sleep(2);
    }
  }

  /** Waits until every probe id in `ids` has a start time. */
  async waitForStarts(ids: number[], timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = ids.filter((i) => !this.starts.has(i)).length;
      if (missing === 0) return;
      if (Date.now() > deadline)
        throw new TimeoutError(
          `${what}: ${missing} of ${ids.length} probe jobs never started within ${Math.round(timeoutMs / 1000)} s`,
        );
      await sleep(5);
    }
  }
}

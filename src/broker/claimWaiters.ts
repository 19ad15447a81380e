import type { ClaimedTask } from '../types/workers.js';

export interface Waiter {
  workerId: string;
  /** The token claiming, recorded on its leases. */
  owner: string | null;
  max: number;
  resolve(tasks: ClaimedTask[]): void;
}

type TryClaim = (w: Waiter) => Promise<{ tasks: ClaimedTask[]; routes: string[] }>;

/**
 * Claims held open until a task is ready. When tasks become ready on some routes, the waiters are
 * offered them oldest first; the pass stops trying a route as soon as a claim comes back short
 * for it, so a thousand idle waiters cost nothing per enqueue once the queue is empty.
 */
export class ClaimWaiters {
  private readonly waiters: Waiter[] = [];
  private pending = new Set<string>();
  private running = false;

  constructor(
    private readonly tryClaim: TryClaim,
    private readonly routesOf: (w: Waiter) => string[],
    /** Tasks claimed for a waiter that went away during the claim: they must be given back. */
    private readonly orphaned: (tasks: ClaimedTask[]) => void,
    private readonly onError: (e: unknown) => void,
  ) {}

  get size(): number {
    return this.waiters.length;
  }

  add(w: Waiter): void {
    this.waiters.push(w);
  }

  remove(w: Waiter): boolean {
    const i = this.waiters.indexOf(w);
    if (i < 0) return false;
    this.waiters.splice(i, 1);
    return true;
  }

  /**
   * Tasks became ready on these routes: offer them to the waiters that can serve them. `now`
   * issues the first claim before returning, so that on a store that commits a turn's writes
   * together it joins the write that made the tasks.
   */
  ready(routes: Iterable<string>, now = false): void {
    for (const r of routes) this.pending.add(r);
    if (this.waiters.length === 0) {
      this.pending.clear();
      return;
    }
    if (!this.running) {
      this.running = true;
      if (now) void this.drain();
      else setImmediate(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const open = this.pending;
        this.pending = new Set();
        for (const w of [...this.waiters]) {
          if (open.size === 0) break;
          if (!this.routesOf(w).some((r) => open.has(r))) continue;
          if (!this.waiters.includes(w)) continue;
          const { tasks, routes } = await this.tryClaim(w);
          // A claim that got less than it asked for emptied every route it read.
          if (tasks.length < w.max) for (const r of routes) open.delete(r);
          if (tasks.length > 0 && this.remove(w)) w.resolve(tasks);
          else if (tasks.length > 0) this.orphaned(tasks);
        }
      }
    } catch (e) {
      this.onError(e);
    } finally {
      this.running = false;
      if (this.pending.size > 0) this.ready([]);
    }
  }

  /** Answers every waiter with nothing (shutdown). */
  closeAll(): void {
    for (const w of this.waiters.splice(0)) w.resolve([]);
  }
}

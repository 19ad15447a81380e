import type { Store } from '../store/store.js';
import type { Labels } from '../types/jobs.js';
import type { WorkerInfo } from '../types/workers.js';
import { serves } from './taskRoutes.js';

/**
 * The workers the store knows, as every hub on it wrote them: a worker is seen by the hub it talks
 * to, which records it at least every third of `connectedForMs` (WorkerRegistry). With several hubs
 * on one PostgreSQL, this is how hub B knows that a worker talking to hub A serves a kind. Read at
 * most once per `maxAgeMs` (a submit reads afresh), and only by callers whose own registry had no
worker for a kind.
 */
export class StoreWorkers {
  private workers: WorkerInfo[] = [];
  private readAt = -Infinity;
  private reading: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly connectedForMs: number,
    private readonly maxAgeMs = 1000,
  ) {}

  /** Reads the store's workers again when the copy is older than `maxAgeMs` (0: always). */
  async fresh(now: number, maxAgeMs = this.maxAgeMs): Promise<void> {
    if (now - this.readAt < maxAgeMs) return;
    this.reading ??= this.store
      .listWorkers()
      .then((workers) => {
        this.workers = workers;
        this.readAt = now;
      })
      .finally(() => (this.reading = null));
    await this.reading;
  }

  /** True when a worker seen by any hub within connectedForMs can run this kind with these labels. */
  canServe(kind: string, requires: Labels | null, now: number): boolean {
    return this.workers.some(
      (w) => now - w.lastSeen <= this.connectedForMs && serves(w.capabilities, kind, requires ?? {}),
    );
  }
}

import type { Blocked } from '../types/limits.js';
import { ruleCovers } from './limits.js';

/**
 * Keys a claim found at their limits, until a slot frees or the rate allows again: job views say
 * why their tasks wait, and a rate-limited key's route is offered to waiting claims again when its
 * bucket refills.
 */
export class BlockedKeys {
  private readonly byKey = new Map<string, Blocked>();
  private readonly rateWakes = new Map<string, NodeJS.Timeout>();
  private closed = false;

  /** `retry` offers a route's tasks to the waiting claims again. */
  constructor(private readonly retry: (route: string) => void) {}

  get(key: string): Blocked | undefined {
    return this.byKey.get(key);
  }

  /** Records keys a claim found at their limits; a rate-limited one is retried when it refills. */
  note(blocked: Blocked[]): void {
    for (const b of blocked) {
      this.byKey.set(b.key, b);
      if (b.until === null || this.rateWakes.has(b.route) || this.closed) continue;
      const timer = setTimeout(
        () => {
          this.rateWakes.delete(b.route);
          this.byKey.delete(b.key);
          this.retry(b.route);
        },
        Math.max(0, b.until - Date.now()),
      );
      timer.unref();
      this.rateWakes.set(b.route, timer);
    }
  }

  /** A slot freed under the key: it is no longer held back by its concurrency. */
  slotFreed(key: string): void {
    if (this.byKey.get(key)?.reason === 'concurrency') this.byKey.delete(key);
  }

  /** What a claim found under an old rule says nothing about the new one; the next claim decides. */
  forget(rule: string): void {
    for (const key of this.byKey.keys()) if (ruleCovers(rule, key)) this.byKey.delete(key);
  }

  clear(): void {
    this.byKey.clear();
  }

  close(): void {
    this.closed = true;
    for (const t of this.rateWakes.values()) clearTimeout(t);
  }
}

import type { Limit, RouteClaim } from '../types.js';
import { parseRoute } from './routes.js';

/**
 * The limits set on concurrency keys. A rule's key is exact (`model:gpt2`) or a prefix ending in
 * `*` (`bot:*`) whose limits apply to each matching key on its own; the exact rule wins, then the
 * longest prefix.
 */
export class Limits {
  private readonly rules = new Map<string, Limit>();

  constructor(initial: Limit[] = []) {
    for (const l of initial) this.rules.set(l.key, l);
  }

  set(limit: Limit): void {
    this.rules.set(limit.key, limit);
  }

  delete(key: string): boolean {
    return this.rules.delete(key);
  }

  list(): Limit[] {
    return [...this.rules.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  /** The rule that governs this key, or null. */
  match(key: string | null): Limit | null {
    if (key === null) return null;
    const exact = this.rules.get(key);
    if (exact) return exact;
    let best: Limit | null = null;
    for (const rule of this.rules.values()) {
      if (!rule.key.endsWith('*')) continue;
      const prefix = rule.key.slice(0, -1);
      if (key.startsWith(prefix) && (!best || prefix.length > best.key.length - 1)) best = rule;
    }
    return best;
  }

  /** A route with the limits of the key it carries, as a claim needs it. */
  claimFor(route: string): RouteClaim {
    const { key } = parseRoute(route);
    const rule = this.match(key);
    return { route, key, concurrency: rule?.concurrency ?? null, rate: rule?.rate ?? null };
  }
}

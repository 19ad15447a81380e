import type { Limit, RouteClaim } from '../types/limits.js';
import { parseRoute } from './taskRoutes.js';

/** Whether the rule keyed `rule` (exact, or a prefix ending in `*`) applies to `key`. */
export function ruleCovers(rule: string, key: string): boolean {
  return rule.endsWith('*') ? key.startsWith(rule.slice(0, -1)) : rule === key;
}

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

  /** All rules at once, as the store has them (another hub changed one). */
  replace(limits: Limit[]): void {
    this.rules.clear();
    for (const l of limits) this.rules.set(l.key, l);
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
      if (rule.key.endsWith('*') && ruleCovers(rule.key, key) && (!best || rule.key.length > best.key.length))
        best = rule;
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

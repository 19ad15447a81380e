// Flow control: the limits a concurrency key runs under, and what a claim reads and skips by them.

export interface Rate {
  count: number;
  intervalMs: number;
}

export interface Limit {
  /** An exact key, or a prefix ending in `*` whose limits apply to each matching key on its own. */
  key: string;
  concurrency: number | null;
  rate: Rate | null;
}

/** One route a claim may read, with the limits of the key it carries. */
export interface RouteClaim {
  route: string;
  key: string | null;
  concurrency: number | null;
  rate: Rate | null;
}

/** A route a claim skipped: its key is at its concurrency limit, or out of rate until `until`. */
export interface Blocked {
  route: string;
  key: string;
  reason: 'concurrency' | 'rate';
  until: number | null;
}

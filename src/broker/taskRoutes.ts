import type { Capability } from '../types/workers.js';
import type { Labels } from '../types/jobs.js';

/**
 * A route is a kind plus the labels its jobs require, as one string. Ready tasks are indexed by
 * route, so a claim reads the head of each route a worker can serve instead of filtering labels
 * row by row.
 */
export function routeOf(kind: string, requires: Labels | null | undefined, limitedKey: string | null = null): string {
  const keys = requires ? Object.keys(requires).sort() : [];
  const labels = keys.map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(requires![k]!)}`).join('&');
  // A key under a limit gets a queue of its own, so a key at its limit never blocks the others.
  return `${kind}${labels ? `?${labels}` : ''}${limitedKey === null ? '' : `#${limitedKey}`}`;
}

export function parseRoute(route: string): { kind: string; requires: Labels; key: string | null } {
  // Everything before the first '#' is kind and encoded labels; the key after it is raw.
  const hash = route.indexOf('#');
  const base = hash < 0 ? route : route.slice(0, hash);
  const key = hash < 0 ? null : route.slice(hash + 1);
  const q = base.indexOf('?');
  if (q < 0) return { kind: base, requires: {}, key };
  const requires: Labels = {};
  for (const pair of base.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    requires[decodeURIComponent(pair.slice(0, eq))] = decodeURIComponent(pair.slice(eq + 1));
  }
  return { kind: base.slice(0, q), requires, key };
}

/** True when one of the capabilities offers the kind with every required label. */
export function serves(capabilities: readonly Capability[], kind: string, requires: Labels): boolean {
  return capabilities.some((c) => c.kind === kind && Object.entries(requires).every(([k, v]) => c.labels[k] === v));
}

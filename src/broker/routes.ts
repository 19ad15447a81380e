import type { Capability, Labels } from '../types.js';

/**
 * A route is a kind plus the labels its jobs require, as one string. Ready tasks are indexed by
 * route, so a claim reads the head of each route a worker can serve instead of filtering labels
 * row by row.
 */
export function routeOf(kind: string, requires: Labels | null | undefined): string {
  if (!requires) return kind;
  const keys = Object.keys(requires).sort();
  if (keys.length === 0) return kind;
  return `${kind}?${keys.map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(requires[k]!)}`).join('&')}`;
}

export function parseRoute(route: string): { kind: string; requires: Labels } {
  const q = route.indexOf('?');
  if (q < 0) return { kind: route, requires: {} };
  const requires: Labels = {};
  for (const pair of route.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    requires[decodeURIComponent(pair.slice(0, eq))] = decodeURIComponent(pair.slice(eq + 1));
  }
  return { kind: route.slice(0, q), requires };
}

/** True when one of the capabilities offers the kind with every required label. */
export function serves(capabilities: readonly Capability[], kind: string, requires: Labels): boolean {
  return capabilities.some(
    (c) => c.kind === kind && Object.entries(requires).every(([k, v]) => c.labels[k] === v),
  );
}

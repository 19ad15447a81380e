/**
 * A latency histogram that adds up: across kinds, hubs and minutes, so per-minute rollups written
 * by several hubs still give a fair p50 and p99. Keys are bucket upper bounds in milliseconds
 * (a 1-1.2-1.5-2-2.5-3-4-5-6-8 series per decade, so a quantile is off by at most a bucket's
 * width, under 25%); only buckets that were hit are kept, so the JSON stays small. Latencies are
 * whole milliseconds (differences of Date.now()), which the quantiles take into account.
 */
export type LatencyHistogram = Record<string, number>;

const MANTISSAS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8];
/** Upper bounds in ms, ascending, from 0 up to about two hours; anything above lands in '+Inf'. */
export const LATENCY_BOUNDS: readonly number[] = [
  0,
  ...Array.from({ length: 7 }, (_, e) => MANTISSAS.map((m) => m * 10 ** e)).flat(),
];
const OVERFLOW = '+Inf';

function boundOf(ms: number): string {
  let lo = 0;
  let hi = LATENCY_BOUNDS.length - 1;
  if (ms > LATENCY_BOUNDS[hi]!) return OVERFLOW;
  // The first bound at or above ms.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (LATENCY_BOUNDS[mid]! >= ms) hi = mid;
    else lo = mid + 1;
  }
  return String(LATENCY_BOUNDS[lo]);
}

export function addLatency(h: LatencyHistogram, ms: number): void {
  const key = boundOf(Math.max(0, ms));
  h[key] = (h[key] ?? 0) + 1;
}

export function mergeInto(into: LatencyHistogram, from: LatencyHistogram): LatencyHistogram {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
  return into;
}

/**
 * The q-quantile (0..1), interpolated between the whole milliseconds its bucket holds (a bucket
 * such as (0, 1] holds only 1, so all-1 ms samples give 1, not 0.5); null when empty.
 */
export function quantile(h: LatencyHistogram, q: number): number | null {
  const buckets = Object.entries(h)
    .map(([k, n]) => [k === OVERFLOW ? Infinity : Number(k), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const [bound, n] of buckets) {
    if (seen + n >= rank) {
      if (bound === Infinity) return LATENCY_BOUNDS.at(-1)!;
      const i = LATENCY_BOUNDS.indexOf(bound);
      const lowest = i > 0 ? Math.floor(LATENCY_BOUNDS[i - 1]!) + 1 : 0;
      const highest = Math.floor(bound);
      return lowest + ((highest - lowest) * (rank - seen)) / n;
    }
    seen += n;
  }
  return buckets.at(-1)![0];
}

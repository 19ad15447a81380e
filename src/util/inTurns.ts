import { setImmediate as nextTurn } from 'node:timers/promises';

/** Jobs of a batch handled in one turn of the event loop (built, bound, serialised). */
export const TURN_JOBS = 100;

/**
 * Work over a large array spread across turns of the event loop, `per` items a turn, so that one
 * request's batch of 1000 jobs never holds the hub for more than a fraction of a millisecond per
 * step (issue 16, item 15; docs/benchmarks.md, "Creating a large batch"). An array of `per` items
 * or fewer is done in the caller's turn.
 */
export async function mapInTurns<T, U>(
  items: readonly T[],
  per: number,
  fn: (item: T, index: number) => U,
): Promise<U[]> {
  const out = new Array<U>(items.length);
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % per === 0) await nextTurn();
    out[i] = fn(items[i]!, i);
  }
  return out;
}

/** JSON.stringify(items), `per` items a turn: the same text. */
export async function stringifyInTurns(items: readonly unknown[], per: number): Promise<string> {
  return `[${(await mapInTurns(items, per, (item) => JSON.stringify(item))).join(',')}]`;
}

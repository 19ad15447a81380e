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

/**
 * `head` + JSON.stringify(items) + `tail` as UTF-8, `per` items stringified a turn (one call per
 * slice, not per item). Bytes rather than a string: a string reply of a large batch was copied
 * twice more on its way out (flattened by the framework, then joined with the headers), and the
 * copies filled the young generation while the batch's objects were still alive.
 */
export async function jsonInTurns(head: string, items: readonly unknown[], per: number, tail: string): Promise<Buffer> {
  const parts: string[] = [];
  for (let i = 0; i === 0 || i < items.length; i += per) {
    if (i > 0) await nextTurn();
    parts.push(JSON.stringify(items.slice(i, i + per)));
  }
  // Each slice's '[' is written over the previous one's ']', then made a ','.
  let size = Buffer.byteLength(head) + Buffer.byteLength(tail) - (parts.length - 1);
  for (const p of parts) size += Buffer.byteLength(p);
  const out = Buffer.allocUnsafe(size);
  let at = out.write(head);
  for (const [k, p] of parts.entries()) {
    if (k > 0) at--;
    const start = at;
    at += out.write(p, at);
    if (k > 0) out[start] = 0x2c; // ','
  }
  out.write(tail, at);
  return out;
}

/**
 * How a streaming backend reports generated text (src/worker/backends/llm.ts, PartialStream): the
 * first piece at once, later pieces held while a report is on its way and sent together after it,
 * so a fast model makes one request per round trip (and gap), never one per token, and every
 * character arrives once, in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartialStream, type TextPartial } from '../../src/worker/backends/llm.js';
import type { TaskContext } from '../../src/worker/handler.js';
import { until } from '../bots/botHelpers.js';

test('pieces pushed while a report is in flight go out together once it is delivered', async () => {
  const reports: TextPartial[] = [];
  const deliver: Array<() => void> = [];
  const ctx = {
    progress: (_p: number, partial: unknown) => {
      reports.push(partial as TextPartial);
      return new Promise<void>((r) => deliver.push(r));
    },
  } as unknown as TaskContext;
  const stream = new PartialStream(ctx, 10);
  stream.push('Once');
  await until('the first piece is reported', async () => reports.length === 1);
  for (const t of [' upon', ' a', ' time']) stream.push(t);
  await new Promise((r) => setTimeout(r, 50)); // longer than the 20 ms gap: a report would have gone
  assert.deepEqual(reports, [{ offset: 0, text: 'Once' }], 'nothing more while the first is on its way');
  deliver.shift()!();
  await until('the held pieces are reported', async () => reports.length === 2);
  assert.deepEqual(reports[1], { offset: 4, text: ' upon a time' });
  deliver.shift()!();
  stream.push(',');
  await until('a later piece is reported', async () => reports.length === 3);
  assert.deepEqual(reports[2], { offset: 16, text: ',' });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FeedItem } from '../../src/types.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { writeBot } from './botHelpers.js';

let t: TestHub;
before(async () => {
  t = await startTestHub({ botPollMs: 200 });
});
after(() => t.close());

const ITEMS = 30;

/** A consumer of the feed `numbers` taking up to `perRun` items a run, each kept in state then acknowledged. */
function consumer(name: string, perRun: number): string {
  return writeBot(
    join(t.dataDir, 'src'),
    name,
    `{ name: '${name}', async onSchedule(ctx) {
      for (const { seq, item } of await ctx.feeds.read('numbers', ${perRun})) {
        await ctx.state.set('seen', [...((await ctx.state.get('seen')) ?? []), item]);
        await ctx.feeds.ack('numbers', seq);
      } } }`,
  );
}

const seen = async (name: string) =>
  (await t.admin.get<{ state: { seen?: number[] } }>(`/v1/bots/${name}/state`)).state.seen ?? [];
const run = (name: string) => t.admin.post(`/v1/bots/${name}/run`, undefined, { timeoutMs: 60_000 });

/** Runs the bot until it has seen every item; each run is awaited, so no clock is involved. */
async function drain(name: string, midway?: () => Promise<unknown>): Promise<number> {
  let runs = 0;
  while ((await seen(name)).length < ITEMS) {
    await run(name);
    if (++runs === 5) await midway?.();
  }
  return runs;
}

test(
  'two consumers of one feed at different speeds each see every item once, in order, with their own cursors',
  { timeout: 90_000 },
  async () => {
    await t.admin.post('/v1/bots', { name: 'fast', from: consumer('fast', 100) });
    await t.admin.post('/v1/bots', { name: 'slow', from: consumer('slow', 1) });
    const publisher = (async () => {
      for (let n = 1; n <= ITEMS; n++) await t.admin.post('/v1/feeds/numbers/items', { items: [n] });
    })();
    // The slow one is restarted on the way: its cursor is durable, not in its thread.
    const [, , slowRuns] = await Promise.all([
      publisher,
      drain('fast'),
      drain('slow', async () => {
        await t.admin.post('/v1/bots/slow/pause');
        await t.admin.post('/v1/bots/slow/resume');
      }),
    ]);
    const all = Array.from({ length: ITEMS }, (_, i) => i + 1);
    assert.deepEqual(await seen('fast'), all);
    assert.deepEqual(await seen('slow'), all);
    assert.ok(slowRuns >= ITEMS, `the slow consumer took one item a run (${slowRuns} runs)`);
    for (const name of ['fast', 'slow']) {
      const { items } = await t.admin.get<{ items: FeedItem[] }>(`/v1/feeds/numbers/items?consumer=${name}`);
      assert.deepEqual(items, [], `${name}'s cursor is at the end`);
    }
    const { items } = await t.admin.get<{ items: FeedItem[] }>('/v1/feeds/numbers/items?consumer=latecomer&limit=1000');
    assert.deepEqual(
      items.map((i) => i.item),
      all,
      'a new consumer starts from the first item',
    );
  },
);

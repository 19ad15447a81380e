import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HubClient } from '../../src/client/hubClient.js';
import type { FeedItem, SandboxPost } from '../../src/types.js';
import { allPosts, writeBot } from '../bots/botHelpers.js';
import { cleanupProcesses, dumpOnFailure, freePort, makeTempDir, startHubProcess } from '../helpers/processes.js';
import { pollUntil } from './support.js';

after(cleanupProcesses);

const LINES = 400;
/** Posts seen before the kill: well into the run, far from its end. */
const KILL_AT = 40;

// A bot posts what it reads from a feed, acknowledging each item after posting it. The ledger
// (written before each send) and the cursor (moved after) must together survive a kill -9 at any
// point of that loop.
test(
  'kill -9 of the hub in the middle of a bot posting run: no duplicate post after the restart, the cursor resumes where it was',
  { timeout: 120_000 },
  () =>
    dumpOnFailure(async () => {
      const dataDir = makeTempDir();
      const botsDir = join(dataDir, 'bots');
      writeBot(
        botsDir,
        'poster',
        `{ name: 'poster', async onSchedule(ctx) {
        for (const { seq, item } of await ctx.feeds.read('lines', 1000)) {
          await ctx.post(item);
          await ctx.feeds.ack('lines', seq);
        } } }`,
      );
      const port = await freePort();
      const args = ['--bots', botsDir];
      let hub = await startHubProcess({ dataDir, port, args, name: 'hub' });
      let admin = new HubClient(hub.url, hub.adminToken);
      const lines = Array.from({ length: LINES }, (_, i) => `line ${i + 1}`);
      await admin.post('/v1/feeds/lines/items', { items: lines });
      await pollUntil(
        'the bot is running',
        async () => (await admin.get<{ running: boolean }>('/v1/bots/poster')).running,
        30_000,
        20,
      );

      // The run's request is cut off by the kill; its answer is not awaited.
      void admin.post('/v1/bots/poster/run', undefined, { timeoutMs: 120_000 }).catch(() => undefined);
      await pollUntil(
        `${KILL_AT} posts made`,
        async () =>
          ((await admin.get<{ posts: SandboxPost[] }>('/v1/sandbox/posts?limit=1')).posts[0]?.id ?? 0) >= KILL_AT,
        60_000,
      );
      assert.ok(hub.kill('SIGKILL'));
      assert.equal((await hub.handle.waitForExit(10_000)).signal, 'SIGKILL');

      hub = await startHubProcess({ dataDir, port, args, name: 'hub (restarted)' });
      admin = new HubClient(hub.url, hub.adminToken);
      const before = (await allPosts(admin)).map((p) => p.text);
      assert.ok(
        before.length >= KILL_AT && before.length < LINES,
        `killed in the middle of the run: ${before.length} of ${LINES} posted`,
      );
      assert.deepEqual(before, lines.slice(0, before.length), 'posted in order, none twice');
      const { items } = await admin.get<{ items: FeedItem[] }>('/v1/feeds/lines/items?consumer=poster&limit=1');
      const next = items[0]!.seq;
      // The cursor is at the last item posted, or one before it when the kill came between a post
      // and its acknowledgement; the ledger then finds that post on the platform.
      assert.ok(
        next === before.length + 1 || next === before.length,
        `the cursor resumes at item ${next} after ${before.length} posts`,
      );

      await admin.post('/v1/bots/poster/run', undefined, { timeoutMs: 120_000 });
      const after = (await allPosts(admin)).map((p) => p.text);
      assert.deepEqual(after, lines, 'every line posted exactly once across the kill');
      assert.deepEqual(
        (await admin.get<{ items: FeedItem[] }>('/v1/feeds/lines/items?consumer=poster')).items,
        [],
        'the cursor reached the end',
      );
    }),
);

/**
 * The connector contract: what every connector must do, run against each of CONNECTORS (the
 * sandbox first) through a hub's accounts and proxy, as bots use them. A platform that cannot do
 * something (an RSS feed cannot post) says so in its capabilities, and those tests say they do
 * not apply rather than pass.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendOnce } from '../../../src/bots/ledger.js';
import { contentHash, idempotencyKey, type Connector, type PlatformEvent } from '../../../src/platforms/connector.js';
import { AuthError, PlatformRefusal } from '../../../src/platforms/errors.js';
import type { BotStore } from '../../../src/store/botStore.js';
import { openBotStores, openPlatformStore } from '../../../src/store/openBotStores.js';
import { startTestHub, type TestHub } from '../../helpers/inProcessHub.js';
import { CONNECTORS, type Harness } from './connectors.js';

/** Polls from the cursor until nothing new comes; returns the cursor and every event seen. */
async function drain(c: Connector, cursor: string | null): Promise<{ cursor: string | null; events: PlatformEvent[] }> {
  const events: PlatformEvent[] = [];
  for (let i = 0; i < 50; i++) {
    const page = await c.poll(cursor, 100);
    events.push(...page.events);
    if (page.events.length === 0 && page.cursor === cursor) return { cursor, events };
    cursor = page.cursor;
  }
  throw new Error('the poll never settled');
}

const texts = (events: PlatformEvent[], mark: string) =>
  events.filter((e) => e.post.text.includes(mark)).map((e) => e.post.text.slice(e.post.text.indexOf(mark)));

// ROOST_CONTRACT=NAME runs the contract of the connectors whose name starts with NAME only.
const only = process.env.ROOST_CONTRACT;
for (const entry of CONNECTORS.filter((c) => !only || c.name.startsWith(only))) {
  describe(`connector contract: ${entry.name}`, () => {
    let t: TestHub;
    let h: Harness;
    let bots: BotStore;
    let caps: Connector['capabilities'];
    const BOT = 'contract';
    before(async () => {
      t = await startTestHub();
      h = await entry.setup(t);
      bots = openBotStores(t.hub.broker.store).bots;
      await bots.createBot(BOT, '/nonexistent/contract.js', Date.now());
      caps = (await h.connect()).capabilities;
    });
    after(async () => {
      await h.close();
      await t.close();
    });

    test('poll with a durable cursor across a restart: nothing missed, nothing repeated', async () => {
      const first = await h.connect();
      let { cursor } = await drain(first, null);
      await h.incoming('cursor-one');
      await h.incoming('cursor-two');
      const page = await first.poll(cursor, 100);
      assert.deepEqual(texts(page.events, 'cursor-'), ['cursor-one', 'cursor-two'], 'oldest first');
      // Only the first is handled before the "crash": its cursor is what was stored.
      cursor = page.events.find((e) => e.post.text.includes('cursor-one'))!.cursor;
      const again = await h.connect();
      await h.incoming('cursor-three');
      const after = await drain(again, cursor);
      assert.deepEqual(texts(after.events, 'cursor-'), ['cursor-two', 'cursor-three']);
      assert.deepEqual((await drain(again, after.cursor)).events, [], 'from the last cursor, nothing again');
    });

    test('post and reply through the ledger', async (tc) => {
      if (!caps.post) return tc.skip(`does not apply: ${entry.name} cannot post`);
      const c = await h.connect();
      const posted = await sendOnce(
        bots,
        BOT,
        c,
        { kind: 'post', to: null, draft: { text: 'contract post' }, key: 'p1' },
        Date.now,
      );
      assert.equal(posted.duplicate, false);
      assert.equal(await h.sentWith('contract post'), 1);
      const { cursor } = await drain(c, null);
      await h.incoming('reply-to-me');
      const { events } = await drain(c, cursor);
      const asked = events.find((e) => e.post.text.includes('reply-to-me'))!;
      const reply = await sendOnce(
        bots,
        BOT,
        c,
        { kind: 'post', to: null, draft: { text: 'contract answer', replyTo: asked.post.id }, key: 'r1' },
        Date.now,
      );
      assert.equal(reply.replyTo, asked.post.id);
      const again = await sendOnce(
        bots,
        BOT,
        c,
        { kind: 'post', to: null, draft: { text: 'contract answer', replyTo: asked.post.id }, key: 'r1' },
        Date.now,
      );
      assert.deepEqual([again.duplicate, again.id], [true, reply.id], 'a key posted once is not posted again');
      assert.equal(await h.sentWith('contract answer'), 1);
    });

    test('at most once: a crash between sending and recording does not post twice', async (tc) => {
      if (!caps.post) return tc.skip(`does not apply: ${entry.name} cannot post`);
      const text = `sent before the crash ${entry.name.length}`;
      const key = 'crash-1';
      const platform = (await h.connect()).platform;
      const hash = contentHash(platform, null, text);
      // What sendOnce does up to the crash: the intent written, the post sent, never confirmed.
      const { entry: intent } = await bots.beginLedger({
        bot: BOT,
        key,
        hash,
        platform,
        createdAt: Date.now(),
      });
      await (
        await h.connect()
      ).send({ text }, { key, idempotencyKey: idempotencyKey(BOT, key), hash, createdAt: intent.createdAt });
      assert.equal((await bots.getLedger(BOT, key))!.state, 'pending');
      const restarted = await h.connect();
      const sent = await sendOnce(bots, BOT, restarted, { kind: 'post', to: null, draft: { text }, key }, Date.now);
      assert.equal(sent.duplicate, true, 'found on the platform, not sent again');
      assert.equal(await h.sentWith(text), 1);
      assert.equal((await bots.getLedger(BOT, key))!.state, 'confirmed');
    });

    test('a post the platform cannot take is refused before anything is sent, naming what', async (tc) => {
      const c = await h.connect();
      if (!caps.post) {
        const e = await sendOnce(
          bots,
          BOT,
          c,
          { kind: 'post', to: null, draft: { text: 'x' }, key: 'ro' },
          Date.now,
        ).catch((e: unknown) => e);
        assert.ok(e instanceof PlatformRefusal, String(e));
        return;
      }
      const long = 'x'.repeat(caps.maxText + 1);
      const e = await sendOnce(
        bots,
        BOT,
        c,
        { kind: 'post', to: null, draft: { text: long }, key: 'long' },
        Date.now,
      ).catch((e: unknown) => e);
      assert.ok(e instanceof PlatformRefusal && e.field === 'text', String(e));
      assert.match((e as Error).message, new RegExp(`at most ${caps.maxText} characters`));
      assert.equal(await h.sentWith(long), 0);
      if (!caps.fields.includes('images')) {
        const img = await sendOnce(
          bots,
          BOT,
          c,
          { kind: 'post', to: null, draft: { text: 'pic', images: [{ data: new Uint8Array([1]) }] }, key: 'img' },
          Date.now,
        ).catch((e: unknown) => e);
        assert.ok(img instanceof PlatformRefusal && img.field === 'images', String(img));
      }
      tc.diagnostic(`refused past ${caps.maxText} characters`);
    });

    test('a 429 waits as the platform says and loses nothing', async (tc) => {
      if (!h.rateLimitNext)
        return tc.skip('does not apply: the platform answers no 429 (in-process; IRC paces lines instead)');
      const c = await h.connect();
      const { cursor } = await drain(c, null);
      await h.incoming('after-429');
      h.rateLimitNext();
      const started = Date.now();
      const { events } = await drain(c, cursor);
      assert.deepEqual(texts(events, 'after-429'), ['after-429']);
      assert.ok(Date.now() - started >= 900, 'it waited for Retry-After (1 s)');
      const calls = await openPlatformStore(t.hub.broker.store).listCalls({ account: 'contract-bot', limit: 50 });
      assert.ok(
        calls.some((x) => x.status === 429),
        'the 429 is recorded',
      );
      if (caps.post) {
        h.rateLimitNext();
        await sendOnce(
          bots,
          BOT,
          c,
          { kind: 'post', to: null, draft: { text: 'posted through a 429' }, key: 'p429' },
          Date.now,
        );
        assert.equal(await h.sentWith('posted through a 429'), 1);
      }
    });

    test('bad credentials give a clear error naming the account', async (tc) => {
      const bad = h.badCredentials();
      if (!bad) return tc.skip('does not apply: the sandbox has no credentials');
      const c = await bad;
      const e = await c.whoami().catch((e: unknown) => e);
      assert.ok(e instanceof AuthError, String(e));
      assert.match((e as Error).message, /account 'contract-bad'/);
      assert.ok((await c.poll('0', 10).catch((e: unknown) => e)) instanceof AuthError);
    });
  });
}

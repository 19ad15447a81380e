import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BotStore, SandboxStore } from '../../src/store/botStore.js';

export interface BotStoreFactory {
  name: string;
  /** Fresh, empty stores; close() closes what open() opened. */
  open(): Promise<{ bots: BotStore; sandbox: SandboxStore; close: () => Promise<void> }>;
}

const T0 = 1_700_000_000_000;

/** Every bot store adapter passes this suite. */
export function botStoreContract(factory: BotStoreFactory): void {
  describe(`bot store contract: ${factory.name}`, () => {
    let bots: BotStore;
    let sandbox: SandboxStore;
    let close: () => Promise<void>;
    before(async () => {
      ({ bots, sandbox, close } = await factory.open());
    });
    after(() => close());
    let n = 0;
    /** Each test makes its own bot so no test sees another's rows. */
    const newBot = async () => {
      const name = `bot${++n}`;
      assert.equal(await bots.createBot(name, `/bots/${name}.js`, T0), true);
      return name;
    };

    test('a bot is created once, listed, paused and resumed, and counts starts, runs and errors', async () => {
      const name = await newBot();
      assert.equal(
        await bots.createBot(name, '/elsewhere.js', T0),
        false,
        'a second create with the same name is refused',
      );
      assert.equal((await bots.getBot(name))!.module, `/bots/${name}.js`);
      assert.ok((await bots.listBots()).some((b) => b.name === name));
      assert.equal(await bots.setPaused(name, true), true);
      assert.equal((await bots.getBot(name))!.paused, true);
      assert.equal(await bots.setPaused('nobody', true), false);
      await bots.recordBotEvent(name, { type: 'start', restart: false });
      await bots.recordBotEvent(name, { type: 'start', restart: true });
      await bots.recordBotEvent(name, { type: 'run', at: T0 + 5, scheduledAt: T0 });
      await bots.recordBotEvent(name, { type: 'run', at: T0 + 9, scheduledAt: null });
      await bots.recordBotEvent(name, { type: 'error', at: T0 + 7, message: 'boom' });
      const b = (await bots.getBot(name))!;
      assert.deepEqual(
        [b.starts, b.restarts, b.runs, b.errors, b.lastError, b.lastRunAt, b.lastScheduledAt],
        [2, 1, 2, 1, 'boom', T0 + 9, T0],
        'an unscheduled run leaves the last schedule time alone',
      );
    });

    test('state is JSON per bot and key; undefined deletes a key', async () => {
      const [a, b] = [await newBot(), await newBot()];
      await bots.setState(a, 'count', { n: 1 }, T0);
      await bots.setState(a, 'count', { n: 2 }, T0);
      await bots.setState(b, 'count', 'other', T0);
      assert.deepEqual(await bots.getState(a, 'count'), { n: 2 });
      assert.deepEqual(await bots.listState(b), { count: 'other' });
      await bots.setState(a, 'count', undefined, T0);
      assert.equal(await bots.getState(a, 'count'), undefined);
      await bots.setCursor(a, 'sandbox', '17');
      assert.equal(await bots.getCursor(a, 'sandbox'), '17');
      assert.equal(await bots.getCursor(b, 'sandbox'), null);
    });

    test('feed cursors: two consumers read at their own pace and move only when they ack', async () => {
      const owner = await newBot();
      const feed = `${owner}.words`;
      assert.deepEqual(await bots.publish(feed, owner, ['a', 'b'], T0), [1, 2]);
      assert.deepEqual(await bots.publish(feed, owner, ['c'], T0), [3]);
      const first = await bots.readFeed(feed, 'fast', 10);
      assert.deepEqual(
        first.map((i) => i.item),
        ['a', 'b', 'c'],
      );
      assert.deepEqual(
        (await bots.readFeed(feed, 'fast', 10)).length,
        3,
        'reading without an ack reads the same items again',
      );
      assert.equal(await bots.ack(feed, 'fast', 3), true);
      assert.equal(await bots.ack(feed, 'slow', 1), true);
      assert.deepEqual(await bots.readFeed(feed, 'fast', 10), []);
      assert.deepEqual(
        (await bots.readFeed(feed, 'slow', 1)).map((i) => i.seq),
        [2],
      );
      assert.equal(await bots.ack(feed, 'slow', 0), false, 'no item 0');
      assert.equal(await bots.ack(feed, 'slow', 4), false, 'no item 4 yet');
      await bots.ack(feed, 'fast', 1);
      assert.deepEqual(await bots.readFeed(feed, 'fast', 10), [], 'an old ack never moves a cursor back');
      assert.deepEqual(await bots.readFeed('no.such.feed', 'fast', 10), []);
    });

    test('an exclusive publish writes only a new feed or one its owner owns; others are left untouched', async () => {
      const owner = await newBot();
      const other = await newBot();
      assert.deepEqual(await bots.publish(`${owner}.mine`, owner, ['a'], T0, true), [1], 'a new feed is created');
      assert.deepEqual(await bots.publish(`${owner}.mine`, owner, ['b'], T0, true), [2]);
      assert.equal(await bots.publish(`${owner}.mine`, other, ['x'], T0, true), null, "another bot's feed");
      await bots.publish(`${owner}.open`, null, ['o'], T0);
      assert.equal(await bots.publish(`${owner}.open`, owner, ['x'], T0, true), null, 'a feed of no bot');
      assert.deepEqual(
        (await bots.readFeed(`${owner}.mine`, 'r', 10)).map((i) => i.item),
        ['a', 'b'],
      );
      assert.deepEqual(
        (await bots.readFeed(`${owner}.open`, 'r', 10)).map((i) => i.item),
        ['o'],
      );
      assert.deepEqual(await bots.publish(`${owner}.mine`, other, ['y'], T0), [3], 'not exclusive: as before');
    });

    test('ledger: an entry is written pending once, then confirmed with the post id', async () => {
      const bot = await newBot();
      const entry = { bot, key: 'ask:1', hash: 'h1', platform: 'sandbox', createdAt: T0 };
      const first = await bots.beginLedger(entry);
      assert.equal(first.created, true);
      assert.equal(first.entry.state, 'pending');
      const again = await bots.beginLedger({ ...entry, hash: 'h2' });
      assert.equal(again.created, false);
      assert.equal(again.entry.hash, 'h1', 'the first write wins');
      assert.deepEqual(
        (await bots.pendingLedger(bot)).map((e) => e.key),
        ['ask:1'],
      );
      await bots.confirmLedger(bot, 'ask:1', '42', T0 + 1);
      const done = (await bots.getLedger(bot, 'ask:1'))!;
      assert.deepEqual([done.state, done.postId, done.confirmedAt], ['confirmed', '42', T0 + 1]);
      assert.deepEqual(await bots.pendingLedger(bot), []);
    });

    test('racing writes: one ledger entry per key, and distinct feed seqs in one run from 1', async () => {
      const bot = await newBot();
      const begins = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          bots.beginLedger({ bot, key: 'ask:race', hash: `h${i}`, platform: 'sandbox', createdAt: T0 }),
        ),
      );
      assert.equal(begins.filter((b) => b.created).length, 1, 'exactly one writer creates the entry');
      assert.equal(new Set(begins.map((b) => b.entry.hash)).size, 1, 'every writer reads the one entry stored');
      const feed = `${bot}.race`;
      const published = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => (await bots.publish(feed, bot, [`${i}a`, `${i}b`], T0))!),
      );
      assert.deepEqual(
        published.flat().sort((x, y) => x - y),
        Array.from({ length: 16 }, (_, i) => i + 1),
        'no seq handed out twice or skipped',
      );
      const bySeq = new Map((await bots.readFeed(feed, 'reader', 100)).map((i) => [i.seq, i.item]));
      published.forEach(([a, b], i) =>
        assert.deepEqual(
          [bySeq.get(a!), bySeq.get(b!), b! - a!],
          [`${i}a`, `${i}b`, 1],
          'each publish got its own run of seqs',
        ),
      );
    });

    test('ledger: the posts a bot made are its confirmed entries', async () => {
      const bot = await newBot();
      assert.equal(await bots.countPosts(bot), 0);
      for (const key of ['a', 'b', 'c'])
        await bots.beginLedger({ bot, key, hash: key, platform: 'sandbox', createdAt: T0 });
      await bots.confirmLedger(bot, 'a', '1', T0);
      await bots.confirmLedger(bot, 'b', '2', T0);
      assert.equal(await bots.countPosts(bot), 2, 'a pending entry is not a post yet');
      assert.equal(await bots.countPosts(await newBot()), 0);
    });

    test('logs are stored per bot and read by time and after an id', async () => {
      const [a, b] = [await newBot(), await newBot()];
      await bots.appendLogs([
        { bot: a, at: T0, level: 'info', msg: 'one', data: { x: 1 } },
        { bot: b, at: T0, level: 'info', msg: 'other', data: undefined },
        { bot: a, at: T0 + 10, level: 'error', msg: 'two', data: undefined },
      ]);
      const all = await bots.readLogs(a, { limit: 10 });
      assert.deepEqual(
        all.map((l) => [l.msg, l.level, l.data]),
        [
          ['one', 'info', { x: 1 }],
          ['two', 'error', null],
        ],
      );
      assert.deepEqual(
        (await bots.readLogs(a, { since: T0 + 5, limit: 10 })).map((l) => l.msg),
        ['two'],
      );
      assert.deepEqual(
        (await bots.readLogs(a, { afterId: all[0]!.id, limit: 10 })).map((l) => l.msg),
        ['two'],
      );
    });

    test('destroying a bot removes its state, cursors, owned feeds, ledger and log', async () => {
      const bot = await newBot();
      const other = await newBot();
      await bots.setState(bot, 'k', 1, T0);
      await bots.setCursor(bot, 'sandbox', '3');
      await bots.publish(`${bot}.out`, bot, ['x'], T0);
      await bots.publish(`${other}.out`, other, ['y'], T0);
      await bots.ack(`${other}.out`, bot, 1);
      await bots.beginLedger({ bot, key: 'k', hash: 'h', platform: 'sandbox', createdAt: T0 });
      await bots.appendLogs([{ bot, at: T0, level: 'info', msg: 'm', data: undefined }]);
      assert.equal(await bots.deleteBot(bot), true);
      assert.equal(await bots.getBot(bot), null);
      assert.equal(await bots.deleteBot(bot), false);
      assert.equal(await bots.createBot(bot, '/again.js', T0), true, 'the name can be used again');
      assert.deepEqual(await bots.listState(bot), {});
      assert.equal(await bots.getCursor(bot, 'sandbox'), null);
      assert.deepEqual(await bots.readFeed(`${bot}.out`, 'anyone', 10), []);
      assert.equal(await bots.getLedger(bot, 'k'), null);
      assert.deepEqual(await bots.readLogs(bot, { limit: 10 }), []);
      assert.equal((await bots.readFeed(`${other}.out`, 'someone', 10)).length, 1, 'feeds of other bots stay');
    });

    test('sandbox: posts, replies, asks, mentions, likes and finding a post by its key', async () => {
      const { post } = await sandbox.insertPost({
        type: 'post',
        author: 'alice',
        recipient: null,
        replyTo: null,
        text: '@frank hi',
        mentions: ['frank'],
        key: null,
        createdAt: T0,
      });
      assert.deepEqual([post.author, post.mentions, post.likes], ['alice', ['frank'], []]);
      const { post: ask } = await sandbox.insertPost({
        type: 'ask',
        author: 'bob',
        recipient: 'frank',
        replyTo: null,
        text: 'why?',
        mentions: [],
        key: null,
        createdAt: T0,
      });
      const { post: reply } = await sandbox.insertPost({
        type: 'post',
        author: 'frank',
        recipient: null,
        replyTo: ask.id,
        text: 'because',
        mentions: [],
        key: 'ask:1',
        createdAt: T0,
      });
      assert.ok((await sandbox.listAccounts()).includes('frank'));
      assert.equal(await sandbox.like(reply.id, 'alice', T0), true);
      assert.equal(await sandbox.like(reply.id, 'alice', T0), false, 'liking twice counts once');
      assert.deepEqual((await sandbox.getPost(reply.id))!.likes, ['alice']);
      assert.deepEqual(
        (await sandbox.postsAfter(post.id, 10)).map((p) => p.id),
        [ask.id, reply.id],
      );
      assert.deepEqual(
        (await sandbox.timeline(null, 2)).map((p) => p.id),
        [reply.id, ask.id],
      );
      assert.deepEqual((await sandbox.timeline(ask.id, 10)).map((p) => p.id).slice(0, 1), [post.id]);
      assert.equal((await sandbox.findByKey('frank', 'ask:1'))!.id, reply.id);
      assert.equal(await sandbox.findByKey('alice', 'ask:1'), null);
      assert.equal(await sandbox.getPost(999_999), null);
    });

    test('sandbox: a key is posted at most once per author, even by concurrent inserts', async () => {
      const base = { type: 'post' as const, recipient: null, replyTo: null, mentions: [], createdAt: T0 };
      const tries = await Promise.all(
        ['one', 'two', 'three'].map((text) => sandbox.insertPost({ ...base, author: 'gina', text, key: 'once' })),
      );
      assert.deepEqual(tries.map((t) => t.created).sort(), [false, false, true]);
      assert.equal(new Set(tries.map((t) => t.post.id)).size, 1, 'every try answers the one post');
      const again = await sandbox.insertPost({ ...base, author: 'gina', text: 'other text', key: 'once' });
      assert.deepEqual(
        [again.created, again.post.id, again.post.text],
        [false, tries[0]!.post.id, tries[0]!.post.text],
      );
      const other = await sandbox.insertPost({ ...base, author: 'hank', text: 'one', key: 'once' });
      assert.equal(other.created, true, 'keys are per author');
    });
  });
}

/**
 * The Bluesky connector beyond the contract, against a real PDS and AppView (@atproto/dev-env):
 * the session resumed rather than logged in again, images as uploaded blobs, threads, likes and
 * reposts of the bot's posts as events, liking and reposting, and what Bluesky cannot take refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sendOnce } from '../../src/bots/ledger.js';
import type { PlatformEvent, PostDraft } from '../../src/platforms/connector.js';
import { PlatformRefusal } from '../../src/platforms/errors.js';
import type { BotStore } from '../../src/store/botStore.js';
import { openBotStores, openPlatformStore } from '../../src/store/openBotStores.js';
import { BlueskyNetwork, type BlueskyUser } from '../fixtures/blueskyNetwork.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

let t: TestHub;
let net: BlueskyNetwork;
let bot: BlueskyUser;
let someone: BlueskyUser;
let bots: BotStore;
let n = 0;
before(async () => {
  t = await startTestHub();
  net = await new BlueskyNetwork().start();
  bot = await net.createUser('skybot');
  someone = await net.createUser('someone');
  await t.hub.accounts.add({
    name: 'sky',
    platform: 'bluesky',
    instance: net.url,
    credentials: { identifier: bot.handle, appPassword: await net.appPassword(bot) },
  });
  bots = openBotStores(t.hub.broker.store).bots;
  await bots.createBot('s', '/nonexistent/s.js', Date.now());
});
after(async () => {
  await net.close();
  await t.close();
});

const connector = () => t.hub.accounts.connector('sky');
const send = async (draft: PostDraft) =>
  sendOnce(bots, 's', await connector(), { kind: 'post', to: null, draft, key: `k${++n}` }, Date.now);
const logins = async () =>
  (await openPlatformStore(t.hub.broker.store).listCalls({ account: 'sky', limit: 500 })).filter((c) =>
    c.method.includes('createSession'),
  ).length;

test('the session is stored and resumed by the next connector, not logged in again', async () => {
  const first = await connector();
  await first.whoami();
  const before = await logins();
  assert.ok(before >= 1);
  // The login was stored before whoami answered, which renewed the account: a fresh connector resumes it.
  const next = await connector();
  assert.notEqual(next, first, 'the stored session renewed the account');
  const me = await next.whoami();
  assert.equal(me.handle, bot.handle);
  assert.equal(await logins(), before, 'no second login');
});

test('images are uploaded as blobs and embedded with their alt text', async () => {
  const sent = await send({
    text: 'two pictures',
    images: [
      { data: new Uint8Array([137, 80, 78, 71, 1, 2, 3]), mime: 'image/png', alt: 'first' },
      { data: new Uint8Array([255, 216, 255, 4, 5]), mime: 'image/jpeg', alt: 'second' },
    ],
  });
  const record = (await net.postsOf(bot)).find((r) => r.uri === sent.id)!;
  const embed = record.value.embed as {
    $type: string;
    images: Array<{ alt: string; image: { mimeType: string; size: number } }>;
  };
  assert.equal(embed.$type, 'app.bsky.embed.images');
  assert.deepEqual(
    embed.images.map((i) => [i.alt, i.image.mimeType, i.image.size]),
    [
      ['first', 'image/png', 7],
      ['second', 'image/jpeg', 5],
    ],
  );
});

test('replies to replies stay in the thread of the first post', async () => {
  const first = await send({ text: 'a thread, 1/3' });
  const second = await send({ text: '2/3', replyTo: first.id });
  const third = await send({ text: '3/3', replyTo: second.id });
  const byUri = new Map((await net.postsOf(bot)).map((r) => [r.uri, r.value]));
  assert.deepEqual(
    [
      byUri.get(second.id)!.reply!.root.uri,
      byUri.get(third.id)!.reply!.root.uri,
      byUri.get(third.id)!.reply!.parent.uri,
    ],
    [first.id, first.id, second.id],
  );
});

test("likes and reposts of the bot's posts are events naming who; the bot likes and reposts", async () => {
  const c = await connector();
  let { cursor } = await c.poll(null, 100);
  const mine = await send({ text: 'like me' });
  const person = await net.agent(someone);
  const record = (await net.postsOf(bot)).find((r) => r.uri === mine.id)!;
  const cid = (
    await person.com.atproto.repo.getRecord({
      repo: bot.did,
      collection: 'app.bsky.feed.post',
      rkey: mine.id.split('/').pop()!,
    })
  ).data.cid!;
  assert.ok(record);
  await person.like(mine.id, cid);
  await person.repost(mine.id, cid);
  await net.processAll();
  const events: PlatformEvent[] = [];
  for (let i = 0; i < 5 && events.length < 2; i++) {
    const page = await c.poll(cursor, 100);
    events.push(...page.events);
    cursor = page.cursor;
  }
  assert.deepEqual(
    events.map((e) => [e.type, e.actor, e.post.id, e.post.text]),
    [
      ['like', someone.handle, mine.id, 'like me'],
      ['boost', someone.handle, mine.id, 'like me'],
    ],
  );
  const theirs = await net.post(someone, 'a post to like');
  await c.like!(theirs.uri);
  await c.boost!(theirs.uri);
  await net.processAll();
  assert.equal((await c.likesOf!([theirs.uri])).get(theirs.uri), 1);
  const reposts = await fetch(
    `${net.pds.url}/xrpc/com.atproto.repo.listRecords?repo=${bot.did}&collection=app.bsky.feed.repost`,
  ).then((r) => r.json() as Promise<{ records: Array<{ value: { subject: { uri: string } } }> }>);
  assert.ok(reposts.records.some((r) => r.value.subject.uri === theirs.uri));
});

test('what Bluesky cannot take is refused before anything is sent, naming the field', async () => {
  for (const [draft, field] of [
    [{ text: 'cw', contentWarning: 'spoilers' }, 'contentWarning'],
    [{ text: 'private', visibility: 'followers' }, 'visibility'],
    [{ text: 'five', images: Array(5).fill({ data: new Uint8Array([1]) }) }, 'images'],
    [{ text: 'big', images: [{ data: new Uint8Array(1_000_001) }] }, 'images'],
  ] as const) {
    const e = await send(draft as PostDraft).catch((e: unknown) => e);
    assert.ok(e instanceof PlatformRefusal && e.field === field, `${field}: ${String(e)}`);
  }
  const texts = (await net.postsOf(bot)).map((r) => r.value.text);
  assert.ok(!texts.some((x) => ['cw', 'private', 'five', 'big'].includes(x)));
});

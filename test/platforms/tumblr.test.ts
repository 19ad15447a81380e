/**
 * The Tumblr connector beyond the contract: OAuth 1.0a signing, who the account is, asks becoming
 * events once across a restart, answering an ask with tags, NPF image posts, reblogs and likes,
 * the daily post budget, 429s and refusals naming the field, against test/fixtures/tumblrFake.ts
 * (a documented-API fake: no Tumblr runs here).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendOnce } from '../../src/bots/ledger.js';
import type { Connector, PlatformEvent, PostDraft } from '../../src/platforms/connector.js';
import { InputError } from '../../src/errors.js';
import { PlatformRefusal } from '../../src/platforms/errors.js';
import { platformBudgets } from '../../src/platforms/budgets.js';
import { Pacer } from '../../src/platforms/proxy/pacing.js';
import { oauthHeader } from '../../src/platforms/tumblr/oauth1.js';
import type { ProxyResponse } from '../../src/platforms/proxy/platformProxy.js';
import { tumblrSignal } from '../../src/platforms/tumblr/tumblrApi.js';
import type { BotStore } from '../../src/store/botStore.js';
import { openBotStores, openPlatformStore } from '../../src/store/openBotStores.js';
import { until } from '../bots/botHelpers.js';
import { TumblrFake } from '../fixtures/tumblrFake.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

const KEYS = { consumerKey: 'ck', consumerSecret: 'cs', token: 'tok', tokenSecret: 'ts' };

test('OAuth 1.0a: the signer reproduces the worked example of Twitter\'s "Creating a signature" docs', () => {
  const header = oauthHeader(
    'POST',
    'https://api.twitter.com/1.1/statuses/update.json?include_entities=true',
    {
      consumerKey: 'xvz1evFS4wEEPTGEFPHBog',
      consumerSecret: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
      token: '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb',
      tokenSecret: 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
    },
    new URLSearchParams({ status: 'Hello Ladies + Gentlemen, a signed OAuth request!' }),
    { nonce: 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg', timestamp: 1318622958 },
  );
  assert.match(header, /oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"/);
});

test("the pacing signal is the consumer key's window with fewer calls left; a 429 waits for its reset", () => {
  const res = (status: number, h: Record<string, string>): ProxyResponse => ({
    status,
    headers: new Headers(h),
    text: '',
    json: <T>() => ({}) as T,
  });
  const h = (hour: number, day: number) => ({
    'x-ratelimit-perhour-limit': '1000',
    'x-ratelimit-perhour-remaining': String(hour),
    'x-ratelimit-perhour-reset': '600',
    'x-ratelimit-perday-limit': '5000',
    'x-ratelimit-perday-remaining': String(day),
    'x-ratelimit-perday-reset': '40000',
  });
  assert.deepEqual(tumblrSignal(res(200, h(900, 80)), 0), { limit: 5000, remaining: 80, resetAt: 40_000_000 });
  assert.deepEqual(tumblrSignal(res(429, h(0, 3000)), 0), {
    limit: 1000,
    remaining: 0,
    resetAt: 600_000,
    retryAfterMs: 600_000,
  });
  assert.equal(tumblrSignal(res(200, {}), 0), null);
});

test("the default budgets: an account's 251st post in a day waits (reads take none of it); the consumer key's calls are counted by the hour and the day", () => {
  const pacer = new Pacer(platformBudgets({}));
  const now = 1_000_000;
  for (let i = 0; i < 250; i++) assert.equal(pacer.reserve('tumblr', 'poster', now, 1, 1), 0, `post ${i + 1}`);
  assert.equal(pacer.reserve('tumblr', 'poster', now, 1, 0), 0, 'a read still goes');
  assert.equal(
    pacer.reserve('tumblr', 'poster', now, 1, 1),
    86_400_000 / 250,
    'the 251st post waits for its share of the day',
  );
  assert.equal(pacer.reserve('tumblr', 'other', now, 1, 1), 0, "another account's posts are its own");
  // The consumer key's calls, at a steady pace: the first to wait comes once its window's share is used.
  const firstWait = (everyMs: number) => {
    const p = new Pacer(platformBudgets({}));
    for (let i = 0; ; i++) if (p.reserve('tumblr', `a${i % 7}`, now + i * everyMs, 1, 0) > 0) return i;
  };
  // 5 a second (Tumblr's 300 a minute per IP): 1,000 an hour, plus what the hour refilled meanwhile.
  const hour = firstWait(200);
  assert.ok(hour >= 1000 && hour < 1100, `the hour's budget: call ${hour} waits`);
  // 1,000 an hour: 5,000 a day, plus the refill.
  const day = firstWait(3600);
  assert.ok(day >= 5000 && day < 6400, `the day's budget: call ${day} waits`);
});

describe('tumblr connector', () => {
  let t: TestHub;
  let fake: TumblrFake;
  let bots: BotStore;
  let c: Connector;
  let cursor: string | null = null;

  async function fresh(conn = c): Promise<PlatformEvent[]> {
    const events: PlatformEvent[] = [];
    for (;;) {
      const page = await conn.poll(cursor, 100);
      events.push(...page.events);
      if (page.cursor === cursor) return events;
      cursor = page.cursor;
    }
  }

  let n = 0;
  const send = (draft: PostDraft) =>
    sendOnce(bots, 'tb', c, { kind: 'post', to: null, draft, key: `k${n++}` }, Date.now);
  const refusal = async (draft: PostDraft) => {
    const e = await send(draft).catch((e: unknown) => e);
    assert.ok(e instanceof PlatformRefusal, String(e));
    return e;
  };

  before(async () => {
    t = await startTestHub({ platformBudgets: { 'tumblr:paced': { count: 3, intervalMs: 3000 } } });
    fake = await new TumblrFake().start();
    fake.addApp(KEYS.consumerKey, KEYS.consumerSecret);
    fake.addUser('frankuser', KEYS.token, KEYS.tokenSecret, ['frankmain', 'frank']);
    fake.addUser('pacer', 'tok2', 'ts2', ['pacedblog']);
    await t.hub.accounts.add({
      name: 'frank',
      platform: 'tumblr',
      instance: fake.url,
      credentials: { ...KEYS, blog: 'frank.tumblr.com', tags: 'roost, bot' },
    });
    bots = openBotStores(t.hub.broker.store).bots;
    await bots.createBot('tb', '/nonexistent/tb.js', Date.now());
    c = await t.hub.accounts.connector('frank');
  });
  after(async () => {
    await fake.close();
    await t.close();
  });

  test('account test: the user, their blogs, and the blog the account acts as', async () => {
    const { identity: me, capabilities } = await t.admin.post<{
      identity: { handle: string; url: string; can: string[] };
      capabilities: { events: string[] };
    }>('/v1/accounts/frank/test');
    assert.deepEqual(capabilities.events, ['ask', 'post']);
    assert.equal(me.handle, 'frank', 'the blog credential, not the primary blog');
    assert.equal(me.url, 'https://frank.tumblr.com/');
    assert.ok(me.can.includes('user frankuser'));
    assert.ok(me.can.includes('blogs frankmain, frank'));
    const e = await t.hub.accounts
      .add({ name: 'nope', platform: 'tumblr', instance: fake.url, credentials: { ...KEYS, tokenSecret: 'wrong' } })
      .catch((e: unknown) => e);
    assert.ok(e instanceof InputError && e.field === 'credentials', String(e));
    assert.match(e.message, /oauth_signature does not match/);
  });

  test('asks become events once: oldest first, anonymous ones too, and not again after a restart', async () => {
    fake.ask('alice', 'frankmain', 'not to this blog');
    fake.ask('early', 'frank', 'before the first poll');
    assert.deepEqual(await fresh(), [], 'the first poll starts at the newest ask');
    const a = fake.ask('alice', 'frank', 'what do you\ndream of?');
    fake.ask(null, 'frank', 'who are you?');
    fake.submit('bob', 'frank', 'a drawing for you');
    const events = await fresh();
    assert.deepEqual(
      events.map((e) => [e.type, e.post.author, e.post.text]),
      [
        ['ask', 'alice', 'what do you\ndream of?'],
        ['ask', 'Anonymous', 'who are you?'],
        ['post', 'bob', 'a drawing for you'],
      ],
    );
    assert.equal(events[0]!.post.id, String(a.id), 'the 64-bit id, exactly (id_string)');
    assert.ok(a.id > BigInt(Number.MAX_SAFE_INTEGER));
    // Only the first is handled before a "crash": a new connector from its cursor sees the rest once.
    cursor = events[0]!.cursor;
    const restarted = await t.hub.accounts.connector('frank');
    fake.ask('carol', 'frank', 'still there?');
    assert.deepEqual(
      (await fresh(restarted)).map((e) => e.post.text),
      ['who are you?', 'a drawing for you', 'still there?'],
    );
    assert.deepEqual(await fresh(restarted), []);
  });

  test('answering an ask publishes it with the draft tags and the account tags; the ask leaves the inbox', async () => {
    const ask = fake.ask('dora', 'frank', 'favourite colour?');
    const [event] = (await fresh()).filter((e) => e.post.text === 'favourite colour?');
    const answer = await send({ text: 'blue,\nlike the sea', replyTo: event!.post.id, tags: ['#colours', 'roost'] });
    assert.deepEqual([answer.id, answer.replyTo], [String(ask.id), String(ask.id)], 'the answer is the ask, published');
    const post = fake.posts.find((p) => p.id === ask.id)!;
    assert.equal(post.state, 'published');
    assert.deepEqual(post.tags, ['colours', 'roost', 'bot']);
    assert.deepEqual(
      post.content.map((b) => b.text),
      ['favourite colour?', 'blue,', 'like the sea'],
      'the ask first, then the answer',
    );
    assert.deepEqual(post.layout, [
      {
        type: 'ask',
        blocks: [0],
        attribution: { type: 'blog', url: 'https://dora.tumblr.com', blog: { name: 'dora' } },
      },
    ]);
    assert.deepEqual(await fresh(), [], 'nothing new in the inbox');
  });

  test('an image post goes as NPF, the bytes in the same multipart request under their identifier', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const made = await send({ text: 'a picture', images: [{ data: png, mime: 'image/png', alt: 'three pixels' }] });
    const post = fake.posts.find((p) => String(p.id) === made.id)!;
    assert.deepEqual(post.content[0], { type: 'text', text: 'a picture' });
    assert.equal(post.content[1]!.type, 'image');
    assert.equal(post.content[1]!.alt_text, 'three pixels');
    const stored = fake.media.get(post.content[1]!.media![0]!.url!)!;
    assert.deepEqual([stored.type, [...stored.bytes]], ['image/png', [...png]]);
    assert.deepEqual(post.tags, ['roost', 'bot'], 'the account tags on a post too');
  });

  test('reblog and like a post of another blog, by BLOG/ID or its URL', async () => {
    const theirs = fake.publish('someone', 'worth sharing');
    await c.boost!(`someone/${theirs.id}`);
    const reblog = fake.posts.find((p) => p.parent === theirs.id)!;
    assert.equal(reblog.blog, 'frank');
    await c.like!(`https://someone.tumblr.com/post/${theirs.id}/worth-sharing`);
    assert.deepEqual(fake.likes, [{ user: 'frankuser', id: theirs.id }]);
    const gone = await c.boost!('someone/123').catch((e: unknown) => e);
    assert.ok(gone instanceof PlatformRefusal && gone.field === 'boost', String(gone));
  });

  test('refusals name the field, before anything is sent where the draft says it', async () => {
    const before = fake.posts.length;
    assert.equal((await refusal({ text: 'x', tags: ['a,b'] })).field, 'tags');
    assert.equal((await refusal({ text: 'x', contentWarning: 'spoilers' })).field, 'contentWarning');
    assert.equal((await refusal({ text: 'x', visibility: 'followers' })).field, 'visibility');
    assert.equal((await refusal({ text: 'x', mentions: ['bob'] })).field, 'mentions');
    assert.equal((await refusal({ text: 'x', images: [{ data: new Uint8Array(10_000_001) }] })).field, 'images');
    assert.equal((await refusal({ text: 'x'.repeat(4097) })).field, 'text');
    assert.equal((await refusal({ text: 'x', replyTo: 'not-an-id' })).field, 'replyTo');
    assert.equal(fake.posts.length, before, 'nothing was sent');
    const plain = fake.publish('frank', 'not an ask');
    assert.equal((await refusal({ text: 'x', replyTo: String(plain.id) })).field, 'replyTo');
    assert.equal((await refusal({ text: 'x', replyTo: '700000000000000000' })).field, 'replyTo', 'no such ask');
    const gif = await refusal({ text: 'x', images: [{ data: new Uint8Array([1]), mime: 'text/plain' }] });
    assert.equal(gif.field, 'images', "Tumblr's 400.8005 names the images");
  });

  test('a 429 "Limit Exceeded" is waited out (its hour resets in 1 s) and the post is made once', async () => {
    fake.failNext(429);
    const started = Date.now();
    const made = await send({ text: 'after a 429' });
    assert.ok(Date.now() - started >= 900, 'waited for the reset');
    assert.equal(fake.posts.filter((p) => fake.ownText(p) === 'after a 429').length, 1);
    assert.ok(made.id);
    await until('the 429 recorded', async () =>
      (await openPlatformStore(t.hub.broker.store).listCalls({ account: 'frank', limit: 100 })).some(
        (x) => x.status === 429 && x.method === 'POST /v2/blog/:blog/posts',
      ),
    );
  });

  test("the account's post budget holds a post past it (reads do not count) and Tumblr's own daily limit refuses", async () => {
    await t.hub.accounts.add({
      name: 'paced',
      platform: 'tumblr',
      instance: fake.url,
      credentials: { ...KEYS, token: 'tok2', tokenSecret: 'ts2' },
    });
    const p = await t.hub.accounts.connector('paced');
    const post = (text: string) =>
      p.send({ text }, { key: text, idempotencyKey: text, hash: '', createdAt: Date.now() });
    const started = Date.now();
    for (const text of ['one', 'two', 'three']) await post(text);
    for (let i = 0; i < 5; i++) await p.poll('tb:0', 10);
    assert.ok(Date.now() - started < 900, 'three posts and five reads within the budget of 3 posts');
    await post('four');
    assert.ok(Date.now() - started >= 900, 'the fourth post waited for its share of the budget');
    const waited = await until('the posts recorded', async () => {
      const calls = await openPlatformStore(t.hub.broker.store).listCalls({ account: 'paced', limit: 100 });
      const posts = calls.filter((x) => x.method === 'POST /v2/blog/:blog/posts');
      return posts.length === 4 && posts.filter((x) => x.waitMs >= 500);
    });
    assert.equal(waited.length, 1, 'one post waited');
    assert.equal(fake.posts.filter((x) => x.blog === 'pacedblog').length, 4);

    fake.postsToday.set('pacer', 250); // posted elsewhere today
    const e = await post('five').catch((e: unknown) => e);
    assert.ok(e instanceof PlatformRefusal && /daily post limit/.test(e.message), String(e));
    assert.equal(fake.posts.filter((x) => x.blog === 'pacedblog').length, 4);
  });
});

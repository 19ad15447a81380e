/**
 * The Discord connector beyond the contract: who the bot is, /ask registered, mentions, replies,
 * direct messages, posts and slash commands becoming events, answers with embeds and images (type 4,
 * or an edit once deferred), rate limits per bucket and global, and refusals naming the field,
 * against test/fixtures/discordFake.ts (a documented-API fake of the REST API and the gateway).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendOnce } from '../../src/bots/ledger.js';
import { idempotencyKey, type Connector, type PlatformEvent } from '../../src/platforms/connector.js';
import { DEFER_AFTER_MS } from '../../src/platforms/discord/discordGateway.js';
import { discordSignal } from '../../src/platforms/discord/discordSignal.js';
import { DiscordRest, routeLabel } from '../../src/platforms/discord/discordRest.js';
import { AuthError, PlatformRefusal } from '../../src/platforms/errors.js';
import type { BotStore } from '../../src/store/botStore.js';
import { openBotStores, openPlatformStore } from '../../src/store/openBotStores.js';
import { until } from '../bots/botHelpers.js';
import { DiscordFake } from '../fixtures/discordFake.js';
import { seededPng } from '../fixtures/seededPng.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

describe('discord connector', () => {
  let t: TestHub;
  let fake: DiscordFake;
  let bots: BotStore;
  let c: Connector;
  let cursor: string | null = null;
  let channel: string;
  let n = 0;

  async function fresh(): Promise<PlatformEvent[]> {
    const events: PlatformEvent[] = [];
    for (;;) {
      const page = await c.poll(cursor, 100);
      events.push(...page.events);
      if (page.cursor === cursor) return events;
      cursor = page.cursor;
    }
  }

  /** Waits until the gateway has passed on what the fake dispatched (it arrives asynchronously). */
  async function heard(check: (e: PlatformEvent) => boolean): Promise<PlatformEvent> {
    const seen: PlatformEvent[] = [];
    return until('the event', async () => {
      seen.push(...(await fresh()));
      return seen.find(check);
    });
  }

  const send = (text: string, draft: Record<string, unknown> = {}) =>
    sendOnce(bots, 'dc', c, { kind: 'post', to: null, draft: { text, ...draft }, key: `k${++n}` }, Date.now);

  before(async () => {
    t = await startTestHub();
    fake = await new DiscordFake().start('bot-token');
    // A command the application had before Roost: registering /ask must leave it alone.
    fake.commands.push({
      id: fake.snowflake(),
      name: 'roll',
      description: 'Rolls a die',
      type: 1,
      options: [{ name: 'sides' }],
    });
    channel = fake.snowflake();
    await t.hub.accounts.add({
      name: 'helper',
      platform: 'discord',
      instance: fake.url,
      credentials: { token: 'bot-token', applicationId: fake.applicationId, channels: channel },
    });
    bots = openBotStores(t.hub.broker.store).bots;
    await bots.createBot('dc', '/nonexistent/dc.js', Date.now());
    c = await t.hub.accounts.connector('helper');
    cursor = (await c.poll(null, 1)).cursor;
  });
  after(async () => {
    await fake.close();
    await t.close();
  });

  test("account test says who the bot is; /ask is registered beside the application's other commands; the gateway asks for message content", async () => {
    const me = await c.whoami();
    assert.deepEqual([me.id, me.handle, me.displayName], [fake.bot.id, 'roostbot', 'Roost Bot']);
    assert.ok(me.can.some((x) => x.includes(channel)));
    assert.deepEqual(
      fake.commands.map((x) => [x.name, (x.options as Array<{ name: string }>)[0]!.name]),
      [
        ['roll', 'sides'],
        ['ask', 'question'],
      ],
    );
    assert.ok(
      fake.gateway!.identified.every((i) => (i.intents & (1 << 15)) !== 0),
      'MESSAGE_CONTENT',
    );
  });

  test('mentions, replies, direct messages, posts and /ask become events, oldest first', async () => {
    const mine = await send('a post of the bot');
    const botMessage = fake.messages.find((m) => `${m.channel_id}:${m.id}` === mine.id)!;
    fake.say('alice', channel, `<@${fake.bot.id}> hello bot`);
    fake.say('bob', channel, 'just talking');
    fake.say('carol', channel, 'nice post', { replyTo: botMessage });
    fake.say('dave', fake.snowflake(), 'psst', { dm: true });
    fake.slash('erin', channel, 'what is roost?');
    const seen: PlatformEvent[] = [];
    await until('all five', async () => {
      seen.push(...(await fresh()));
      return seen.length >= 5;
    });
    assert.deepEqual(
      seen.map((e) => [e.type, e.actor, e.post.text]),
      [
        ['mention', 'alice', '@roostbot hello bot'],
        ['post', 'bob', 'just talking'],
        ['reply', 'carol', 'nice post'],
        ['message', 'dave', 'psst'],
        ['ask', 'erin', 'what is roost?'],
      ],
    );
    assert.equal(seen[2]!.post.replyTo, mine.id);
    assert.deepEqual([seen[4]!.post.extra?.command, seen[4]!.post.id.startsWith('interaction:')], ['ask', true]);
  });

  test('more history than a page while the gateway was down: read in order, none skipped for a newer live event', async () => {
    for (let i = 0; i < 101; i++) fake.say('bob', channel, `missed ${i}`, { offline: true });
    const live = fake.say('dave', fake.snowflake(), 'live after them', { dm: true });
    // Polled from just before it (not the test's cursor): once the gateway has it.
    const justBefore = `dc:${BigInt(live.id) - 1n}`;
    await until('the gateway hears the live one', async () => (await c.poll(justBefore, 10)).events.length > 0);
    // A page larger than Discord's (100), so only the connector's own limit can keep the order.
    const seen: PlatformEvent[] = [];
    for (let page = await c.poll(cursor, 500); page.cursor !== cursor; page = await c.poll(cursor, 500)) {
      seen.push(...page.events);
      cursor = page.cursor;
    }
    assert.deepEqual(
      seen.map((e) => e.post.text),
      [...Array.from({ length: 101 }, (_, i) => `missed ${i}`), 'live after them'],
    );
  });

  test('an /ask is answered at once (type 4) with an embed showing the image, captioned by its alt text', async () => {
    fake.slash('erin', channel, 'draw a square');
    const ask = await heard((e) => e.post.text === 'draw a square');
    const png = seededPng(8, 8, 2);
    const reply = await send('here it is', {
      replyTo: ask.post.id,
      images: [{ data: png, mime: 'image/png', alt: 'a square' }],
    });
    const answer = fake.answers.find((a) => `interaction:${channel}:${a.interaction}` === ask.post.id)!;
    assert.equal(answer.type, 4);
    const m = answer.message!;
    assert.equal(m.content, 'here it is');
    assert.equal(m.attachments.length, 1);
    assert.equal(m.attachments[0]!.content_type, 'image/png');
    assert.deepEqual(fake.files.get(m.attachments[0]!.id), png);
    assert.deepEqual(m.embeds, [
      { image: { url: `attachment://${m.attachments[0]!.filename}` }, description: 'a square' },
    ]);
    assert.deepEqual([reply.id, reply.replyTo], [`${channel}:${m.id}`, ask.post.id]);
  });

  test('an /ask not answered within 2 s is deferred (type 5), and the answer edits the deferral', async () => {
    fake.slash('erin', channel, 'think hard');
    const ask = await heard((e) => e.post.text === 'think hard');
    const id = ask.post.id.split(':')[2];
    await until('the deferral', async () => fake.answers.find((a) => a.interaction === id), DEFER_AFTER_MS + 5000);
    await send('thought about it', { replyTo: ask.post.id });
    const answers = fake.answers.filter((a) => a.interaction === id);
    assert.deepEqual(
      answers.map((a) => [a.type, a.message?.content]),
      [[5, 'thought about it']],
    );
  });

  test('an answer that went out but whose response was lost is not posted twice: the retry is refused (40060), the answer edited', async () => {
    fake.slash('erin', channel, 'lossy');
    const ask = await heard((e) => e.post.text === 'lossy');
    const id = ask.post.id.split(':')[2];
    fake.loseAnswer = true;
    const reply = await send('answered once', { replyTo: ask.post.id });
    const answers = fake.answers.filter((a) => a.interaction === id);
    assert.deepEqual(
      answers.map((a) => [a.type, a.message?.content]),
      [[4, 'answered once']],
    );
    assert.equal(reply.id, `${channel}:${answers[0]!.message!.id}`);
    assert.ok(
      fake.requests.some((r) => r.route.startsWith('PATCH /webhooks/') && r.status === 200),
      'edited',
    );
  });

  test('a reply to a message references it; a sensitive image is a spoiler attachment, not an embed', async () => {
    const asked = fake.say('alice', channel, `<@${fake.bot.id}> show me`);
    const e = await heard((x) => x.post.text.includes('show me'));
    await send('careful', { replyTo: e.post.id, images: [{ data: seededPng(4, 4, 3), alt: 'gore' }], sensitive: true });
    const sent = fake.messages.at(-1)!;
    assert.deepEqual(sent.message_reference, { message_id: asked.id, channel_id: channel });
    assert.match(sent.attachments[0]!.filename, /^SPOILER_/);
    assert.deepEqual(sent.embeds, []);
  });

  test('a send made again carries the same nonce, and Discord answers with the message it has', async () => {
    const intent = { key: 'n1', idempotencyKey: idempotencyKey('dc', 'n1'), hash: 'h', createdAt: Date.now() };
    const a = await c.send({ text: 'once only' }, intent);
    const b = await c.send({ text: 'once only' }, intent);
    assert.equal(a.id, b.id);
    assert.equal(fake.messages.filter((m) => m.content === 'once only').length, 1);
  });

  test('an answer to an interaction no longer answerable (15 minutes, a restart) is a message in its channel', async () => {
    const late = await send('too late', { replyTo: `interaction:${channel}:123456789012` });
    const m = fake.messages.find((x) => `${x.channel_id}:${x.id}` === late.id)!;
    assert.deepEqual([m.content, m.message_reference], ['too late', undefined]);
  });

  test('a 429 in a bucket waits Retry-After; an emptied bucket holds the next call until its Reset-After, with no 429', async () => {
    fake.limits.failNext(1.5, 'user');
    const started = Date.now();
    await send('through a bucket 429');
    assert.ok(Date.now() - started >= 1400, 'it waited retry_after (1.5 s)');
    const calls = await openPlatformStore(t.hub.broker.store).listCalls({ account: 'helper', limit: 200 });
    assert.ok(calls.some((x) => x.status === 429 && x.method === 'POST /channels/:id/messages'));
    fake.limits.setLimit(1, 1);
    try {
      const from = fake.requests.length;
      await send('first in the window');
      await send('second in the window');
      const posts = fake.requests.slice(from).filter((r) => r.route.startsWith('POST /channels/'));
      assert.deepEqual(
        posts.map((p) => p.status),
        [200, 200],
        'no 429',
      );
      assert.ok(posts[1]!.at - posts[0]!.at >= 900, 'the second waited for the bucket to refill');
    } finally {
      fake.limits.setLimit(50, 1);
    }
  });

  test('a global 429 holds every call of the bot, whatever its route', async () => {
    fake.limits.failNext(1, 'global');
    const from = fake.requests.length;
    const since = Date.now();
    const sending = send('through a global 429');
    const limited = await until('the global 429', async () => fake.requests.slice(from).find((r) => r.status === 429));
    // The proxy holds the account once it has read the 429, which it records after: wait for that,
    // not only for the fake to have sent it (on a loaded machine the answer may still be on its way).
    const calls = openPlatformStore(t.hub.broker.store);
    await until('the proxy read the 429', async () =>
      (await calls.listCalls({ account: 'helper', since, limit: 50 })).some((x) => x.status === 429),
    );
    await c.whoami();
    await sending;
    const me = fake.requests.slice(from).find((r) => r.route === 'GET /users/@me')!;
    assert.ok(me.at - limited.at >= 900, 'a call to another route waited out the global limit');
    assert.equal(fake.messages.filter((m) => m.content === 'through a global 429').length, 1);
  });

  test('discordSignal: Reset-After as the reset, a 429 body retry_after as the wait', () => {
    const res = (status: number, headers: Record<string, string>, body = '') => ({
      status,
      headers: new Headers(headers),
      text: body,
      json: () => JSON.parse(body),
    });
    assert.deepEqual(discordSignal(res(200, { 'x-ratelimit-reset-after': '1.25' }), 1000), { resetAt: 2250 });
    assert.deepEqual(
      discordSignal(res(429, { 'retry-after': '2' }, '{"message":"limited","retry_after":1.5,"global":true}'), 0),
      { retryAfterMs: 1500 },
    );
    assert.equal(discordSignal(res(200, {}), 0), null);
  });

  test("Discord's own refusals name the field; 401 and 403 are AuthErrors; labels hide interaction tokens", async () => {
    const answering = (status: number, body: unknown) =>
      new DiscordRest('helper', 'http://discord.test/api', 'tok', {
        fetch: async () => {
          const text = JSON.stringify(body);
          return {
            status,
            headers: new Headers({ 'content-type': 'application/json' }),
            text,
            json: () => JSON.parse(text),
          };
        },
        call: (_m, fn) => fn(),
        onUnauthorized: () => undefined,
      });
    const form = {
      message: 'Invalid Form Body',
      code: 50035,
      errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
    };
    const refused = await answering(400, form)
      .post('/channels/1/messages')
      .catch((e: unknown) => e);
    assert.ok(refused instanceof PlatformRefusal && refused.field === 'text', String(refused));
    assert.match(refused.message, /Must be 2000 or fewer/);
    const forbidden = await answering(403, { message: 'Missing Permissions', code: 50013 })
      .post('/channels/1/messages')
      .catch((e: unknown) => e);
    assert.ok(forbidden instanceof AuthError && /Missing Permissions/.test(forbidden.message), String(forbidden));
    assert.ok(
      (await answering(401, { message: '401: Unauthorized', code: 0 })
        .get('/users/@me')
        .catch((e: unknown) => e)) instanceof AuthError,
    );
    assert.equal(
      routeLabel(
        'POST',
        'https://discord.com/api/v10/interactions/123456789012/aW50ZXJhY3Rpb246c2VjcmV0/callback?with_response=true',
      ),
      'POST /interactions/:id/:token/callback',
    );
    assert.equal(
      routeLabel(
        'PATCH',
        'https://discord.com/api/v10/webhooks/123456789012/aW50ZXJhY3Rpb246c2VjcmV0/messages/@original',
      ),
      'PATCH /webhooks/:id/:token/messages/@original',
    );
  });

  test('an application without the Message Content intent turned on is told how to turn it on', async () => {
    fake.gateway!.messageContentAllowed = false;
    try {
      await t.hub.accounts.add({
        name: 'no-content',
        platform: 'discord',
        instance: fake.url,
        credentials: { token: 'bot-token', applicationId: fake.applicationId },
      });
      const other = await t.hub.accounts.connector('no-content');
      const e = await until('the refusal', async () =>
        other.poll(null, 1).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      assert.ok(e instanceof AuthError && /Message Content Intent/.test(e.message), String(e));
    } finally {
      fake.gateway!.messageContentAllowed = true;
    }
  });

  test('refusals name the field before anything is sent', async () => {
    const before = fake.messages.length;
    const refused = async (draft: Record<string, unknown>, text = 'x') => {
      const e = await send(text, draft).catch((e: unknown) => e);
      assert.ok(e instanceof PlatformRefusal, String(e));
      return e;
    };
    assert.equal((await refused({}, 'y'.repeat(2001))).field, 'text');
    const png = { data: seededPng(4, 4, 1) };
    assert.equal((await refused({ images: Array.from({ length: 11 }, () => png) })).field, 'images');
    assert.equal((await refused({ images: [{ data: new Uint8Array(10 * 1024 * 1024 + 1) }] })).field, 'images');
    const cw = await refused({ contentWarning: 'spoilers' }, 'z'.repeat(1995));
    assert.equal(cw.field, 'contentWarning');
    assert.equal((await refused({ tags: ['roost'] })).field, 'tags');
    assert.equal((await refused({ replyTo: 'not-an-id' })).field, 'replyTo');
    assert.equal(fake.messages.length, before, 'nothing was sent');
  });
});

/**
 * The Reddit connector beyond the contract: the OAuth2 flows (password and refresh token, renewed
 * before expiry and on a 401), inbox and subreddit listings becoming events, replies, edits,
 * RATELIMIT waits and refusals naming the field, pacing from X-Ratelimit-* and finding a reply
 * after a crash, against test/fixtures/redditServer.ts (a documented-API fake).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendOnce } from '../../src/bots/ledger.js';
import { contentHash, type Connector, type PlatformEvent } from '../../src/platforms/connector.js';
import { AuthError, PlatformRefusal } from '../../src/platforms/errors.js';
import type { RedditConnector } from '../../src/platforms/reddit/redditConnector.js';
import { redditSignal } from '../../src/platforms/reddit/redditSignal.js';
import type { BotStore } from '../../src/store/botStore.js';
import { openBotStores, openPlatformStore } from '../../src/store/openBotStores.js';
import { until } from '../bots/botHelpers.js';
import { RedditFake } from '../fixtures/redditServer.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

const APP = { clientId: 'app-id', clientSecret: 'app-secret' };

describe('reddit connector', () => {
  let t: TestHub;
  let fake: RedditFake;
  let bots: BotStore;
  let c: Connector;
  let cursor: string | null = null;
  let thread: string;

  async function fresh(): Promise<PlatformEvent[]> {
    const events: PlatformEvent[] = [];
    for (;;) {
      const page = await c.poll(cursor, 100);
      events.push(...page.events);
      if (page.cursor === cursor) return events;
      cursor = page.cursor;
    }
  }

  const calls = (account: string) => openPlatformStore(t.hub.broker.store).listCalls({ account, limit: 500 });

  before(async () => {
    t = await startTestHub();
    fake = await new RedditFake().start();
    fake.addApp(APP.clientId, APP.clientSecret);
    fake.addUser('loansbot', 'pw', 'refresh-1');
    for (const u of ['alice', 'bob']) fake.addUser(u, 'x');
    thread = fake.submit('alice', 'loans', 'the book', 'lend here').data.name;
    await t.hub.accounts.add({
      name: 'loans',
      platform: 'reddit',
      instance: fake.url,
      credentials: { ...APP, username: 'loansbot', password: 'pw', subreddits: 'loans, r/other' },
    });
    bots = openBotStores(t.hub.broker.store).bots;
    await bots.createBot('rd', '/nonexistent/rd.js', Date.now());
    c = await t.hub.accounts.connector('loans');
    cursor = (await c.poll(null, 1)).cursor;
  });
  after(async () => {
    await fake.close();
    await t.close();
  });

  test('account test says who the account is; a wrong app secret is refused naming the app', async () => {
    const me = await c.whoami();
    assert.equal(me.handle, 'u/loansbot');
    assert.ok(me.can.includes('r/loans') && me.can.includes('r/other'));
    assert.deepEqual(fake.issued.slice(0, 1), ['password'], 'the script-app flow');
    const e = await t.hub.accounts
      .add({
        name: 'wrong-app',
        platform: 'reddit',
        instance: fake.url,
        credentials: { clientId: 'app-id', clientSecret: 'nope', username: 'loansbot', password: 'pw' },
      })
      .catch((e: unknown) => e);
    assert.match(String(e), /clientId and clientSecret/);
    const none = await t.hub.accounts
      .add({ name: 'no-login', platform: 'reddit', instance: fake.url, credentials: { ...APP } })
      .catch((e: unknown) => e);
    assert.match(String(none), /username and password .* or refreshToken/);
  });

  test('mentions, replies, messages and subreddit comments become events; a mention is answered', async () => {
    const mine = (
      await sendOnce(
        bots,
        'rd',
        c,
        { kind: 'post', to: null, draft: { text: 'ok', replyTo: thread }, key: 'm0' },
        Date.now,
      )
    ).id;
    fake.comment('bob', thread, 'hey u/loansbot $loan 5 @alice');
    fake.comment('alice', mine, 'a reply to the bot');
    fake.message('bob', 'loansbot', 'hi', 'a private word');
    fake.comment('alice', thread, 'just talking in r/loans');
    const events = await fresh();
    const seen = events.map((e) => [e.type, e.post.text]);
    assert.deepEqual(seen, [
      ['mention', 'hey u/loansbot $loan 5 @alice'],
      ['reply', 'a reply to the bot'],
      ['message', 'a private word'],
      ['post', 'just talking in r/loans'],
    ]);
    assert.ok(!events.some((e) => e.post.author === 'loansbot'), "the account's own comments are no events");
    const mention = events[0]!;
    assert.equal(mention.post.replyTo, thread);
    assert.match(mention.post.url!, /^https:\/\/www\.reddit\.com\/r\/loans\/comments\//);
    const reply = await sendOnce(
      bots,
      'rd',
      c,
      { kind: 'post', to: null, draft: { text: 'noted', replyTo: mention.post.id }, key: 'm1' },
      Date.now,
    );
    const sent = fake.things.find((x) => x.data.name === reply.id)!;
    assert.deepEqual([sent.data.author, sent.data.parent_id, sent.data.body], ['loansbot', mention.post.id, 'noted']);
    const dm = events[2]!;
    const answer = await sendOnce(
      bots,
      'rd',
      c,
      { kind: 'post', to: null, draft: { text: 'got it', replyTo: dm.post.id }, key: 'm2' },
      Date.now,
    );
    assert.equal(fake.things.find((x) => x.data.name === answer.id)!.kind, 't4', 'a message answered by message');
  });

  test('edit changes the text of a comment of the account', async () => {
    const r = await c.send(
      { text: 'first', replyTo: thread },
      { key: 'e', idempotencyKey: 'e', hash: '', createdAt: Date.now() },
    );
    const edited = await (c as RedditConnector).edit(r.id, 'second');
    assert.equal(edited.text, 'second');
    assert.equal(fake.things.find((x) => x.data.name === r.id)!.data.body, 'second');
  });

  test('RATELIMIT waits as long as Reddit says, then comments once; another refusal names what', async () => {
    fake.rateLimitWrites(1, 1);
    const started = Date.now();
    await sendOnce(
      bots,
      'rd',
      c,
      { kind: 'post', to: null, draft: { text: 'after a RATELIMIT', replyTo: thread }, key: 'rl' },
      Date.now,
    );
    assert.ok(Date.now() - started >= 900, 'it waited the 1 s Reddit named');
    assert.equal(fake.things.filter((x) => x.data.body === 'after a RATELIMIT').length, 1);
    const locked = fake.submit('alice', 'loans', 'locked', 'no comments').data.name;
    fake.lock(locked);
    const e = await sendOnce(
      bots,
      'rd',
      c,
      { kind: 'post', to: null, draft: { text: 'x', replyTo: locked }, key: 'lk' },
      Date.now,
    ).catch((e: unknown) => e);
    assert.ok(e instanceof PlatformRefusal && e.field === 'replyTo', String(e));
    assert.match((e as Error).message, /THREAD_LOCKED/);
  });

  test('after a crash between sending a reply and recording it, findSent finds it by parent and text', async () => {
    const text = 'a reply sent before the crash';
    const createdAt = Date.now();
    await c.send({ text, replyTo: thread }, { key: 'k', idempotencyKey: 'k', hash: '', createdAt });
    const found = await c.findSent({
      key: 'k',
      idempotencyKey: 'k',
      hash: contentHash('reddit', thread, text),
      createdAt,
    });
    assert.equal(found?.text, text);
    const other = await c.findSent({
      key: 'k2',
      idempotencyKey: 'k2',
      hash: contentHash('reddit', 't3_zz', text),
      createdAt,
    });
    assert.equal(other, null, 'the same text under another parent is not it');
  });

  test('the refresh-token flow; a token is renewed before it expires and on a 401', async () => {
    await t.hub.accounts.add({
      name: 'installed',
      platform: 'reddit',
      instance: fake.url,
      credentials: { clientId: 'app-id', clientSecret: 'app-secret', refreshToken: 'refresh-1' },
    });
    const i = await t.hub.accounts.connector('installed');
    const issued = () => fake.issued.filter((g) => g === 'refresh_token').length;
    assert.equal((await i.whoami()).handle, 'u/loansbot');
    const first = issued();
    fake.expireTokens();
    assert.equal((await i.whoami()).handle, 'u/loansbot', 'a 401 renews the token and sends again');
    assert.equal(issued(), first + 1);
    fake.expireTokens();
    const parent = fake.comment('bob', thread, 'a comment to answer after a 401').data.name;
    await i.send(
      { text: 'sent again with the new token', replyTo: parent },
      { key: 'x', idempotencyKey: 'x', hash: '', createdAt: Date.now() },
    );
    assert.equal(
      fake.things.filter((x) => x.data.body === 'sent again with the new token').length,
      1,
      'a refused POST goes again, once',
    );
    assert.equal(issued(), first + 2);
    await until('the 401 is recorded', async () => (await calls('installed')).some((x) => x.status === 401));
    // A token lasting less than the minute kept in hand is renewed before each call: no 401 then.
    fake.tokenTtlS = 30;
    fake.expireTokens();
    await i.whoami();
    const renewed = issued();
    const seen401 = await until('both 401s are recorded', async () => {
      const n = (await calls('installed')).filter((x) => x.status === 401).length;
      return n >= 2 && n;
    });
    await i.whoami();
    await i.whoami();
    assert.equal(issued(), renewed + 2);
    assert.equal((await calls('installed')).filter((x) => x.status === 401).length, seen401);
    fake.tokenTtlS = 3600;
    const bad = await t.hub.accounts
      .add({
        name: 'revoked',
        platform: 'reddit',
        instance: fake.url,
        credentials: { ...APP, refreshToken: 'revoked' },
      })
      .catch((e: unknown) => e);
    assert.match(String(bad), /refused the refresh token: invalid_grant/);
  });

  test('pacing: X-Ratelimit-Remaining and -Reset hold calls until the window resets, with no 429', async () => {
    fake.addUser('paced', 'pw');
    fake.limit = { max: 3, windowS: 2 };
    try {
      await t.hub.accounts.add({
        name: 'paced',
        platform: 'reddit',
        instance: fake.url,
        credentials: { ...APP, username: 'paced', password: 'pw' },
      });
      const p = await t.hub.accounts.connector('paced');
      for (let n = 0; n < 5; n++) await p.whoami();
      const recorded = await until('the calls are recorded', async () => {
        const all = await calls('paced');
        return all.filter((x) => x.method === 'GET /api/v1/me').length >= 6 && all;
      });
      assert.ok(!recorded.some((x) => x.status === 429), 'never past the limit');
      assert.ok(
        recorded.some((x) => x.waitMs >= 500),
        'a call waited for the window to reset',
      );
    } finally {
      fake.limit = { max: 600, windowS: 600 };
    }
  });

  test('redditSignal: the window from Used + Remaining, and a RATELIMIT body as a wait', () => {
    const res = (status: number, body: unknown, h: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      return { status, headers: new Headers(h), text, json: () => JSON.parse(text) };
    };
    assert.deepEqual(redditSignal(res(200, {}, { 'x-ratelimit-used': '10', 'x-ratelimit-remaining': '590.0' }), 0), {
      limit: 600,
    });
    const rl = (msg: string, extra = {}) => res(200, { json: { errors: [['RATELIMIT', msg, 'ratelimit']], ...extra } });
    assert.deepEqual(redditSignal(rl('you are doing that too much. try again in 5 minutes.'), 0), {
      retryAfterMs: 300_000,
    });
    assert.deepEqual(redditSignal(rl('try again in 9 seconds.', { ratelimit: 8.2 }), 0), { retryAfterMs: 8200 });
    assert.equal(redditSignal(res(200, { json: { errors: [] } }), 0), null);
  });

  test('bad credentials are an AuthError naming the account', async () => {
    await t.hub.accounts.add({
      name: 'badpw',
      platform: 'reddit',
      instance: fake.url,
      credentials: { ...APP, username: 'loansbot', password: 'no' },
      test: false,
    });
    const e = await (await t.hub.accounts.connector('badpw')).poll(null, 1).catch((e: unknown) => e);
    assert.ok(e instanceof AuthError && /account 'badpw'/.test(e.message), String(e));
  });
});

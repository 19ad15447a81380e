/**
 * The Matrix connector beyond the contract: who the account is, rooms joined and invites accepted,
 * mentions, replies and direct messages becoming events once (the cursor across a restart), a
 * reply with an image, encrypted rooms refused, a 429's retry_after_ms waited out, refusals naming
 * the field and finding a send after a crash, against test/fixtures/matrixFake.ts (a fake
 * homeserver that follows the Client-Server API spec).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendOnce } from '../../src/bots/ledger.js';
import { contentHash, type Connector, type PlatformEvent, type PostDraft } from '../../src/platforms/connector.js';
import { PlatformRefusal } from '../../src/platforms/errors.js';
import type { BotStore } from '../../src/store/botStore.js';
import { openBotStores, openPlatformStore } from '../../src/store/openBotStores.js';
import { MatrixFake } from '../fixtures/matrixFake.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

describe('matrix connector', () => {
  let t: TestHub;
  let fake: MatrixFake;
  let bots: BotStore;
  let c: Connector;
  let cursor: string | null = null;
  let bot: string, alice: string, bob: string;
  let lobby: string;
  const account = (name: string, credentials: Record<string, string>, test = true) =>
    t.hub.accounts.add({ name, platform: 'matrix', instance: fake.url, credentials, test });
  const creds = { accessToken: 'bot-token', rooms: '#lobby:roost.test' };

  async function fresh(): Promise<PlatformEvent[]> {
    const events: PlatformEvent[] = [];
    for (;;) {
      const page = await c.poll(cursor, 100);
      events.push(...page.events);
      if (page.cursor === cursor) return events;
      cursor = page.cursor;
    }
  }
  const post = (draft: PostDraft, key: string) =>
    sendOnce(bots, 'mx', c, { kind: 'post', to: null, draft, key }, Date.now);
  const refusal = (draft: PostDraft, key: string) => post(draft, key).catch((e: unknown) => e);

  before(async () => {
    t = await startTestHub();
    fake = await new MatrixFake().start();
    bot = fake.addUser('roostbot', 'bot-token', 'Roost Bot');
    alice = fake.addUser('alice', 'alice-token', 'Alice');
    bob = fake.addUser('bob', 'bob-token');
    lobby = fake.room(alice, { alias: 'lobby' });
    bots = openBotStores(t.hub.broker.store).bots;
    await bots.createBot('mx', '/nonexistent/mx.js', Date.now());
    await account('mx', creds);
    c = await t.hub.accounts.connector('mx');
    cursor = (await c.poll(null, 10)).cursor;
  });
  after(async () => {
    await fake.close();
    await t.close();
  });

  test('account test says who the account is (whoami and display name) and the rooms it joined', async () => {
    const me = await c.whoami();
    assert.deepEqual([me.id, me.handle, me.displayName], [bot, bot, 'Roost Bot']);
    assert.ok(me.can.includes(`rooms: ${lobby}`), me.can.join('; '));
    assert.ok(fake.isMember(lobby, bot), 'the configured room (an alias) is joined');
    const bad = await account('flags', { ...creds, acceptInvites: 'maybe' }).catch((e: unknown) => e);
    assert.match(String(bad), /acceptInvites is "true" or "false"/);
    const locked = fake.room(alice, { alias: 'closed', public: false });
    const e = await account('closed', { ...creds, rooms: '#closed:roost.test' }).catch((e: unknown) => e);
    assert.match(String(e), /cannot join #closed:roost\.test: .*M_FORBIDDEN/);
    assert.ok(!fake.isMember(locked, bot));
  });

  test('mentions, replies and direct messages become events once; the cursor survives a restart', async () => {
    const mine = await post({ text: 'hello lobby' }, 'hello');
    const dm = fake.room(bob, { public: false });
    fake.invite(bob, dm, bot, true);
    assert.deepEqual(await fresh(), [], 'an invite is no event');
    assert.ok(fake.isMember(dm, bot), 'the invite was accepted');
    fake.say(alice, lobby, 'Roost Bot: are you there?', { mentions: [bot] });
    const replyTo = mine.id.slice(mine.id.indexOf('/') + 1);
    fake.say(alice, lobby, 'a reply to the bot', { replyTo, mentions: [bot] });
    fake.say(bob, dm, 'a private word');
    fake.say(bob, lobby, 'just talking');
    fake.say(bob, lobby, `legacy client says ${bot}`);
    const events = await fresh();
    assert.deepEqual(
      events.map((e) => [e.type, e.post.text, e.post.author]),
      [
        ['mention', 'Roost Bot: are you there?', alice],
        ['reply', 'a reply to the bot', alice],
        ['message', 'a private word', bob],
        ['post', 'just talking', bob],
        ['mention', `legacy client says ${bot}`, bob],
      ],
    );
    assert.equal(events[1]!.post.replyTo, mine.id);
    assert.ok(!events.some((e) => e.post.author === bot), "the account's own messages are no events");
    // A restart after the second event was handled: a fresh connector, from that event's cursor.
    await t.hub.accounts.remove('mx');
    await account('mx', creds);
    c = await t.hub.accounts.connector('mx');
    cursor = events[1]!.cursor;
    fake.say(bob, dm, 'after the restart');
    assert.deepEqual(
      (await fresh()).map((e) => [e.type, e.post.text]),
      [
        ['message', 'a private word'],
        ['post', 'just talking'],
        ['mention', `legacy client says ${bot}`],
        ['message', 'after the restart'],
      ],
      'nothing missed, nothing repeated; the direct chat is known from m.direct',
    );
    assert.deepEqual(await fresh(), []);
  });

  test('a reply with an image: uploaded, then one m.image whose body is the caption', async () => {
    const asked = fake.say(alice, lobby, 'show me', { mentions: [bot] });
    const [event] = (await fresh()).filter((e) => e.post.text === 'show me');
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const sent = await post(
      { text: 'here', replyTo: event!.post.id, mentions: [alice], images: [{ data: png, mime: 'image/png' }] },
      'img',
    );
    const ev = fake.sentBy(bot).at(-1)!;
    assert.equal(sent.id, `${lobby}/${ev.event_id}`);
    assert.equal(ev.content.msgtype, 'm.image');
    assert.equal(ev.content.body, `${alice} here`, 'the caption, with the mention written in');
    assert.equal(ev.content.filename, 'image');
    assert.deepEqual(ev.content['m.relates_to'], { 'm.in_reply_to': { event_id: asked.event_id } });
    assert.deepEqual(ev.content['m.mentions'], { user_ids: [alice] });
    const upload = fake.uploads.get(String(ev.content.url).split('/').pop()!);
    assert.deepEqual([upload?.bytes, upload?.mime], [png.length, 'image/png']);
  });

  test('end-to-end encrypted rooms are refused clearly: not joined, not read, not written', async () => {
    const secret = fake.room(alice, { alias: 'secret', encrypted: true });
    const invitedTo = fake.room(alice, { encrypted: true, public: false });
    fake.invite(alice, invitedTo, bot);
    await fresh();
    assert.ok(!fake.isMember(invitedTo, bot), 'an invite to an encrypted room is left alone');
    await account('e2ee', { accessToken: 'bot-token', rooms: '#secret:roost.test' });
    const e2ee = await t.hub.accounts.connector('e2ee');
    const me = await e2ee.whoami();
    assert.ok(
      me.can.some(
        (x) => x === `not ${secret}: end-to-end encrypted rooms are not supported yet (only unencrypted ones)`,
      ),
    );
    let at = (await e2ee.poll(null, 10)).cursor;
    fake.say(alice, secret, 'Roost Bot: can you read this?', { mentions: [bot] });
    const page = await e2ee.poll(at, 10);
    at = page.cursor;
    assert.deepEqual(page.events, []);
    const before = fake.sentBy(bot).length;
    const e = await sendOnce(
      bots,
      'mx',
      e2ee,
      { kind: 'post', to: null, draft: { text: 'hi' }, key: 'e2' },
      Date.now,
    ).catch((e: unknown) => e);
    assert.ok(e instanceof PlatformRefusal && e.field === 'replyTo', String(e));
    assert.match(e.message, /is end-to-end encrypted: end-to-end encrypted rooms are not supported yet/);
    assert.equal(fake.sentBy(bot).length, before, 'nothing was sent');
  });

  test("a 429's retry_after_ms (no Retry-After header) holds the next call that long", async () => {
    fake.rateLimitNext(1500, false);
    const started = Date.now();
    await c.whoami();
    assert.ok(Date.now() - started >= 1400, `it waited ${Date.now() - started} ms of 1500`);
    const calls = await openPlatformStore(t.hub.broker.store).listCalls({ account: 'mx', limit: 20 });
    assert.ok(calls.some((x) => x.status === 429 && x.method === 'GET /_matrix/client/v3/account/whoami'));
  });

  test('refusals name the field', async () => {
    const field = async (draft: PostDraft, key: string) => ((await refusal(draft, key)) as PlatformRefusal).field;
    assert.equal(await field({ text: 'x', mentions: ['alice'] }, 'f1'), 'mentions');
    assert.equal(await field({ text: 'x', replyTo: 't1_abc' }, 'f2'), 'replyTo');
    assert.equal(await field({ text: 'x', tags: ['a'] }, 'f3'), 'tags');
    const big = { data: new Uint8Array(10 * 1024 * 1024 + 1) };
    assert.equal(await field({ text: 'x', images: [big] }, 'f4'), 'images');
    assert.equal(
      await field({ text: 'x', images: [{ data: new Uint8Array(1) }, { data: new Uint8Array(1) }] }, 'f5'),
      'images',
    );
    await account('roomless', { accessToken: 'bot-token' });
    const roomless = await t.hub.accounts.connector('roomless');
    const e = await roomless
      .send({ text: 'x' }, { key: 'f6', idempotencyKey: 'f6', hash: '', createdAt: Date.now() })
      .catch((e: unknown) => e);
    assert.ok(e instanceof PlatformRefusal && e.field === 'replyTo' && /"rooms"/.test(e.message), String(e));
  });

  test('a send made again with the same transaction id is one message; findSent finds it after a crash', async () => {
    const createdAt = Date.now();
    const intent = { key: 'crash', idempotencyKey: 'txn-crash', hash: contentHash('matrix', null, 'once'), createdAt };
    const first = await c.send({ text: 'once' }, intent);
    const again = await c.send({ text: 'once' }, intent);
    assert.equal(again.id, first.id, 'the homeserver answered the first event');
    assert.equal(fake.sentBy(bot).filter((e) => e.content.body === 'once').length, 1);
    assert.equal((await c.findSent(intent))?.id, first.id);
    assert.equal(await c.findSent({ ...intent, key: 'other', idempotencyKey: 'txn-other', hash: 'x' }), null);
  });
});

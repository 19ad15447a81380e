/**
 * The IRC connector beyond the contract, against a real ngircd (test/fixtures/ircServer.ts): how
 * lines become events (mentions, !commands, private messages), replies going back where they were
 * asked, reconnecting and rejoining after the server is killed and restarted, and a burst of 20
 * lines paced by the proxy without the server dropping the bot.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendOnce } from '../../src/bots/ledger.js';
import type { Connector, PlatformEvent } from '../../src/platforms/connector.js';
import { PlatformRefusal } from '../../src/platforms/errors.js';
import { ircLines, LINE_BUDGET, LINE_BYTES } from '../../src/platforms/irc/ircConnector.js';
import type { BotStore } from '../../src/store/botStore.js';
import { openBotStores, openPlatformStore } from '../../src/store/openBotStores.js';
import { until } from '../bots/botHelpers.js';
import { CHANNEL, NgircdServer, type IrcPerson } from '../fixtures/ircServer.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

const BOT = 'roostbot';

test('text is split into lines IRC can carry: at newlines, then between words', () => {
  assert.deepEqual(ircLines('one\ntwo\r\n\nthree'), ['one', 'two', 'three']);
  const words = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
  const lines = ircLines(words);
  assert.ok(lines.length > 1 && lines.every((l) => Buffer.byteLength(l) <= LINE_BYTES));
  assert.equal(lines.join(' '), words, 'split between words, nothing lost');
  const long = 'é'.repeat(400);
  assert.deepEqual(ircLines(long).join(''), long, 'a word longer than a line is cut, by bytes');
  assert.ok(ircLines(long).every((l) => Buffer.byteLength(l) <= LINE_BYTES));
});

describe('irc connector against ngircd', () => {
  let t: TestHub;
  let server: NgircdServer;
  let alice: IrcPerson;
  let bots: BotStore;
  let c: Connector;
  let cursor: string | null = null;

  /** Everything that came since the last call. */
  async function fresh(): Promise<PlatformEvent[]> {
    const events: PlatformEvent[] = [];
    for (;;) {
      const page = await c.poll(cursor, 100);
      events.push(...page.events);
      if (page.cursor === cursor) return events;
      cursor = page.cursor;
    }
  }

  before(async () => {
    t = await startTestHub();
    server = await new NgircdServer().start();
    await t.hub.accounts.add({
      name: 'ircbot',
      platform: 'irc',
      instance: server.url,
      credentials: { nick: BOT, channels: 'roost' },
    });
    bots = openBotStores(t.hub.broker.store).bots;
    await bots.createBot('irc', '/nonexistent/irc.js', Date.now());
    c = await t.hub.accounts.connector('ircbot');
    cursor = (await c.poll(null, 1)).cursor;
    alice = await server.person('alice');
  });
  after(async () => {
    await t.close();
    await server.close();
  });

  test('account test says who the bot is', async () => {
    const me = await c.whoami();
    assert.equal(me.handle, BOT);
    assert.ok(me.can.includes(`talk in ${CHANNEL}`), me.can.join('; '));
  });

  test('mentions, !commands, private messages and other channel lines become events', async () => {
    await alice.say(CHANNEL, `${BOT}: are you there?`);
    await alice.say(CHANNEL, '!roll 2d6');
    await alice.say(CHANNEL, `what does ${BOT} think`);
    await alice.say(CHANNEL, `${BOT}s are not ${BOT}x`);
    await alice.say(BOT, 'psst, a secret');
    const events = await fresh();
    assert.deepEqual(
      events.map((e) => [e.type, e.post.text, e.post.author]),
      [
        ['mention', `${BOT}: are you there?`, 'alice'],
        ['mention', '!roll 2d6', 'alice'],
        ['mention', `what does ${BOT} think`, 'alice'],
        ['post', `${BOT}s are not ${BOT}x`, 'alice'],
        ['message', 'psst, a secret', 'alice'],
      ],
    );
    assert.deepEqual([events[1]!.post.extra?.command, events[1]!.post.extra?.args], ['roll', '2d6']);
    assert.match(events[0]!.post.id, /^#roost:alice:\d+$/, 'a channel line: CHANNEL:NICK:SEQ');
    assert.match(events[4]!.post.id, /^alice:alice:\d+$/, 'a private message: the conversation is with its author');
  });

  test('replies go back where they were asked: addressed in the channel, privately to a private message', async () => {
    await alice.say(CHANNEL, `${BOT}: hello`);
    await alice.say(BOT, 'hello in private');
    const [inChannel, inPrivate] = await fresh();
    const send = (replyTo: string, text: string, key: string) =>
      sendOnce(bots, 'irc', c, { kind: 'post', to: null, draft: { text, replyTo }, key }, Date.now);
    const r1 = await send(inChannel!.post.id, 'hi there', 'r1');
    const r2 = await send(inPrivate!.post.id, 'hi, privately', 'r2');
    await send(inPrivate!.post.id, 'hi, privately', 'r2');
    assert.equal(r1.replyTo, inChannel!.post.id);
    const heard = await alice.from(BOT);
    assert.deepEqual(
      heard.slice(-2).map((l) => [l.target, l.text]),
      [
        [CHANNEL, 'alice: hi there'],
        ['alice', 'hi, privately'],
      ],
      'the second send of key r2 sent nothing',
    );
    assert.match(r2.id, /^alice:roostbot:\d+$/);
    const draft = { text: 'a picture', images: [{ data: new Uint8Array([1]) }] };
    const e = await sendOnce(bots, 'irc', c, { kind: 'post', to: null, draft, key: 'img' }, Date.now).catch(
      (e: unknown) => e,
    );
    assert.ok(e instanceof PlatformRefusal && e.field === 'images', 'IRC takes no images: refused before sending');
  });

  // 12 lines: 8 beyond the burst the proxy lets through at once, each of them paced.
  test('a burst of 12 lines is paced by the proxy (4, then one every 2 s) and the server keeps the bot', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => `burst line ${i}`);
    const started = Date.now();
    await Promise.all(
      texts.map((text, i) =>
        sendOnce(bots, 'irc', c, { kind: 'post', to: null, draft: { text }, key: `burst-${i}` }, Date.now),
      ),
    );
    const heard = (await alice.from(BOT)).filter((l) => l.text.startsWith('burst line'));
    // Concurrent sends reach the proxy as their ledger intents commit: in any order on PostgreSQL.
    assert.deepEqual(heard.map((l) => l.text).sort(), [...texts].sort(), 'every line arrived, once');
    assert.deepEqual(
      alice.quits.filter((q) => q.nick === BOT),
      [],
      'the server did not drop the bot (no Excess Flood, no ping timeout)',
    );
    assert.ok(alice.present.has(BOT), 'the bot is still in the channel');
    const store = openPlatformStore(t.hub.broker.store);
    // Each call is recorded before the send that made it returns.
    const calls = (await store.listCalls({ account: 'ircbot', limit: 500 }))
      .filter((x) => x.method === 'PRIVMSG' && x.at >= started)
      .sort((a, b) => a.at - b.at);
    assert.equal(calls.length, texts.length, 'each line is one recorded call');
    assert.ok(calls.every((x) => x.status === 200 && x.error === null));
    const gap = LINE_BUDGET.intervalMs / LINE_BUDGET.count;
    for (let k = LINE_BUDGET.count; k < calls.length; k++)
      assert.ok(
        calls[k]!.at - calls[0]!.at >= (k - LINE_BUDGET.count + 1) * gap - 5,
        `line ${k} went ${calls[k]!.at - calls[0]!.at} ms after the first: at least ${(k - LINE_BUDGET.count + 1) * gap} after a burst of ${LINE_BUDGET.count}`,
      );
  });

  test('after the server is killed and restarted, the bot reconnects, rejoins, and sends what failed meanwhile', async () => {
    await server.kill();
    // While it is down a poll reads what is buffered, without an error; a send fails and is kept.
    assert.deepEqual((await c.poll(cursor, 100)).events, []);
    const draft = { text: 'said once back', replyTo: null };
    const failed = await sendOnce(bots, 'irc', c, { kind: 'post', to: null, draft, key: 'down' }, Date.now).catch(
      (e: unknown) => e,
    );
    assert.match(String(failed), /not connected/);
    await server.start();
    const bob = await server.person('bob');
    await until('the bot is back in the channel', async () => bob.present.has(BOT));
    await bob.say(CHANNEL, `${BOT}: welcome back`);
    const events = await fresh();
    assert.deepEqual(
      events.map((e) => [e.type, e.post.text]),
      [['mention', `${BOT}: welcome back`]],
    );
    await sendOnce(bots, 'irc', c, { kind: 'post', to: null, draft, key: 'down' }, Date.now);
    await sendOnce(bots, 'irc', c, { kind: 'post', to: null, draft, key: 'down' }, Date.now);
    assert.deepEqual(
      (await bob.from(BOT)).map((l) => l.text),
      ['said once back'],
      'the send that failed while down went out once',
    );
  });
});

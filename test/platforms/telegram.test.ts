/**
 * The Telegram connector beyond the contract: how updates become events (private messages, replies
 * to the bot, /commands and mentions in groups, photos), photos sent, refusals naming the field,
 * and the per-chat pacing (about a message a second per chat), against telegram-test-api, a local
 * Bot API server (test/fixtures/telegramServer.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendOnce } from '../../src/bots/ledger.js';
import type { Connector, PlatformEvent } from '../../src/platforms/connector.js';
import { PlatformRefusal } from '../../src/platforms/errors.js';
import { PER_CHAT_MS, PER_GROUP_MS } from '../../src/platforms/telegram/telegramConnector.js';
import type { BotStore } from '../../src/store/botStore.js';
import { openBotStores } from '../../src/store/openBotStores.js';
import { TelegramTestServer } from '../fixtures/telegramServer.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

const TOKEN = '555:telegram-test';
const GROUP = -100;

describe('telegram connector', () => {
  let t: TestHub;
  let tg: TelegramTestServer;
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
    tg = await new TelegramTestServer().start();
    tg.addBot(TOKEN);
    await t.hub.accounts.add({ name: 'tgbot', platform: 'telegram', instance: tg.url, credentials: { token: TOKEN } });
    bots = openBotStores(t.hub.broker.store).bots;
    await bots.createBot('tg', '/nonexistent/tg.js', Date.now());
    c = await t.hub.accounts.connector('tgbot');
    cursor = (await c.poll(null, 1)).cursor;
  });
  after(async () => {
    await tg.close();
    await t.close();
  });

  test('account test says who the bot is', async () => {
    const me = await c.whoami();
    assert.equal(me.handle, '@TestNameBot');
    assert.ok(me.can.includes('sendPhoto'));
  });

  test('private messages, /commands and mentions in a group, and replies to the bot become events', async () => {
    const dm = tg.client(TOKEN, { chatId: 7, userName: 'alice' });
    const group = tg.client(TOKEN, { chatId: GROUP, userName: 'bob', type: 'group' });
    await dm.sendMessage(dm.makeMessage('hello bot'));
    await group.sendCommand(group.makeCommand('/roll 2d6'));
    await group.sendMessage(group.makeMessage('hey @TestNameBot look'));
    await group.sendMessage(group.makeMessage('just chatting'));
    const events = await fresh();
    assert.deepEqual(
      events.map((e) => [e.type, e.post.text, e.post.author]),
      [
        ['message', 'hello bot', 'alice'],
        ['mention', '/roll 2d6', 'bob'],
        ['mention', 'hey @TestNameBot look', 'bob'],
        ['post', 'just chatting', 'bob'],
      ],
    );
    assert.deepEqual([events[1]!.post.extra?.command, events[1]!.post.extra?.args], ['roll', '2d6']);
    assert.equal(events[0]!.post.id.split(':')[0], '7', 'a post id names its chat');

    const answer = await sendOnce(
      bots,
      'tg',
      c,
      { kind: 'post', to: null, draft: { text: 'rolled 7', replyTo: events[1]!.post.id }, key: 'roll' },
      Date.now,
    );
    assert.equal(tg.sent(TOKEN).filter((m) => m.text === 'rolled 7' && String(m.chat_id) === String(GROUP)).length, 1);
    const [botId, messageId] = [666, Number(answer.id.split(':')[1])];
    await group.sendMessage(
      group.makeMessage('thanks', { reply_to_message: { message_id: messageId, from: { id: botId, is_bot: true } } }),
    );
    const [reply] = await fresh();
    assert.equal(reply?.type, 'reply');
    assert.equal(reply?.post.replyTo, answer.id);
  });

  test('a photo goes out with its caption; what Telegram cannot take is refused naming the field', async () => {
    const dm = tg.client(TOKEN, { chatId: 8, userName: 'carol' });
    await dm.sendMessage(dm.makeMessage('send me a picture'));
    const [ask] = await fresh();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);
    const sent = await sendOnce(
      bots,
      'tg',
      c,
      {
        kind: 'post',
        to: null,
        draft: { text: 'here', replyTo: ask!.post.id, images: [{ data: png, mime: 'image/png' }] },
        key: 'pic',
      },
      Date.now,
    );
    assert.deepEqual(tg.photos.at(-1), { token: TOKEN, chat: '8', caption: 'here', bytes: png.length });
    assert.equal(sent.extra?.photo, `photo-${tg.photos.length}`);

    const refused = (draft: Parameters<Connector['send']>[0], key: string) =>
      sendOnce(bots, 'tg', c, { kind: 'post', to: null, draft, key }, Date.now).catch((e: unknown) => e);
    const caption = await refused({ text: 'x'.repeat(1025), replyTo: ask!.post.id, images: [{ data: png }] }, 'cap');
    assert.ok(caption instanceof PlatformRefusal && caption.field === 'text', String(caption));
    const two = await refused({ text: 'two', replyTo: ask!.post.id, images: [{ data: png }, { data: png }] }, 'two');
    assert.ok(two instanceof PlatformRefusal && two.field === 'images', String(two));
    const cw = await refused({ text: 'cw', replyTo: ask!.post.id, contentWarning: 'spoilers' }, 'cw');
    assert.ok(cw instanceof PlatformRefusal && cw.field === 'contentWarning', String(cw));
    const nowhere = await refused({ text: 'to whom?' }, 'nowhere');
    assert.ok(nowhere instanceof PlatformRefusal && nowhere.field === 'replyTo', String(nowhere));
    assert.match((nowhere as Error).message, /chat/);
    assert.equal(tg.photos.length, 1, 'nothing refused was sent');
  });

  test('messages to one chat are paced a second apart; other chats are not held by it', async () => {
    const started = Date.now();
    const send = (chat: number, i: number) =>
      sendOnce(
        bots,
        'tg',
        c,
        {
          kind: 'post',
          to: null,
          draft: { text: `paced ${chat} ${i}`, replyTo: `${chat}:1` },
          key: `pace-${chat}-${i}`,
        },
        Date.now,
      ).then(() => Date.now() - started);
    const [a1, a2, a3, b1, g1, g2] = await Promise.all([
      send(20, 1),
      send(20, 2),
      send(20, 3),
      send(21, 1),
      send(-30, 1),
      send(-30, 2),
    ]);
    // Concurrent sends reach the connector in the order their ledger intents commit (on PostgreSQL
    // not always the order they were made), so the pacing is checked on the times in order.
    const [gFirst, gSecond] = [g1, g2].sort((x, y) => x - y);
    assert.ok(
      gSecond! >= PER_GROUP_MS - 50 && gFirst! < PER_CHAT_MS,
      `a group takes 20 a minute (${gFirst}, ${gSecond} ms)`,
    );
    const [first, second, third] = [a1, a2, a3].sort((x, y) => x - y);
    assert.ok(third! >= 2 * PER_CHAT_MS - 50, `the third message to one chat waited two seconds (${third} ms)`);
    assert.ok(second! >= PER_CHAT_MS - 50, `the second waited a second (${second} ms)`);
    assert.ok(
      first! < PER_CHAT_MS && b1 < PER_CHAT_MS,
      `the first, and another chat's, went at once (${first}, ${b1} ms)`,
    );
    assert.equal(tg.sent(TOKEN).filter((m) => String(m.text).startsWith('paced 20')).length, 3);
  });

  test('a send Telegram refused is sent when tried again: it did not go out (the contract covers a crash)', async () => {
    const draft = { text: 'after a refusal', replyTo: '9:1' };
    tg.failNext(403, 'Forbidden: bot was blocked by the user');
    const refused = await sendOnce(bots, 'tg', c, { kind: 'post', to: null, draft, key: 'blocked' }, Date.now).catch(
      (e: unknown) => e,
    );
    assert.ok(refused instanceof PlatformRefusal, String(refused));
    assert.match((refused as Error).message, /blocked by the user/);
    assert.equal((await bots.getLedger('tg', 'blocked'))!.state, 'pending');
    const again = await sendOnce(bots, 'tg', c, { kind: 'post', to: null, draft, key: 'blocked' }, Date.now);
    assert.equal(again.duplicate, false, 'it did not go out the first time, so it is sent now');
    assert.equal(tg.sent(TOKEN).filter((m) => m.text === 'after a refusal').length, 1);
  });
});

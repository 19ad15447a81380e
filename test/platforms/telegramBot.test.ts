/**
 * End to end: one bot's code answers a mention on the sandbox, then, once an account of its name
 * is added on Telegram, answers a Telegram group message the same way (a reply in that chat),
 * through the hub's bot runtime, the proxy and telegram-test-api (a local Bot API server).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { until } from '../bots/botHelpers.js';
import { TelegramTestServer } from '../fixtures/telegramServer.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { echoMovedFromSandbox, removeEcho } from './support/echoBot.js';

const TOKEN = '777:echo';
const GROUP = -200;

let t: TestHub;
let tg: TelegramTestServer;
before(async () => {
  t = await startTestHub({ botPollMs: 100 });
  tg = await new TelegramTestServer().start();
  tg.addBot(TOKEN);
});
after(async () => {
  await tg.close();
  await t.close();
});

test('the same bot answers on the sandbox, then on Telegram by adding an account of its name', async () => {
  await echoMovedFromSandbox(t, { platform: 'telegram', instance: tg.url, credentials: { token: TOKEN } });
  // A bot's first poll of a new account starts from the newest update: wait until it is reading.
  await until('the bot polls Telegram', async () => tg.requests.includes('getUpdates'));
  const person = tg.client(TOKEN, { chatId: GROUP, userName: 'alice', type: 'group' });
  await person.sendMessage(person.makeMessage('@TestNameBot on telegram'));
  const reply = await until('the echo on Telegram', async () =>
    tg.sent(TOKEN).find((m) => m.text === 'echo: on telegram'),
  );
  assert.equal(String(reply.chat_id), String(GROUP), 'answered in the chat it was asked in');
  assert.ok((reply as { reply_to_message_id?: number }).reply_to_message_id, 'as a reply to the message');
  assert.equal(tg.sent(TOKEN).filter((m) => m.text === 'echo: on telegram').length, 1, 'once');
  await removeEcho(t);
});

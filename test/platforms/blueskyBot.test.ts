/**
 * End to end: one bot's code answers a mention on the sandbox, then, once an account of its name
 * is added on Bluesky, answers a Bluesky mention the same way (a reply in the thread), through the
 * hub's bot runtime, the proxy and a real PDS and AppView (@atproto/dev-env). Its account keeps
 * the sandbox's name, so this also shows that the sandbox's poll cursor is not handed to Bluesky.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { until } from '../bots/botHelpers.js';
import { BlueskyNetwork, type BlueskyUser } from '../fixtures/blueskyNetwork.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { openPlatformStore } from '../../src/store/openBotStores.js';
import { ECHO_ACCOUNT, echoMovedFromSandbox, removeEcho } from './support/echoBot.js';

let t: TestHub;
let net: BlueskyNetwork;
let bot: BlueskyUser;
let alice: BlueskyUser;
before(async () => {
  t = await startTestHub({ botPollMs: 100 });
  net = await new BlueskyNetwork().start();
  bot = await net.createUser('echoer');
  alice = await net.createUser('alice');
});
after(async () => {
  await net.close();
  await t.close();
});

test('the same bot answers on the sandbox, then on Bluesky by adding an account of its name', async () => {
  // Notifications the account had before Roost reads it are not answered.
  await net.post(alice, `@${bot.handle} from before`);
  await echoMovedFromSandbox(t, {
    platform: 'bluesky',
    instance: net.url,
    credentials: { identifier: bot.handle, appPassword: await net.appPassword(bot) },
  });
  // A bot's first poll of a new account starts from the newest notification: wait until it has read.
  const calls = openPlatformStore(t.hub.broker.store);
  await until('the bot polls Bluesky', async () =>
    (await calls.listCalls({ account: ECHO_ACCOUNT, limit: 100 })).some((c) => c.method.includes('listNotifications')),
  );
  const asked = await net.post(alice, `@${bot.handle} on bluesky`);
  const reply = await until('the echo on Bluesky', async () => {
    const mine = await net.postsOf(bot);
    return mine.find((r) => r.value.text === 'echo: on bluesky');
  });
  assert.equal(reply.value.reply?.parent.uri, asked.uri, 'a reply to the mention');
  assert.equal(reply.value.reply?.root.uri, asked.uri, 'in its thread');
  const texts = (await net.postsOf(bot)).map((r) => r.value.text);
  assert.equal(texts.filter((x) => x === 'echo: on bluesky').length, 1, 'once');
  assert.ok(!texts.includes('echo: from before'), 'what came before the account was added is not answered');
  await removeEcho(t);
});

/**
 * End to end: one bot's code answers a mention on the sandbox, then, once an account of its name
 * is added on IRC, answers a mention in an IRC channel the same way (addressed to whoever asked),
 * through the hub's bot runtime, the proxy and a real ngircd (test/fixtures/ircServer.ts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openBotStores } from '../../src/store/openBotStores.js';
import { until } from '../bots/botHelpers.js';
import { CHANNEL, NgircdServer } from '../fixtures/ircServer.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { ECHO_ACCOUNT, echoMovedFromSandbox, removeEcho } from './support/echoBot.js';

let t: TestHub;
let server: NgircdServer;
before(async () => {
  t = await startTestHub({ botPollMs: 100 });
  server = await new NgircdServer().start();
});
after(async () => {
  await t.close();
  await server.close();
});

test('the same bot answers on the sandbox, then on IRC by adding an account of its name', async () => {
  const alice = await server.person('alice');
  await echoMovedFromSandbox(t, {
    platform: 'irc',
    instance: server.url,
    credentials: { nick: ECHO_ACCOUNT, channels: CHANNEL },
  });
  // A bot's first poll of a new account starts from now: wait until it is reading, in the channel.
  const bots = openBotStores(t.hub.broker.store).bots;
  await until('the bot reads IRC', async () =>
    (await bots.getCursor('echo', `irc:${ECHO_ACCOUNT}`))?.startsWith('irc:'),
  );
  await until('the bot is in the channel', async () => alice.present.has(ECHO_ACCOUNT));
  await alice.say(CHANNEL, `@${ECHO_ACCOUNT} on irc`);
  const answer = await until('the echo on IRC', async () =>
    (await alice.from(ECHO_ACCOUNT)).find((l) => l.text.endsWith('echo: on irc')),
  );
  assert.deepEqual([answer.target, answer.text], [CHANNEL, 'alice: echo: on irc'], 'in the channel, to alice');
  assert.equal((await alice.from(ECHO_ACCOUNT)).length, 1, 'once');
  await removeEcho(t);
});

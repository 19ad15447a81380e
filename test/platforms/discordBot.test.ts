/**
 * End to end: one bot's code answers a mention on the sandbox, then, once an account of its name
 * is added on Discord, answers the slash command /ask (the interaction's own answer) and a mention
 * in a channel (a reply to it) the same way, through the hub's bot runtime, the proxy and
 * test/fixtures/discordFake.ts (a documented-API fake of Discord's REST API and gateway).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { until } from '../bots/botHelpers.js';
import { DiscordFake } from '../fixtures/discordFake.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { echoMovedFromSandbox, removeEcho } from './support/echoBot.js';

let t: TestHub;
let fake: DiscordFake;
let channel: string;
before(async () => {
  t = await startTestHub({ botPollMs: 100 });
  fake = await new DiscordFake().start('echo-token');
  channel = fake.snowflake();
});
after(async () => {
  await fake.close();
  await t.close();
});

test('the same bot answers on the sandbox, then /ask and a mention on Discord by adding an account of its name', async () => {
  await echoMovedFromSandbox(t, {
    platform: 'discord',
    instance: fake.url,
    credentials: { token: 'echo-token', applicationId: fake.applicationId, channels: channel },
  });
  // A bot's first poll of a new account starts from now: wait until it is reading.
  await until('the bot polls Discord', async () => fake.requests.some((r) => r.route.startsWith('GET /channels/')));
  await until('the gateway is up', async () => fake.gateway!.identified.length > 0);
  const id = fake.slash('alice', channel, 'on discord');
  const answer = await until('the answer to /ask', async () => fake.answers.find((a) => a.interaction === id));
  // Type 4 when the bot answers within 2 s, else the deferral edited (a loaded machine): the same answer.
  await until('the answer has the echo', async () => answer.message?.content === 'echo: on discord');
  assert.equal(fake.answers.filter((a) => a.interaction === id).length, 1, 'one answer');
  const asked = fake.say('bob', channel, `<@${fake.bot.id}> in a channel`);
  const reply = await until('the echo of the mention', async () =>
    fake.messages.find((m) => m.content === 'echo: in a channel'),
  );
  assert.deepEqual(reply.message_reference, { message_id: asked.id, channel_id: channel }, 'as a reply to it');
  assert.equal(fake.messages.filter((m) => m.content === 'echo: in a channel').length, 1, 'once');
  await removeEcho(t);
});

/**
 * End to end: one bot's code answers a mention on the sandbox, then, once an account of its name
 * is added on Matrix, answers a mention in a Matrix room the same way (a reply in that room),
 * through the hub's bot runtime, the proxy and test/fixtures/matrixFake.ts (a fake homeserver).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { until } from '../bots/botHelpers.js';
import { MatrixFake } from '../fixtures/matrixFake.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { echoMovedFromSandbox, removeEcho } from './support/echoBot.js';

let t: TestHub;
let fake: MatrixFake;
before(async () => {
  t = await startTestHub({ botPollMs: 100 });
  fake = await new MatrixFake().start();
});
after(async () => {
  await fake.close();
  await t.close();
});

test('the same bot answers on the sandbox, then on Matrix by adding an account of its name', async () => {
  const bot = fake.addUser('echo', 'echo-token');
  const alice = fake.addUser('alice', 'alice-token');
  const room = fake.room(alice, { alias: 'echoes' });
  await echoMovedFromSandbox(t, {
    platform: 'matrix',
    instance: fake.url,
    credentials: { accessToken: 'echo-token', rooms: '#echoes:roost.test' },
  });
  // A bot's first poll of a new account starts from the newest event: wait until it is reading.
  await until('the bot syncs', async () => fake.requests.includes('GET /_matrix/client/v3/sync'));
  const asked = fake.say(alice, room, `${bot} on matrix`, { mentions: [bot] });
  const reply = await until('the echo on Matrix', async () =>
    fake.sentBy(bot).find((e) => e.content.body === 'echo: on matrix'),
  );
  assert.equal(reply.room, room, 'answered in the room it was asked in');
  assert.deepEqual(reply.content['m.relates_to'], { 'm.in_reply_to': { event_id: asked.event_id } }, 'as a reply');
  assert.equal(fake.sentBy(bot).filter((e) => e.content.body === 'echo: on matrix').length, 1, 'once');
  await removeEcho(t);
});

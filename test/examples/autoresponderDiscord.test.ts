/**
 * Seed 000's autoresponder on Discord: the example (examples/bots/autoresponder.js), unchanged,
 * answers `/ask` (an ask, as on the sandbox or Tumblr) through an account added from the example
 * credentials file (examples/accounts/frank.discord.json), with the best of 8 text.markov variants
 * asked of a worker, through the hub's bot runtime, the proxy and test/fixtures/discordFake.ts (a
 * documented-API fake of Discord's REST API and gateway).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { markovHandler } from '../../src/worker/handlers/markov.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { until } from '../bots/botHelpers.js';
import { DiscordFake } from '../fixtures/discordFake.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';

let t: TestHub;
let worker: WorkerAgent;
let fake: DiscordFake;
before(async () => {
  t = await startTestHub({ botPollMs: 200, kinds: [markovHandler.kind] });
  worker = new WorkerAgent({
    hub: t.url,
    token: (await t.as('worker')).token,
    handlers: [markovHandler],
    concurrency: 4,
    log: quietLog,
  });
  void worker.start();
  fake = await new DiscordFake().start('frank-token');
});
after(async () => {
  await worker.stop();
  await fake.close();
  await t.close();
});

test('seed 000 on Discord: /ask answered once with the best of 8 variants', { timeout: 90_000 }, async () => {
  const channel = fake.snowflake();
  const example = JSON.parse(readFileSync(join(packageRoot, 'examples/accounts/frank.discord.json'), 'utf8'));
  await t.admin.post('/v1/accounts', {
    platform: 'discord',
    name: 'frank',
    instance: fake.url,
    credentials: { ...example, token: 'frank-token', applicationId: fake.applicationId, channels: channel },
  });
  await t.admin.post('/v1/bots', { name: 'autoresponder', from: join(packageRoot, 'examples/bots/autoresponder.js') });
  // A bot's first poll starts from now: wait until it reads Discord and the gateway is up.
  await until('the bot polls Discord', async () => fake.requests.some((r) => r.route.startsWith('GET /channels/')));
  await until('the gateway is up', async () => fake.gateway!.identified.length > 0);
  assert.deepEqual(
    fake.commands.map((c) => c.name),
    ['ask'],
    '/ask registered',
  );

  const id = fake.slash('alice', channel, 'is the sea deep at night?');
  // Answered at once (type 4) or deferred and then edited, whichever the worker's speed gave.
  const answer = await until('the answer to /ask', async () => {
    const a = fake.answers.find((x) => x.interaction === id);
    return a?.message?.content ? a : undefined;
  });
  const text = answer.message!.content;
  assert.ok(text.split(/\s+/).length >= 3, `a generated answer: ${text}`);
  assert.equal(fake.answers.filter((a) => a.interaction === id).length, 1, 'answered once');

  const { jobs } = await t.admin.get<{ jobs: Array<{ id: string; kind: string; variants: number }> }>(
    '/v1/jobs?bot=autoresponder',
  );
  assert.deepEqual(
    jobs.map((j) => [j.kind, j.variants]),
    [['text.markov', 8]],
    'one job for the ask',
  );
  const job = await t.admin.get<{ results: Array<{ output: { text: string } }> }>(`/v1/jobs/${jobs[0]!.id}`);
  assert.ok(
    job.results.some((r) => r.output.text === text),
    'the answer is one of the variants',
  );
  await t.admin.request('DELETE', '/v1/bots/autoresponder');
});

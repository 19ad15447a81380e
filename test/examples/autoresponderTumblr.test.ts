/**
 * Seed 000 on Tumblr: the autoresponder example (examples/bots/autoresponder.js), unchanged,
 * answers the asks of a Tumblr blog through an account added from the example credentials file
 * (examples/accounts/frank.tumblr.json, whose `tags` tag every answer): each ask read from the
 * inbox once, 8 text.markov variants asked of a worker, the best published as the ask's answer,
 * through the hub's bot runtime, the proxy and the Tumblr fake (test/fixtures/tumblrFake.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { markovHandler } from '../../src/worker/handlers/markov.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { until } from '../bots/botHelpers.js';
import { TumblrFake, type FakePost } from '../fixtures/tumblrFake.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';

let t: TestHub;
let worker: WorkerAgent;
let fake: TumblrFake;
before(async () => {
  t = await startTestHub({ botPollMs: 200, kinds: [markovHandler.kind] });
  worker = new WorkerAgent({
    hub: t.url,
    token: (await t.as('worker')).token,
    workerId: 'w1',
    name: 'w1',
    handlers: [markovHandler],
    concurrency: 4,
    waitMs: 5000,
    graceMs: 200,
    log: quietLog,
  });
  void worker.start();
  fake = await new TumblrFake().start();
  fake.addApp('frank-app', 'frank-app-secret');
  fake.addUser('frankperson', 'frank-token', 'frank-token-secret', ['franks-main', 'askfrank']);
});
after(async () => {
  await worker.stop();
  await fake.close();
  await t.close();
});

interface JobView {
  id: string;
  kind: string;
  variants: number;
  state: string;
}

const answered = (ask: FakePost) => ask.state === 'published' && fake.ownText(ask) !== '';

test(
  'seed 000 on Tumblr: each ask answered once with the best of 8 variants, tagged, a restart later too',
  { timeout: 90_000 },
  async () => {
    const example = JSON.parse(
      readFileSync(join(packageRoot, 'examples/accounts/frank.tumblr.json'), 'utf8'),
    ) as Record<string, string>;
    await t.admin.post('/v1/accounts', {
      platform: 'tumblr',
      name: 'frank',
      instance: fake.url,
      credentials: {
        ...example,
        consumerKey: 'frank-app',
        consumerSecret: 'frank-app-secret',
        token: 'frank-token',
        tokenSecret: 'frank-token-secret',
        blog: 'askfrank',
      },
    });
    await t.admin.post('/v1/bots', {
      name: 'autoresponder',
      from: join(packageRoot, 'examples/bots/autoresponder.js'),
    });
    // The first poll starts from the newest ask: wait until the bot reads the inbox.
    await until('the bot reads the inbox', async () =>
      fake.requests.includes('GET /v2/blog/askfrank/posts/submission'),
    );
    const ask = fake.ask('alice', 'askfrank', 'is the sea deep at night?');
    await until('the ask is answered', async () => answered(ask));
    const answer = fake.ownText(ask);
    assert.ok(answer.split(/\s+/).length >= 3, `a generated answer: ${answer}`);
    assert.deepEqual(ask.tags, ['roost', 'autoresponder', 'asks'], "the example account's tags");
    assert.deepEqual(
      ask.content[0],
      { type: 'text', text: 'is the sea deep at night?' },
      'published as the answer under the ask',
    );

    const { jobs } = await t.admin.get<{ jobs: JobView[] }>('/v1/jobs?bot=autoresponder');
    assert.equal(jobs.length, 1, 'one job for the ask');
    const job = await t.admin.get<JobView & { results: Array<{ output: { text: string } }> }>(
      `/v1/jobs/${jobs[0]!.id}`,
    );
    assert.deepEqual([job.kind, job.variants, job.state], ['text.markov', 8, 'succeeded']);
    assert.ok(
      job.results.some((r) => r.output.text === answer),
      'the answer is one of the variants',
    );

    // Paused and resumed, the bot reads the inbox from its stored cursor: the next ask, once.
    await t.admin.post('/v1/bots/autoresponder/pause');
    const second = fake.ask(null, 'askfrank', 'why do cats sit in boxes?');
    await t.admin.post('/v1/bots/autoresponder/resume');
    await until('the anonymous ask is answered', async () => answered(second));
    const answers = fake.posts.filter((p) => p.blog === 'askfrank' && p.state === 'published');
    assert.deepEqual(
      answers.map((p) => p.id),
      [ask.id, second.id],
      'each ask answered once, nothing else posted',
    );
    assert.equal(fake.postsToday.get('frankperson'), 2);
    const after = await t.admin.get<{ jobs: JobView[] }>('/v1/jobs?bot=autoresponder');
    assert.equal(after.jobs.length, 2, 'one job per ask');
    await t.admin.request('DELETE', '/v1/bots/autoresponder');
  },
);

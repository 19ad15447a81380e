import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SandboxPost } from '../../src/types.js';
import { startHub, type Hub } from '../cli/roostCli.js';
import { until } from '../bots/botHelpers.js';

let hub: Hub;
before(async () => {
  hub = await startHub(['--examples']);
});
after(() => hub.stop());

async function timeline(): Promise<SandboxPost[]> {
  const run = await hub.client(['sandbox', 'timeline', '--limit', '100', '--json']);
  assert.equal(run.code, 0, run.stderr);
  return (JSON.parse(run.stdout) as { posts: SandboxPost[] }).posts;
}

const repliesTo = (posts: SandboxPost[], ask: SandboxPost) => posts.filter((p) => p.replyTo === ask.id);

test(
  'npm start (roost up --examples): @frank answers the first ask within seconds, and each new ask once',
  { timeout: 90_000 },
  async () => {
    await until('roost up names the example bots', async () =>
      hub.lines.some((l) => l.startsWith('Example bot autoresponder')),
    );
    const first = await until('a reply to the welcome ask', async () => {
      const posts = await timeline();
      const ask = posts.find((p) => p.type === 'ask' && p.author === 'newcomer');
      return ask && repliesTo(posts, ask).length > 0 && { ask, posts };
    });
    const [reply] = repliesTo(first.posts, first.ask);
    assert.equal(reply!.author, 'frank');
    assert.ok(reply!.text.split(/\s+/).length >= 3, `a generated answer: ${reply!.text}`);

    const asked = await hub.client(['sandbox', 'ask', 'frank', 'is the sea deep at night?', '--as', 'alice', '--json']);
    const ask = JSON.parse(asked.stdout) as SandboxPost;
    await until('a reply to alice', async () => repliesTo(await timeline(), ask).length > 0);

    // The job stopped early (enough) or ran its 8 variants; either way at most 8 results were used.
    const jobs = JSON.parse((await hub.client(['job', 'list', '--json'])).stdout) as {
      jobs: Array<{ kind: string; variants: number; state: string; concurrencyKey: string }>;
    };
    const botJobs = jobs.jobs.filter((j) => j.concurrencyKey === 'bot:autoresponder');
    assert.equal(botJobs.length, 2, 'one job per ask');
    for (const j of botJobs) assert.deepEqual([j.kind, j.variants, j.state], ['text.markov', 8, 'succeeded']);

    // Pausing and resuming re-reads the sandbox from the stored cursor: nothing is answered twice.
    assert.equal((await hub.client(['bot', 'pause', 'autoresponder'])).code, 0);
    assert.equal((await hub.client(['bot', 'resume', 'autoresponder'])).code, 0);
    const stats = JSON.parse((await hub.client(['bot', 'stats', 'autoresponder', '--json'])).stdout) as {
      runs: number;
    };
    assert.ok(stats.runs >= 2);
    const posts = await timeline();
    for (const a of posts.filter((p) => p.type === 'ask'))
      assert.equal(repliesTo(posts, a).length, 1, `ask ${a.id} has one answer`);

    const logs = await hub.client(['bot', 'logs', 'autoresponder', '--since', '1h']);
    assert.match(logs.stdout, /info {2}answered an ask/);
  },
);

test(
  'roost bot: list, create from an example, state read and set, destroy asks for confirmation or --yes',
  { timeout: 60_000 },
  async () => {
    const created = await hub.client(['bot', 'create', 'frank2', '--from', 'examples/bots/autoresponder']);
    assert.equal(created.code, 0, created.stderr);
    const list = await hub.client(['bot', 'list']);
    assert.match(list.stdout, /^frank2 /m);
    const again = await hub.client(['bot', 'create', 'frank2', '--from', 'examples/bots/autoresponder']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists/);
    const missing = await hub.client(['bot', 'create', 'ghost', '--from', 'examples/bots/nothing-here']);
    assert.match(missing.stderr, /no bot module at .*nothing-here/);
    const set = await hub.client(['bot', 'state', 'frank2', 'sources', '["poet", "bard"]']);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse((await hub.client(['bot', 'state', 'frank2', 'sources'])).stdout), ['poet', 'bard']);
    assert.deepEqual(JSON.parse((await hub.client(['bot', 'state', 'frank2'])).stdout).sources, ['poet', 'bard']);
    const notJson = await hub.client(['bot', 'state', 'frank2', 'sources', 'poet']);
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /<value> must be JSON/);
    const noYes = await hub.client(['bot', 'destroy', 'frank2']);
    assert.equal(noYes.code, 2);
    assert.match(noYes.stderr, /--yes/);
    assert.equal((await hub.client(['bot', 'destroy', 'frank2', '--yes'])).code, 0);
    assert.doesNotMatch((await hub.client(['bot', 'list'])).stdout, /frank2/);
    assert.equal((await hub.client(['bot', 'stats', 'frank2'])).code, 1);
  },
);

test(
  'npm start: the remixer posts a remix of a seeded @poet post, and @loans answers the seeded $loan commands, within seconds',
  { timeout: 60_000 },
  async () => {
    await until(
      'a remix and three answers from @loans',
      async () => {
        const posts = await timeline();
        return posts.some((p) => p.author === 'remixer') && posts.filter((p) => p.author === 'loans').length >= 3;
      },
      30_000,
    );
    const posts = await timeline();
    const paid = posts.find((p) => p.text === '$paid @bob 20')!;
    assert.match(
      posts.find((p) => p.replyTo === paid.id)!.text,
      /^@bob paid @alice back 20\. Open: @bob owes @alice 30; @alice owes @carol 20\.$/,
    );
  },
);

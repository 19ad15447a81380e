import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { loadHandlerModule } from '../../src/worker/registry.js';
import { until } from '../bots/botHelpers.js';
import { roost } from '../cli/roostCli.js';
import { MastodonFake } from '../fixtures/mastodonFake.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// The two example pipelines, run by `roost pipeline run` against a hub with a worker serving the
// examples' handler modules: the document's table of contents converges; a second run re-uses all.

const EXAMPLES = join(packageRoot, 'examples/pipelines');
const scratch = mkdtempSync(join(tmpdir(), 'roost-pipeline-examples-'));
let h: TestHub;
let token: string;
let worker: WorkerAgent;
let loop: Promise<void>;

before(async () => {
  const handlers = [
    ...(await loadHandlerModule(join(EXAMPLES, 'document/handlers.js'))),
    ...(await loadHandlerModule(join(EXAMPLES, 'images/handlers.js'))),
  ];
  h = await startTestHub({ kinds: handlers.map((x) => x.kind), sweepIntervalMs: 0 });
  token = (await h.as('client')).token;
  worker = new WorkerAgent({
    hub: h.url,
    token: (await h.as('worker')).token,
    workerId: 'examples-w1',
    handlers,
    concurrency: 2,
    waitMs: 5000,
    graceMs: 500,
    log: quietLog,
    artifactCacheDir: join(scratch, 'cache'),
  });
  loop = worker.start();
});
after(async () => {
  await worker?.stop();
  await loop;
  await h?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Step {
  step: string;
  state: string;
  reused: boolean;
  rounds: number;
  outputs: Record<string, unknown>;
}
const run = async (file: string) => {
  const r = await roost(['pipeline', 'run', file, '--hub', h.url, '--token', token, '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return JSON.parse(r.stdout) as { state: string; steps: Step[] };
};
const step = (r: { steps: Step[] }, name: string) => r.steps.find((s) => s.step === name)!;

test('the document example converges: its contents list each heading at the line it ends up on', async () => {
  const dir = join(scratch, 'document');
  cpSync(join(EXAMPLES, 'document'), dir, { recursive: true });
  const one = await run(join(dir, 'pipeline.json'));
  assert.equal(one.state, 'succeeded');
  const typeset = step(one, 'typeset');
  // Pass 1 has no contents, pass 2 inserts them and moves the headings, pass 3 lists the moved
  // lines; pass 4 reads the same aux as pass 3 and is re-used: the fixed point.
  assert.equal(typeset.rounds, 4);
  const aux = typeset.outputs.aux as Array<{ title: string; line: number }>;
  const doc = (
    await h.admin.download(`/v1/artifacts/${(typeset.outputs.doc as { $artifact: string }).$artifact.slice(7)}`)
  ).toArray();
  const lines = Buffer.concat(await doc)
    .toString('utf8')
    .split('\n');
  for (const a of aux) {
    assert.equal(lines[a.line - 1]!.replace(/^#+ /, ''), a.title);
    assert.ok(
      lines.some((l) => l.trim() === `${a.title} .... line ${a.line}`),
      `the contents name ${a.title}`,
    );
  }

  const two = await run(join(dir, 'pipeline.json'));
  assert.ok(
    two.steps.every((s) => s.reused),
    'nothing changed: every step re-used',
  );

  // A word added to the method chapter: typeset runs again; wordcount too, as the text changed.
  writeFileSync(join(dir, 'chapters/method.md'), readFileSync(join(dir, 'chapters/method.md'), 'utf8') + 'More.\n');
  const three = await run(join(dir, 'pipeline.json'));
  assert.equal(step(three, 'typeset').reused, false);
  assert.equal(step(three, 'wordcount').reused, false);
});

test('the image example (a definePipeline module) shrinks and counts its image; the gallery bot posts each new thumbnail once', async () => {
  const fake = await new MastodonFake().start();
  try {
    fake.addAccount('gallery', 'gallery-token');
    await h.admin.post('/v1/accounts', {
      platform: 'mastodon',
      name: 'gallery',
      instance: fake.url,
      credentials: { accessToken: 'gallery-token' },
    });
    await h.admin.post('/v1/bots', { name: 'gallery', from: join(packageRoot, 'examples/bots/gallery.js') });
    const r = await run(join(EXAMPLES, 'images/pipeline.mjs'));
    assert.equal(r.state, 'succeeded');
    assert.deepEqual(step(r, 'histogram').outputs.bins, [13, 25, 21, 5]);
    const thumb = step(r, 'thumb').outputs.image as { $artifact: string; size: number; type: string };
    assert.equal(thumb.type, 'image/png');

    // The run published the thumbnail to the feed `gallery`; the bot posts it with the image attached.
    await h.admin.post('/v1/bots/gallery/run', undefined, { timeoutMs: 60_000 });
    const posted = await until('the thumbnail posted', async () =>
      fake.statuses.find((x) => x.account.username === 'gallery'),
    );
    assert.equal(posted.text, 'images: a new thumb');
    assert.deepEqual(
      posted.media_attachments.map((m) => fake.uploaded(m.id)),
      [{ bytes: thumb.size, mime: 'image/png' }],
    );

    // Run again: every step re-used, so nothing is published and nothing more is posted.
    const again = await run(join(EXAMPLES, 'images/pipeline.mjs'));
    assert.ok(again.steps.every((x) => x.reused));
    const items = await h.admin.get<{ items: unknown[] }>('/v1/feeds/gallery/items?consumer=test-observer');
    assert.equal(items.items.length, 1, 'one item: the run that made the thumbnail');
    await h.admin.post('/v1/bots/gallery/run', undefined, { timeoutMs: 60_000 });
    assert.equal(fake.statuses.filter((x) => x.account.username === 'gallery').length, 1);
    await h.admin.request('DELETE', '/v1/bots/gallery');
  } finally {
    await fake.close();
  }
});

test('a pipeline file with a wrong reference is refused naming the field', async () => {
  const file = join(scratch, 'bad.json');
  writeFileSync(
    file,
    JSON.stringify({ name: 'bad', steps: { a: { kind: 'k.a', inputs: { x: { from: 'b.out' } }, outputs: ['o'] } } }),
  );
  const r = await roost(['pipeline', 'run', file, '--hub', h.url, '--token', token]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "roost: error: steps.a.inputs.x.from: no step named 'b'\n");
});

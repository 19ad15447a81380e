import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ArtifactRef } from '../../src/artifacts/ref.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { comfyuiHandlers } from '../../src/worker/backends/comfyui.js';
import { DEFAULT_WORKFLOW } from '../../src/worker/backends/comfyuiWorkflow.js';
import { sdWebuiHandlers } from '../../src/worker/backends/sdWebui.js';
import { isNonRetryable, type Handler, type TaskContext } from '../../src/worker/handler.js';
import { ComfyuiServer } from '../fixtures/comfyuiServer.js';
import { pollUntil } from '../fixtures/flowHandlers.js';
import { SdWebuiServer } from '../fixtures/sdWebuiServer.js';
import { seededPng } from '../fixtures/seededPng.js';
import { idleArtifacts } from '../helpers/idleArtifacts.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// image.generate on workers: `--sd-webui` and `--comfyui` against documented-API fakes
// (test/fixtures/sdWebuiServer.ts, comfyuiServer.ts; no diffusion model runs here), end to end
// through a hub: the images come back as artifacts the hub serves with the right bytes and type.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let h: TestHub;
const scratch = mkdtempSync(join(tmpdir(), 'roost-images-'));

before(async () => {
  h = await startTestHub({ kinds: ['image.generate'], sweepIntervalMs: 0 });
});
after(async () => {
  await h.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs a worker serving `handlers` while `fn` submits jobs through a client. */
async function withWorker(handlers: Handler[], fn: (submit: (job: object) => Promise<any>) => Promise<void>) {
  const client = await h.as('client');
  const agent = new WorkerAgent({
    hub: h.url,
    token: (await h.as('worker')).token,
    handlers,
    concurrency: 2,
    waitMs: 2000,
    graceMs: 200,
    log: quietLog,
    artifactCacheDir: join(scratch, 'cache'),
  });
  const loop = agent.start();
  try {
    await fn(async (job) => {
      const { id } = await client.post<{ id: string }>('/v1/jobs', job);
      return pollUntil(
        () => client.get<any>(`/v1/jobs/${id}`),
        (j) => ['succeeded', 'failed'].includes(j.state),
        20_000,
        'the job to finish',
      );
    });
  } finally {
    await agent.stop();
    await loop;
  }
}

/** The bytes and type the hub serves for a reference. */
async function fetched(ref: ArtifactRef): Promise<{ bytes: Buffer; type: string | null }> {
  const res = await fetch(`${h.url}/v1/artifacts/${ref.$artifact.slice(7)}`, {
    headers: { authorization: `Bearer ${h.adminToken}` },
  });
  assert.equal(res.status, 200);
  return { bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

async function assertImage(ref: ArtifactRef, expected: Buffer): Promise<void> {
  assert.deepEqual(ref, { $artifact: `sha256:${sha(expected)}`, size: expected.length, type: 'image/png' });
  const { bytes, type } = await fetched(ref);
  assert.equal(type, 'image/png');
  assert.deepEqual(bytes, expected);
}

function context(seed: number, signal = new AbortController().signal): TaskContext {
  return {
    taskId: 'j.0',
    jobId: 'j',
    index: 0,
    seed,
    attempt: 1,
    signal,
    progress: () => {},
    log: quietLog,
    artifacts: idleArtifacts(),
  };
}

test('sd-webui: a job becomes txt2img with its seed and parameters; the images are artifacts on the hub', async () => {
  const sd = await new SdWebuiServer().start();
  try {
    const handlers = sdWebuiHandlers({ url: sd.url, models: ['dreamshaper_8', 'sdxl'], log: quietLog });
    await withWorker(handlers, async (submit) => {
      const input = {
        prompt: 'a lighthouse',
        negative_prompt: 'fog',
        steps: 12,
        width: 16,
        height: 8,
        cfg_scale: 5.5,
        sampler_name: 'Euler',
        batch_size: 2,
        model: 'sdxl',
      };
      const job = await submit({ kind: 'image.generate', input, seed: 42, variants: 2, requires: { model: 'sdxl' } });
      assert.equal(job.state, 'succeeded', JSON.stringify(job));
      const byVariant = [...job.results].sort((a: any, b: any) => a.index - b.index).map((r: any) => r.output);
      // Variant i runs with seed 42 + i; the WebUI gives image k of a batch seed + k.
      for (const [i, out] of byVariant.entries()) {
        assert.equal(out.seed, 42 + i);
        assert.equal(out.model, 'sdxl');
        assert.deepEqual(out.info.all_seeds, [42 + i, 43 + i]);
        assert.equal(out.images.length, 2);
        await assertImage(out.images[0], seededPng(16, 8, 42 + i));
        await assertImage(out.images[1], seededPng(16, 8, 43 + i));
      }
      const sent = sd.requests.map((r) => r.body).find((b) => b.seed === 42)!;
      const { model: _model, ...params } = input;
      assert.deepEqual(sent, {
        ...params,
        seed: 42,
        send_images: true,
        save_images: false,
        override_settings: { sd_model_checkpoint: 'sdxl' },
        override_settings_restore_afterwards: true,
      });
      // The same seed and input give the same images (the fake, like the WebUI, honours seeds).
      const again = await submit({ kind: 'image.generate', input, seed: 42 });
      assert.deepEqual(again.results[0].output.images, byVariant[0].images);
    });
  } finally {
    await sd.close();
  }
});

test('sd-webui: a 4xx fails for good naming the cause, a 5xx or a dead server retryably, bad input names the field', async () => {
  const sd = await new SdWebuiServer().start();
  const [gen] = sdWebuiHandlers({ url: sd.url, models: [], log: quietLog });
  const run = (input: object) => gen!.run(input, context(1));
  try {
    await assert.rejects(
      async () => run({ prompt: 'x', sampler_name: 'Nope' }),
      (e: Error) =>
        isNonRetryable(e) && /HTTP 404 to \/sdapi\/v1\/txt2img: HTTPException: Sampler not found/.test(e.message),
    );
    sd.next({ status: 422, body: { detail: [{ loc: ['body', 'steps'], msg: 'value is not a valid integer' }] } });
    await assert.rejects(
      async () => run({ prompt: 'x' }),
      (e: Error) => isNonRetryable(e) && /body.steps: value is not a valid integer/.test(e.message),
    );
    sd.next({ status: 500, body: { error: 'OutOfMemoryError', detail: '', body: '', errors: 'CUDA out of memory' } });
    await assert.rejects(
      async () => run({ prompt: 'x' }),
      (e: Error) => !isNonRetryable(e) && /HTTP 500.*OutOfMemoryError: CUDA out of memory/.test(e.message),
    );
    await assert.rejects(
      async () => run({ prompt: '' }),
      (e: Error) => isNonRetryable(e) && /input.prompt must be a non-empty string/.test(e.message),
    );
    await assert.rejects(
      async () => run({ prompt: 'x', width: 9000 }),
      /input.width must be an integer from 8 to 8192/,
    );
    await assert.rejects(async () => run({ prompt: 'x', model: 'm' }), /input.model must be left out/);
    await sd.close();
    await assert.rejects(
      async () => run({ prompt: 'x' }),
      (e: Error) => !isNonRetryable(e) && /not reachable/.test(e.message),
    );
  } finally {
    await sd.close();
  }
});

test('comfyui: the default workflow is filled, queued, polled and its saved images come back as artifacts', async () => {
  const comfy = await new ComfyuiServer({ checkpoints: ['a.safetensors', 'b.safetensors'] }).start();
  try {
    // No --model: the checkpoints ComfyUI lists are offered as labels.
    const handlers = await comfyuiHandlers({ url: comfy.url, models: [], log: quietLog });
    assert.deepEqual(handlers[0]!.offers, [{ model: 'a.safetensors' }, { model: 'b.safetensors' }]);
    await withWorker(handlers, async (submit) => {
      const input = { prompt: 'a fox', width: 8, height: 16, batch_size: 2, model: 'b.safetensors', steps: 4 };
      const job = await submit({ kind: 'image.generate', input, seed: 7, requires: { model: 'b.safetensors' } });
      assert.equal(job.state, 'succeeded', JSON.stringify(job));
      const out = job.results[0].output;
      assert.equal(out.seed, 7);
      await assertImage(out.images[0], seededPng(8, 16, 7));
      await assertImage(out.images[1], seededPng(8, 16, 8));
      const queued = comfy.requests.find((r) => r.path === '/prompt')!.body;
      assert.match(queued.client_id, /^roost-/);
      const g = queued.prompt;
      assert.deepEqual(
        [g['3'].inputs.seed, g['3'].inputs.steps, g['3'].inputs.cfg, g['3'].inputs.sampler_name],
        [7, 4, 8, 'euler'],
      );
      assert.equal(g['4'].inputs.ckpt_name, 'b.safetensors');
      assert.deepEqual(g['5'].inputs, { width: 8, height: 16, batch_size: 2 });
      assert.equal(g['6'].inputs.text, 'a fox');
      assert.equal(g['7'].inputs.text, '');
      assert.ok(comfy.requests.filter((r) => r.path.startsWith('/history/')).length >= 2, 'polled the history');
    });
  } finally {
    await comfy.close();
  }
});

test('comfyui: a workflow file with placeholders; previews are not results; bad files are named at start', async () => {
  const comfy = await new ComfyuiServer().start();
  try {
    const file = join(scratch, 'wf.json');
    const workflow = structuredClone(DEFAULT_WORKFLOW) as any;
    workflow['4'].inputs.ckpt_name = 'v1-5-pruned-emaonly.safetensors';
    workflow['6'].inputs.text = 'masterpiece, {{prompt}}';
    workflow['10'] = { class_type: 'PreviewImage', inputs: { images: ['8', 0] } };
    writeFileSync(file, JSON.stringify(workflow));
    const [gen] = await comfyuiHandlers({ url: comfy.url, workflowFile: file, models: [], log: quietLog });
    assert.equal(gen!.offers, undefined, 'a workflow naming its checkpoint offers no model label');
    const seen: Buffer[] = [];
    const ctx = {
      ...context(3),
      artifacts: {
        put: async (b: any) => (
          seen.push(Buffer.from(b)),
          { $artifact: 'sha256:' + sha(Buffer.from(b)), size: b.length, type: 'image/png' }
        ),
      },
    } as any;
    const out = (await gen!.run({ prompt: 'owl', width: 8, height: 8 }, ctx)) as any;
    assert.equal(out.images.length, 1, 'the PreviewImage output is left out');
    assert.deepEqual(seen, [seededPng(8, 8, 3)]);
    assert.equal(comfy.requests.find((r) => r.path === '/prompt')!.body.prompt['6'].inputs.text, 'masterpiece, owl');

    writeFileSync(file, JSON.stringify({ '1': { class_type: 'SaveImage', inputs: { filename_prefix: '{{promt}}' } } }));
    await assert.rejects(
      comfyuiHandlers({ url: comfy.url, workflowFile: file, models: [], log: quietLog }),
      /--workflow .*unknown workflow placeholder \{\{promt\}\}/,
    );
    writeFileSync(file, JSON.stringify({ nodes: [], links: [] }));
    await assert.rejects(
      comfyuiHandlers({ url: comfy.url, workflowFile: file, models: [], log: quietLog }),
      /not a workflow in API format/,
    );
  } finally {
    await comfy.close();
  }
});

test('comfyui: a rejected workflow fails for good; a failed run or a lost prompt retryably; a cancelled task leaves the queue', async () => {
  const comfy = await new ComfyuiServer().start();
  try {
    const [gen] = await comfyuiHandlers({
      url: comfy.url,
      models: ['v1-5-pruned-emaonly.safetensors', 'missing.ckpt'],
      log: quietLog,
    });
    await assert.rejects(
      async () => gen!.run({ prompt: 'x', model: 'missing.ckpt' }, context(1)),
      (e: Error) =>
        isNonRetryable(e) &&
        /HTTP 400 to \/prompt: Prompt outputs failed validation.*ckpt_name: 'missing.ckpt' not in/.test(e.message),
    );
    comfy.run = 'fail';
    await assert.rejects(
      async () => gen!.run({ prompt: 'x', model: 'v1-5-pruned-emaonly.safetensors' }, context(1)),
      (e: Error) =>
        !isNonRetryable(e) && /ComfyUI failed the workflow: KSampler \(node 3\): CUDA out of memory/.test(e.message),
    );
    comfy.run = 'lose';
    await assert.rejects(
      async () => gen!.run({ prompt: 'x', model: 'v1-5-pruned-emaonly.safetensors' }, context(1)),
      (e: Error) => !isNonRetryable(e) && /ComfyUI lost prompt .* neither queued nor in the history/.test(e.message),
    );
    comfy.run = 'hold';
    const stop = new AbortController();
    const running = gen!.run({ prompt: 'x', model: 'v1-5-pruned-emaonly.safetensors' }, context(1, stop.signal));
    const id = await pollUntil(
      async () =>
        comfy.requests
          .filter((r) => r.path.startsWith('/history/'))
          .at(-1)
          ?.path.slice(9),
      (v) => v !== undefined && comfy.queued(v),
      5000,
      'the held prompt to be polled',
    );
    stop.abort(new Error('cancelled'));
    await assert.rejects(async () => running, /cancelled/);
    assert.equal(comfy.queued(id!), false, 'the prompt was taken out of the queue');
    assert.deepEqual(comfy.interrupted, [id], 'the running prompt was interrupted, by its id');
  } finally {
    await comfy.close();
  }
});

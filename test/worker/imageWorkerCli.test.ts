import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollUntil } from '../fixtures/flowHandlers.js';
import { ComfyuiServer } from '../fixtures/comfyuiServer.js';
import { SdWebuiServer } from '../fixtures/sdWebuiServer.js';
import { seededPng } from '../fixtures/seededPng.js';
import { startTestHub } from '../helpers/inProcessHub.js';
import { startWorkerProcess } from '../helpers/processes.js';

// `roost worker --sd-webui URL` and `--comfyui URL --model CKPT` as a user starts them, against the
// documented-API fakes (test/fixtures/sdWebuiServer.ts, comfyuiServer.ts): the flags reach the
// backends, and a job's image comes back from the hub.

for (const backend of ['--sd-webui', '--comfyui'] as const) {
  test(`roost worker ${backend} serves image.generate`, { timeout: 60_000 }, async () => {
    const fake = backend === '--sd-webui' ? await new SdWebuiServer().start() : await new ComfyuiServer().start();
    const h = await startTestHub({ kinds: ['image.generate'] });
    const model = backend === '--comfyui' ? ['--model', 'v1-5-pruned-emaonly.safetensors'] : [];
    const w = await startWorkerProcess({
      url: h.url,
      token: (await h.as('worker')).token,
      name: `images${backend}`,
      args: [backend, fake.url, ...model],
    });
    try {
      const client = await h.as('client');
      const { id } = await client.post<{ id: string }>('/v1/jobs', {
        kind: 'image.generate',
        input: { prompt: 'a kite', width: 8, height: 8 },
        seed: 99,
      });
      const job = await pollUntil(
        () => client.get<any>(`/v1/jobs/${id}`),
        (j) => ['succeeded', 'failed'].includes(j.state),
        30_000,
        'the job to finish',
      );
      assert.equal(job.state, 'succeeded', JSON.stringify(job));
      const ref = job.results[0].output.images[0];
      const res = await fetch(`${h.url}/v1/artifacts/${ref.$artifact.slice(7)}`, {
        headers: { authorization: `Bearer ${h.adminToken}` },
      });
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), seededPng(8, 8, 99));
    } finally {
      w.kill('SIGTERM');
      assert.equal((await w.exited).code, 0);
      await h.close();
      await fake.close();
    }
  });
}

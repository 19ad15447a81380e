import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { HubClient } from '../../src/client/hubClient.js';
import {
  cleanupProcesses,
  createToken,
  dumpOnFailure,
  freePort,
  makeTempDir,
  startHubProcess,
  startWorkerProcess,
} from '../helpers/processes.js';

after(cleanupProcesses);

// A worker busy with short jobs while its hub is killed with -9 and restarted on the same store
// and port (issue 16, items 4 and 5). The worker's handler logs every execution with its times;
// the hub records when each result landed. From the two: how soon after the hub is back the worker
// starts tasks again and delivers what it finished meanwhile, how many results it ever held
// undelivered, and how many tasks ran twice.

const CONCURRENCY = 4;
const JOBS = 3;
const VARIANTS = 1000;
/** The outage: long enough for an exponential backoff to have grown to seconds. */
const OUTAGE_MS = 3000;
/** After the hub is back: by then the worker has started a task and delivered every parked result. */
const PROMPT_MS = 2000;

interface Run {
  start: number;
  end: number;
  taskId: string;
  attempt: number;
}

test(
  'kill -9 of the hub under a stream of short jobs: results flow once it is back, the backlog stays bounded, nothing runs twice',
  { timeout: 180_000 },
  () =>
    dumpOnFailure(async () => {
      const dataDir = makeTempDir();
      const runLog = join(makeTempDir('roost-runs-'), 'runs.log');
      const port = await freePort();
      const kinds = ['test.brief'];
      let hub = await startHubProcess({ dataDir, port, kinds, name: 'hub' });
      const admin = new HubClient(hub.url, hub.adminToken);
      const { token } = await createToken(hub.url, hub.adminToken, 'worker');
      const spec = { kind: 'test.brief', input: { ms: 5 }, variants: VARIANTS, leaseMs: 20_000 };
      const { jobs } = await admin.post<{ jobs: any[] }>('/v1/jobs/batch', {
        jobs: Array.from({ length: JOBS }, () => spec),
      });
      const worker = await startWorkerProcess({
        url: hub.url,
        token,
        concurrency: CONCURRENCY,
        env: { RUN_LOG: runLog },
        name: 'worker',
      });

      // Kill while the worker is in full flow.
      const succeeded = async () => {
        let n = 0;
        for (const j of jobs) n += (await admin.get<any>(`/v1/jobs/${j.id}`)).counts.succeeded;
        return n;
      };
      for (let i = 0; (await succeeded()) < 300; i++) {
        assert.ok(i < 600, 'the worker got going');
        await delay(50);
      }
      assert.ok(hub.kill('SIGKILL'));
      assert.equal((await hub.handle.waitForExit(10_000)).signal, 'SIGKILL');
      const killedAt = Date.now();
      await worker.handle.waitForLog((l) => String(l.msg).startsWith('hub not reachable'), 10_000);
      await delay(killedAt + OUTAGE_MS - Date.now());
      hub = await startHubProcess({ dataDir, port, kinds, name: 'hub (restarted)' });
      const readyAt = Date.now();

      const done = await Promise.all(
        jobs.map((j) => admin.get<any>(`/v1/jobs/${j.id}?wait=120s`, { timeoutMs: 130_000 })),
      );
      for (const d of done) assert.equal(d.state, 'succeeded', JSON.stringify(d.counts));
      assert.equal(worker.handle.exit, null, 'the worker survived the outage');

      const runs: Run[] = readFileSync(runLog, 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const [start, end, taskId, attempt] = line.split(' ');
          return { start: Number(start), end: Number(end), taskId: taskId!, attempt: Number(attempt) };
        });
      const recorded = new Map<string, number>();
      for (const d of done) for (const r of d.results) recorded.set(r.taskId, r.finishedAt);
      assert.equal(recorded.size, JOBS * VARIANTS);

      const reruns = runs.length - new Set(runs.map((r) => r.taskId)).size;
      // Parked: finished while the hub was away (or on its way down), delivered after it came back.
      const parked = runs.filter((r) => recorded.get(r.taskId)! >= readyAt && r.end < readyAt);
      const lastParked = Math.max(...parked.map((r) => recorded.get(r.taskId)!)) - readyAt;
      const firstStart = Math.min(...runs.filter((r) => r.start > killedAt).map((r) => r.start)) - readyAt;
      // Results finished and not yet recorded, at every moment: +1 when a handler ends, -1 when the
      // hub records its result (a run never recorded stays counted).
      const lastAttempt = new Map<string, number>();
      for (const r of runs) lastAttempt.set(r.taskId, Math.max(r.attempt, lastAttempt.get(r.taskId) ?? 0));
      const steps: Array<[number, number]> = [];
      for (const r of runs) {
        steps.push([r.end, 1]);
        if (r.attempt === lastAttempt.get(r.taskId)) steps.push([recorded.get(r.taskId)!, -1]);
      }
      steps.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let backlog = 0;
      let maxBacklog = 0;
      for (const [, d] of steps) maxBacklog = Math.max(maxBacklog, (backlog += d));

      process.stderr.write(
        `# hubReturn: ${runs.length} runs of ${JOBS * VARIANTS} tasks, ${reruns} ran twice; outage ${readyAt - killedAt} ms; ` +
          `after the hub was back: first task started at +${firstStart} ms, ${parked.length} parked results ` +
          `all recorded by +${lastParked} ms; most results undelivered at once: ${maxBacklog}\n`,
      );
      assert.ok(parked.length > 0, 'some results were finished while the hub was away');
      assert.ok(
        maxBacklog <= 2 * CONCURRENCY,
        `the worker held ${maxBacklog} undelivered results (bound: twice its concurrency)`,
      );
      assert.ok(firstStart <= PROMPT_MS, `the worker started a task ${firstStart} ms after the hub was back`);
      assert.ok(lastParked <= PROMPT_MS, `results parked in the outage were recorded up to ${lastParked} ms after`);
      assert.equal(reruns, 0, 'no task ran twice');
    }),
);

/**
 * How soon workers start tasks again after their hub is killed with -9 and restarted on the same
 * store and port (issue 16, item 5). One `roost hub` (SQLite), `--workers` worker processes at
 * concurrency 4 running 5 ms jobs (test.brief of test/fixtures/faultHandlers.js, which logs each
 * run's start and end); each round kills the hub while they are busy, keeps it away for the next
 * outage of OUTAGES_MS, restarts it, and measures for every worker the time from the hub's
 * 'hub listening' line to the start of its first task after the kill.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/reconnect.js [--rounds 12] [--workers 3]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { HubClient } from '../src/client/hubClient.js';
import {
  cleanupProcesses,
  createToken,
  freePort,
  makeTempDir,
  startHubProcess,
  startWorkerProcess,
} from '../test/helpers/processes.js';

const OUTAGES_MS = [1500, 3000, 5000, 7400];
const { values } = parseArgs({ options: { rounds: { type: 'string' }, workers: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 12);
const WORKERS = Number(values.workers ?? 3);

/** Start times of the runs logged in `file`. */
function starts(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => Number(l.split(' ')[0]));
}

async function main(): Promise<void> {
  const dataDir = makeTempDir('roost-reconnect-');
  const logs = makeTempDir('roost-reconnect-runs-');
  const port = await freePort();
  const kinds = ['test.brief'];
  let hub = await startHubProcess({ dataDir, port, kinds, name: 'hub' });
  const { token } = await createToken(hub.url, hub.adminToken, 'worker');
  const files = Array.from({ length: WORKERS }, (_, i) => join(logs, `worker-${i}.log`));
  for (const [i, file] of files.entries())
    await startWorkerProcess({ url: hub.url, token, concurrency: 4, env: { RUN_LOG: file }, name: `worker-${i}` });
  const spec = { kind: 'test.brief', input: { ms: 5 }, variants: 1000, leaseMs: 60_000 };
  const figures: number[] = [];
  let since = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // More than the workers run in a round: they are never idle when the hub goes.
    await new HubClient(hub.url, hub.adminToken).post('/v1/jobs/batch', { jobs: [spec, spec, spec] });
    // Every worker busy again since the last restart, then the kill.
    while (!files.every((f) => starts(f).some((s) => s > since))) await delay(20);
    hub.kill('SIGKILL');
    await hub.handle.waitForExit(10_000);
    const killedAt = Date.now();
    const outage = OUTAGES_MS[round % OUTAGES_MS.length]!;
    await delay(outage);
    hub = await startHubProcess({ dataDir, port, kinds, name: `hub (round ${round})` });
    const readyAt = Date.now();
    const deadline = readyAt + 60_000;
    const firsts: number[] = [];
    for (const f of files) {
      let first: number | undefined;
      while ((first = starts(f).find((s) => s > killedAt)) === undefined && Date.now() < deadline) await delay(20);
      firsts.push(first === undefined ? Infinity : first - readyAt);
    }
    figures.push(...firsts);
    since = readyAt;
    process.stdout.write(
      `round ${round + 1}: outage ${outage} ms; workers started again at +${firsts.join(', +')} ms\n`,
    );
  }
  const sorted = [...figures].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  process.stdout.write(
    `${figures.length} worker restarts: p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${sorted[sorted.length - 1]} ms ` +
      `after the hub was listening again\n`,
  );
}

main()
  .catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanupProcesses());

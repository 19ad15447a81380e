/**
 * The longest the hub's event loop stops while it creates a batch of 10,000 tasks, the most one
 * request may create (issue 16, item 15): perf_hooks.monitorEventLoopDelay in the hub's process,
 * while a child process sends POST /v1/jobs/batch, so the client's JSON work is not counted. Two
 * shapes: 10 jobs x 1000 variants and 1000 jobs x 10 variants. A measurement to run by hand:
 *
 *   npx tsc -p tsconfig.json && node scripts/copy-assets.js && node dist/bench/batchBlock.js [rounds] [postgres URL]
 *
 * With a URL (e.g. postgres://postgres@127.0.0.1:5432/test?schema=bench_block, a schema it may
 * drop) the hub runs on PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { DEFAULTS } from '../src/config.js';
import { startHub } from '../src/hub/hub.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const PG_URL = process.argv[3];
const SHAPES = [
  { jobs: 10, variants: 1000 },
  { jobs: 1000, variants: 10 },
];

/** The client: builds its body once, then sends it each time it reads a line; prints each status. */
const CLIENT = `
const [url, token, jobs, variants] = process.argv.slice(1);
const body = JSON.stringify({ jobs: Array.from({ length: +jobs }, (_, i) => ({ kind: 'bench.block', input: { i }, variants: +variants })) });
require('node:readline').createInterface({ input: process.stdin }).on('line', async () => {
  const r = await fetch(url + '/v1/jobs/batch', { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body });
  await r.text();
  console.log(r.status);
});
console.log('ready');
`;

const ms = (ns: number) => (ns / 1e6).toFixed(1);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roost-block-bench-'));
  const hub = await startHub(
    {
      ...DEFAULTS,
      port: 0,
      dataDir,
      botsDir: join(dataDir, 'bots'),
      kinds: ['bench.block'],
      ...(PG_URL ? { store: PG_URL } : {}),
    },
    pino({ level: 'silent' }),
  );
  const { token } = await hub.tokens.create('bench', 'client');
  const delay = monitorEventLoopDelay({ resolution: 1 });
  try {
    // What the machine's load alone causes: a busy machine deschedules the process now and then.
    delay.enable();
    await new Promise((r) => setTimeout(r, 2000));
    delay.disable();
    console.log(`no batch: longest stop over 2 s ${ms(delay.max)} ms`);
    for (const shape of SHAPES) {
      const child = spawn(process.execPath, ['-e', CLIENT, hub.url, token, String(shape.jobs), String(shape.variants)]);
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      await lines.next(); // ready
      const worst: number[] = [];
      const took: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        delay.reset();
        delay.enable();
        const t = performance.now();
        child.stdin.write('go\n');
        const status = (await lines.next()).value as string | undefined;
        took.push(performance.now() - t);
        delay.disable();
        if (status !== '200') throw new Error(`the batch was answered ${status}`);
        worst.push(delay.max);
      }
      child.kill();
      worst.sort((a, b) => a - b);
      console.log(
        `${PG_URL ? 'postgres' : 'sqlite'}: ${shape.jobs} jobs x ${shape.variants} variants: longest block ` +
          `median ${ms(worst[Math.floor(ROUNDS / 2)]!)} ms, max ${ms(worst.at(-1)!)} ms over ${ROUNDS} batches; ` +
          `a batch answered in ${(took.reduce((a, b) => a + b, 0) / ROUNDS).toFixed(0)} ms on average`,
      );
    }
  } finally {
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

/**
 * The store ceiling: the hub's own claim and complete statements, run through SqliteStore in this
 * process with no HTTP, no broker and no worker. Enqueue N tasks, then claim (max 100) and
 * complete them batch by batch, one after the other; tasks/s is how fast the store alone can
 * hand out and record no-op work, the bound the HTTP path is measured against.
 *
 * The store is opened with openStore(), as the hub opens it (same file name and pragmas), and
 * jobs are made with the broker's toNewJob(), as the hub makes them.
 */
import { Limits } from '../src/broker/limits.js';
import { toNewJob } from '../src/broker/defaults.js';
import { DEFAULTS } from '../src/config.js';
import { openStore } from '../src/store/openStore.js';
import type { Store } from '../src/store/store.js';
import type { Ctx } from './config.js';
import { removeTempDir, tempDir } from './processes.js';
import { rate } from './stats.js';
import { now, withTimeout } from './time.js';

const CHUNK = 1000;

function open(dataDir: string): Promise<Store> {
  return openStore({ store: 'sqlite', dataDir, synchronous: DEFAULTS.synchronous });
}

/**
 * Creates `count` no-op jobs. The store commits the writes of one event-loop turn in one
 * transaction, so each chunk of createJob calls issued together is one commit. Returns the route
 * the tasks are queued on.
 */
async function enqueue(store: Store, kind: string, count: number, firstId: number): Promise<string> {
  const limits = new Limits();
  let route = '';
  for (let first = 0; first < count; first += CHUNK) {
    const at = Date.now();
    const jobs = Array.from({ length: Math.min(CHUNK, count - first) }, (_, k) =>
      toNewJob({ kind, input: { i: firstId + first + k } }, DEFAULTS, limits, at),
    );
    route = jobs[0]!.route;
    await Promise.all(jobs.map((j) => store.createJob(j)));
  }
  return route;
}

export interface Ceiling {
  /** createJob, in chunks of 1000 per commit. */
  enqueuePerSec: number;
  /** claim (max 100) then complete, one batch after the other. */
  claimCompletePerSec: number;
}

export async function storeCeiling(ctx: Ctx, kind: string): Promise<Ceiling> {
  const n = ctx.sizes.ceiling;
  const dir = tempDir('roost-bench-ceiling-');
  const store = await open(dir);
  try {
    const t0 = now();
    const route = await withTimeout(enqueue(store, kind, n, 0), ctx.sizes.scenarioTimeoutMs, 'store ceiling: enqueue');
    const enqueuePerSec = rate(n, now() - t0);
    const routes = [new Limits().claimFor(route)];
    const loop = async () => {
      let done = 0;
      while (done < n) {
        const { tasks } = await store.claim('bench-ceiling', routes, 100, Date.now());
        if (tasks.length === 0) throw new Error(`store ceiling: claim came back empty after ${done} of ${n} tasks`);
        const { outcomes } = await store.complete(
          tasks.map((t) => ({ leaseId: t.leaseId, output: { t: now() } })),
          Date.now(),
        );
        if (outcomes.some((o) => o.status !== 'ok')) throw new Error('store ceiling: a complete was refused');
        done += tasks.length;
      }
    };
    const t1 = now();
    await withTimeout(loop(), ctx.sizes.scenarioTimeoutMs, 'store ceiling: claim/complete');
    const claimCompletePerSec = rate(n, now() - t1);
    ctx.log(
      `  store ceiling: createJob ${enqueuePerSec.toFixed(0)}/s, claim+complete ${claimCompletePerSec.toFixed(0)} tasks/s (${n} tasks)`,
    );
    return { enqueuePerSec, claimCompletePerSec };
  } finally {
    await store.close();
    removeTempDir(dir);
  }
}

import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { NonRetryableError, type Handler } from '../../src/worker/handler.js';
import { markovHandler } from '../../src/worker/handlers/markov.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { GatedHandlers } from '../fixtures/apiHandlers.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';

/** Kinds the dashboard's hub serves besides text.markov. */
export const KINDS = { quick: 'web.quick', gated: 'web.gated', broken: 'web.broken' } as const;

export interface DashboardHub extends TestHub {
  /** Variants of `web.gated` wait until the test lets each go. */
  gated: GatedHandlers;
  worker: WorkerAgent;
  /** From now on, web.broken succeeds. */
  repair: () => void;
  /** Creates a bot from examples/bots/NAME.js. */
  createBot(name: string): Promise<unknown>;
}

const quick: Handler = {
  kind: KINDS.quick,
  labels: { model: 'echo-1', vram: '0' },
  run: async (input) => ({ text: `echo ${JSON.stringify(input)}` }),
};
/** Fails for good until repair() is called: what an operator fixes before redriving. */
function brokenHandler(): { handler: Handler; repair: () => void } {
  let broken = true;
  return {
    handler: {
      kind: KINDS.broken,
      run: async (input) => {
        if (broken) throw new NonRetryableError('the model file is missing: /models/sd-xl.safetensors');
        return { text: `repaired ${JSON.stringify(input)}` };
      },
    },
    repair: () => void (broken = false),
  };
}

/**
 * An in-process hub with a worker serving text.markov (what the example bots ask for), a quick
 * kind, a kind whose variants the caller releases one at a time, and one that always fails.
 */
export async function startDashboardHub(): Promise<DashboardHub> {
  const h = await startTestHub({ botPollMs: 200, kinds: [...Object.values(KINDS), markovHandler.kind] });
  const gated = new GatedHandlers(KINDS.gated);
  const broken = brokenHandler();
  const token = (await h.as('worker')).token;
  const worker = new WorkerAgent({
    hub: h.url,
    token,
    workerId: 'gpu-box-1',
    name: 'gpu-box-1',
    handlers: [markovHandler, quick, gated.for('gpu-box-1'), broken.handler],
    concurrency: 8,
    waitMs: 5000,
    graceMs: 200,
    log: quietLog,
  });
  void worker.start();
  return {
    ...h,
    gated,
    worker,
    repair: broken.repair,
    createBot: (name) => h.admin.post('/v1/bots', { name, from: join(packageRoot, 'examples/bots', `${name}.js`) }),
    async close() {
      gated.openAll();
      await worker.stop();
      await h.close();
    },
  };
}

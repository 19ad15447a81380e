/**
 * One peer measured in a process of its own: `NODE dist/bench/peerRun.js ID [--quick]`. The bench
 * starts it on bench/peers-next's Node 22 (bench/peersNext.ts), so that everything that loads the
 * peer's library, the producer here and the worker processes runPeer starts from here, runs on the
 * Node that library needs. The measurement is runPeer's, the same as for the peers measured in the
 * bench's own process. Progress lines and the result go back over IPC (to stderr and stdout when
 * run by hand).
 */
import { FULL, QUICK, type Ctx } from './config.js';
import { PEERS } from './peerList.js';
import { runPeer } from './peers.js';
import { cleanupAll } from './processes.js';

function send(msg: object): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(msg, () => resolve()) : resolve()));
}

async function main(): Promise<void> {
  const [id, ...flags] = process.argv.slice(2);
  const peer = PEERS.find((p) => p.id === id);
  if (!peer) throw new Error(`unknown peer '${id}'`);
  const quick = flags.includes('--quick');
  const ctx: Ctx = {
    quick,
    sizes: quick ? QUICK : FULL,
    profileDir: null,
    log: (line) => void (process.send ? send({ type: 'bench.log', line }) : process.stderr.write(`${line}\n`)),
  };
  // Stopped by the bench (its cleanup, Ctrl-C) or left by it: the same cleanup as the bench's own.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void cleanupAll().finally(() => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  const result = await runPeer(ctx, await peer.adapter(ctx.sizes.inFlight));
  await cleanupAll();
  if (process.send) await send({ type: 'bench.result', result });
  else process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.exit(0);
}

main().catch(async (e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  await cleanupAll();
  process.exit(1);
});

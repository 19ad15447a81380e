/**
 * A peer's worker process: `NODE dist/bench/peerWorker.js ID`, started by runPeer (bench/peers.ts)
 * with its queue's settings in BENCH_PEER_CONFIG, on the Node of the process that started it. It
 * runs until SIGTERM.
 */
import { PEERS } from './peerList.js';
import type { WorkerConfig } from './peers.js';

const id = process.argv[2];
const peer = PEERS.find((p) => p.id === id);
try {
  if (!peer) throw new Error(`unknown peer '${id}'`);
  await peer.worker(JSON.parse(process.env.BENCH_PEER_CONFIG ?? '{}') as WorkerConfig);
} catch (e) {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
}

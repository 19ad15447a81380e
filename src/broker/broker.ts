import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { soloCluster, type Cluster } from '../store/cluster.js';
import { BrokerCore, type BrokerOptions } from './brokerCore.js';
import type { JobEvents } from './jobEvents.js';
import { JobBroker } from './jobBroker.js';
import type { BrokerObserver } from './observer.js';
import { WorkerBroker } from './workerBroker.js';
import type { WorkerRegistry } from './workerRegistry.js';

/**
 * The job broker: routes tasks to workers that pull, holds long-polls open, wakes them the moment
 * work is ready, and turns every committed change into events for watchers. Its two sides share
 * one core: `jobs` (clients: submit, wait, cancel, limits) and `work` (workers: claim, heartbeat,
 * complete). Callers take the side they use; the hub, which starts and stops it, holds both.
 */
export class Broker {
  readonly jobs: JobBroker;
  readonly work: WorkerBroker;
  readonly store: Store;
  readonly events: JobEvents;
  readonly workers: WorkerRegistry;
  private readonly core: BrokerCore;

  constructor(
    store: Store,
    options: BrokerOptions,
    log: Logger,
    cluster: Cluster = soloCluster(),
    observer: BrokerObserver | null = null,
  ) {
    this.core = new BrokerCore(store, options, log, cluster, observer);
    this.work = new WorkerBroker(this.core);
    this.jobs = new JobBroker(this.core);
    ({ store: this.store, events: this.events, workers: this.workers } = this.core);
  }

  start(): Promise<void> {
    return this.core.start();
  }

  /** Stops timers and answers every open long-poll; the store stays open for the caller to close. */
  async close(): Promise<void> {
    this.core.close();
    this.work.close();
  }
}

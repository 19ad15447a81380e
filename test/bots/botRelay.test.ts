import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cluster, HubNotice } from '../../src/store/cluster.js';
import { BotRelay, type LeaderDuties } from '../../src/bots/botRelay.js';
import { ConflictError, UnavailableError } from '../../src/errors.js';
import { quietLog } from '../helpers/inProcessHub.js';

// The relay between the bot supervisors of several hubs, over an in-memory stand-in for the
// PostgreSQL notices: each hub hears the others' notices (never its own), one turn later.

class Bus {
  readonly hubs: MemoryCluster[] = [];
  deliver(from: MemoryCluster, n: HubNotice): void {
    for (const h of this.hubs) if (h !== from) setImmediate(() => h.hear(n));
  }
}

class MemoryCluster implements Cluster {
  private listeners: Array<(n: HubNotice) => Promise<void>> = [];
  constructor(
    private readonly bus: Bus,
    public isLeader: boolean,
  ) {
    bus.hubs.push(this);
  }
  publish(n: HubNotice): void {
    this.bus.deliver(this, n);
  }
  onNotice(l: (n: HubNotice) => Promise<void>): void {
    this.listeners.push(l);
  }
  onLeadership(): void {}
  hear(n: HubNotice): void {
    for (const l of this.listeners) void l(n);
  }
  async close(): Promise<void> {}
}

/** A hub's relay with duties that record what they were asked to do. */
function hub(bus: Bus, leads: boolean, over: Partial<LeaderDuties> = {}) {
  const cluster = new MemoryCluster(bus, leads);
  const done: string[] = [];
  const duties: LeaderDuties = {
    leads: () => cluster.isLeader,
    resync: () => done.push('resync'),
    wake: () => done.push('wake'),
    running: () => ['frank'],
    sync: async (bot, ready) => void done.push(`sync ${bot} ${ready}`),
    run: async (bot) => void done.push(`run ${bot}`),
    ...over,
  };
  const relay = new BotRelay(cluster, quietLog, duties);
  relay.listen();
  return { cluster, relay, done };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('a hub that does not lead forwards posts, changes and runs to the leader, and answers only once the leader has acted', async () => {
  const bus = new Bus();
  const leader = hub(bus, true);
  const other = hub(bus, false);
  other.relay.posted();
  await other.relay.sync('frank', true);
  assert.deepEqual(
    leader.done,
    ['wake', 'sync frank true'],
    'the leader woke its bots, then applied the change before the answer came',
  );
  await other.relay.run('frank');
  assert.equal(leader.done.at(-1), 'run frank');
  assert.deepEqual(other.done, [], 'a hub that does not lead serves nothing');
});

test("the leader's refusal comes back as the same error, so every hub answers alike", async () => {
  const bus = new Bus();
  hub(bus, true, {
    run: async () => Promise.reject(new ConflictError('paused', "bot 'frank' is paused; resume it first")),
  });
  const other = hub(bus, false);
  await assert.rejects(
    other.relay.run('frank'),
    (e: unknown) => e instanceof ConflictError && e.code === 'paused' && /paused/.test(e.message),
  );
});

test('which bots run is what the leader last said; a new leader drops asks sent to the one before', async () => {
  const bus = new Bus();
  const leader = hub(bus, true);
  const other = hub(bus, false);
  other.relay.hello();
  await turn();
  await turn();
  assert.equal(other.relay.runsOnLeader('frank'), true, 'the leader answered hello with the bots it runs');
  leader.relay.running('frank', false);
  await turn();
  assert.equal(other.relay.runsOnLeader('frank'), false);

  // The leader is gone before it answers a run; another hub takes over and announces itself.
  leader.cluster.isLeader = false;
  const run = other.relay.run('frank');
  await turn();
  const next = hub(bus, true);
  next.relay.announce(['frank']);
  await assert.rejects(run, (e: unknown) => e instanceof UnavailableError);
  await turn();
  assert.equal(other.relay.runsOnLeader('frank'), true, 'the new leader runs it');
  assert.deepEqual(leader.done, [], 'the old leader ran nothing');
});

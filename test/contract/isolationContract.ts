import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/store/store.js';
import type { RouteClaim } from '../../src/types.js';
import { jobId } from '../../src/util/ids.js';
import { newJob, RETRY_MS, type StoreFactory } from './storeContract.js';

const T0 = 1_700_000_000_000;
const route = (r: string): RouteClaim[] => [{ route: r, key: null, concurrency: null, rate: null }];

/**
 * What isolation between tokens needs of a store (docs/protocol.md): the token that created a job
 * is kept and filters the list; the token that claimed a lease is kept while the lease is current;
 * tokens keep their confinement.
 */
export function isolationContract(factory: StoreFactory): void {
  describe(`isolation contract: ${factory.name}`, () => {
    let store: Store;
    before(async () => {
      store = await factory.open();
    });
    after(() => store.close());

    test('a job keeps the token that created it, alone and in a batch, and lists filter by it', async () => {
      const k = 'iso.jobs';
      const mine = await store.createJob(newJob({ kind: k, route: k, id: jobId(T0 + 1), createdBy: 'tokA' }));
      assert.equal(mine.job.createdBy, 'tokA');
      assert.equal((await store.getJob(mine.job.id))!.createdBy, 'tokA');
      const batch = await store.createJobs([
        newJob({ kind: k, route: k, id: jobId(T0 + 2), createdBy: 'tokB' }),
        newJob({ kind: k, route: k, id: jobId(T0 + 3), createdBy: 'tokA' }),
      ]);
      assert.deepEqual(
        batch.jobs.map((j) => j.job.createdBy),
        ['tokB', 'tokA'],
      );
      const hub = await store.createJob(newJob({ kind: k, route: k, id: jobId(T0 + 4) }));
      assert.equal((await store.getJob(hub.job.id))!.createdBy, null, 'a job of the hub itself has none');
      assert.deepEqual(
        (await store.listJobs({ kind: k, createdBy: 'tokA', limit: 10 })).map((j) => j.id),
        [batch.jobs[1]!.job.id, mine.job.id],
      );
      assert.equal((await store.listJobs({ kind: k, limit: 10 })).length, 4);
    });

    test('a current lease names the token that claimed it; an old or unknown lease is absent', async () => {
      const k = 'iso.leases';
      await store.createJob(newJob({ kind: k, route: k, leaseMs: 1000, id: jobId(T0 + 10) }));
      await store.createJob(newJob({ kind: k, route: k, leaseMs: 1000, id: jobId(T0 + 11) }));
      const { tasks } = await store.claim('w1', route(k), 2, T0, 'tokW1');
      assert.equal(tasks.length, 2);
      const [a, b] = tasks.map((t) => t.leaseId) as [string, string];
      const owners = await store.leaseOwners([a, b, `${a.split('.')[0]}.0000000000000000`, 'nonsense']);
      assert.deepEqual(
        [...owners],
        [
          [a, 'tokW1'],
          [b, 'tokW1'],
        ],
      );
      // Once the lease expires and the task is leased again, by another token, the old one is gone.
      await store.reapExpired(T0 + 1000, 100);
      await store.promoteDue(T0 + 1000 + RETRY_MS);
      const again = await store.claim('w2', route(k), 2, T0 + 1000 + RETRY_MS, 'tokW2');
      const fresh = again.tasks.map((t) => t.leaseId);
      const now = await store.leaseOwners([a, ...fresh]);
      assert.equal(now.has(a), false);
      assert.deepEqual(
        fresh.map((l) => now.get(l)),
        ['tokW2', 'tokW2'],
      );
      // A claim that names no token leaves the lease's owner unrecorded (null), as before the column.
      await store.createJob(newJob({ kind: k, route: k, id: jobId(T0 + 12) }));
      const [plain] = (await store.claim('w3', route(k), 1, T0 + 5000)).tasks;
      assert.deepEqual([...(await store.leaseOwners([plain!.leaseId]))], [[plain!.leaseId, null]]);
    });

    test('a token keeps what it is confined to', async () => {
      const token = { name: 'x', hash: 'cd'.repeat(32), createdAt: T0 };
      await store.createToken({ ...token, id: 'isoClient', scope: 'client', ownJobs: true });
      await store.createToken({ ...token, id: 'isoBot', scope: 'bot', bot: 'frank' });
      await store.createToken({ ...token, id: 'isoPlain', scope: 'client' });
      const client = (await store.getToken('isoClient'))!;
      const bot = (await store.getToken('isoBot'))!;
      const plain = (await store.getToken('isoPlain'))!;
      assert.deepEqual([client.ownJobs, client.bot], [true, null]);
      assert.deepEqual([bot.ownJobs, bot.bot], [false, 'frank']);
      assert.deepEqual([plain.ownJobs, plain.bot], [false, null]);
      const listed = await store.listTokens();
      assert.equal(listed.find((t) => t.id === 'isoClient')!.ownJobs, true);
    });
  });
}

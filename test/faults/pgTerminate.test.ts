import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { NO_DATABASE, testDatabase, type TestDatabase } from '../helpers/postgres.js';
import {
  cleanupProcesses,
  createToken,
  dumpOnFailure,
  makeTempDir,
  startHubProcess,
  startWorkerProcess,
} from '../helpers/processes.js';
import { JsonHttp, mapLimit } from './support.js';

// The database goes away under a running hub: every connection of this hub is terminated on the
// server (pg_terminate_backend), twice, in the middle of a stream of submissions. The hub gets new
// connections, workers retry what failed, and no acknowledged job is lost or run twice.

const TOTAL = 600;
const IN_FLIGHT = 16;
const MAX_TRIES = 20;

let db: TestDatabase | null = null;
after(async () => {
  await cleanupProcesses();
  await db?.drop();
});

test(
  "terminating the hub's PostgreSQL connections mid-stream loses no acknowledged job",
  { timeout: 120_000 },
  async (t) => {
    db = await testDatabase();
    if (!db) return t.skip(NO_DATABASE);
    const database = db;
    await dumpOnFailure(async () => {
      const hub = await startHubProcess({
        dataDir: makeTempDir(),
        kinds: ['test.quick'],
        env: { ROOST_DATABASE_URL: database.url },
        name: 'hub',
      });
      const { token: workerToken } = await createToken(hub.url, hub.adminToken, 'worker');
      const { token: clientToken } = await createToken(hub.url, hub.adminToken, 'client');
      await startWorkerProcess({ url: hub.url, token: workerToken, concurrency: 8, name: 'worker' });
      const http = new JsonHttp(hub.url, clientToken);

      // Connections are named 'roost <schema>': only this hub's are cut, not other tests'.
      let terminated = 0;
      const terminate = async () => {
        const r = await database.query(
          'SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1',
          [`roost ${database.schema}`],
        );
        terminated += Number(r.rows[0].n);
      };

      const acked = new Map<string, string>();
      let refused = 0;
      const submit = async (i: number): Promise<void> => {
        const key = `k${i}`;
        for (let tries = 1; ; tries++) {
          const { status, body } = await http.request('POST', '/v1/jobs', { kind: 'test.quick', input: { n: i }, key });
          if (status === 200 || status === 201) {
            acked.set(key, body.id);
            if (i === TOTAL / 3 || i === (2 * TOTAL) / 3) await terminate();
            return;
          }
          // A request that met a dead connection fails with 5xx; the idempotency key makes a retry safe.
          assert.ok(status >= 500, `POST /v1/jobs answered ${status}: ${JSON.stringify(body)}`);
          refused++;
          if (tries >= MAX_TRIES)
            throw new Error(`POST /v1/jobs (${key}) failed ${tries} times: ${JSON.stringify(body)}`);
        }
      };
      await mapLimit(
        Array.from({ length: TOTAL }, (_, i) => i),
        IN_FLIGHT,
        submit,
      );
      assert.ok(terminated >= 2, `connections terminated: ${terminated}`);
      assert.equal(acked.size, TOTAL);

      for (const [key, id] of acked) {
        const { status, body: job } = await http.request('GET', `/v1/jobs/${id}?wait=30s`, undefined, 45_000);
        assert.equal(status, 200, JSON.stringify(job));
        assert.equal(job.state, 'succeeded', `${key}: ${JSON.stringify(job)}`);
        assert.equal(job.results.length, 1, `${key} has exactly one result`);
        assert.deepEqual(job.results[0].output, { n: Number(key.slice(1)) });
      }
      // The hub's notice channel came back too (it would otherwise miss other hubs' work).
      await hub.handle.waitForLog('listening to the other hubs again', 15_000);
      t.diagnostic(`connections terminated: ${terminated}; submissions answered 5xx and retried: ${refused}`);
    });
  },
);

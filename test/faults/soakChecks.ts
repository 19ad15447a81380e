/**
 * What the soak (soak.ts) holds the hub to once the kills are over. Through the API: every
 * acknowledged job exists, succeeded, and has one result per task; every key names one job, the one
 * acknowledged. In the store (SQLite or PostgreSQL, read by the test): one job per key, one result
 * per task, from its last lease.
 */
import assert from 'node:assert/strict';
import { runSoak, type Soak, type SoakOptions } from './soak.js';
import { mapLimit, workersConnected } from './support.js';

/** Runs one read-only query on the hub's store and answers its rows. */
export type StoreQuery = (sql: string) => Promise<Array<Record<string, unknown>>>;

/** The store of the last hub, opened by the test once that hub has stopped. */
export interface StoreReader {
  query: StoreQuery;
  close(): Promise<unknown>;
}

/**
 * The whole soak: the kill rounds, the checks through the API, a clean stop of the last hub
 * (SIGTERM, exit 0), the checks in the store that `openStore` opens then. Prints what it did.
 */
export async function soakAndCheck(
  label: string,
  opts: SoakOptions,
  openStore: () => Promise<StoreReader>,
): Promise<void> {
  const started = Date.now();
  const soak = await runSoak(opts);
  const produced = Date.now() - started;
  try {
    await checkByApi(soak);
  } finally {
    soak.http.close();
  }
  assert.ok(soak.hub.kill('SIGTERM'));
  assert.equal((await soak.hub.handle.waitForExit(30_000)).code, 0, 'the last hub stops cleanly');
  const store = await openStore();
  let attempts: string;
  try {
    attempts = await checkStore(store.query, soak.acked);
  } finally {
    await store.close();
  }
  process.stderr.write(
    `# soak (${label}): ${soak.summary}; ${attempts}; ` +
      `produced in ${produced} ms, checked in ${Date.now() - started - produced} ms\n`,
  );
}

/** Keys sent again per batch: far under the batch limits (1000 jobs, 10,000 tasks, 1 MiB). */
const RESEND = 500;
const IN_FLIGHT = 16;

async function checkByApi({ hub, http, workers, acked }: Soak): Promise<void> {
  // The workers found the last hub on their own: it only knows workers that reached it.
  for (const w of workers) assert.equal(w.handle.exit, null, `${w.handle.name} still running`);
  await workersConnected(
    hub,
    workers.map((w) => w.workerId),
  );
  const all = [...acked.values()];

  // Every key, sent again after all the kills, finds the job acknowledged for it, and creates none.
  for (let i = 0; i < all.length; i += RESEND) {
    const chunk = all.slice(i, i + RESEND);
    const { status, body } = await http.request('POST', '/v1/jobs/batch', { jobs: chunk.map((a) => a.spec) });
    assert.equal(status, 200, JSON.stringify(body));
    chunk.forEach((a, j) => {
      assert.equal(body.created[j], false, `${a.spec.key} sent again created a job`);
      assert.equal(body.jobs[j].id, a.id, `${a.spec.key} sent again answered another job`);
    });
  }

  // Every acknowledged job succeeded with exactly one result per task. `seq` is unique across all
  // jobs (docs/protocol.md): a result recorded twice, or a counter reset by a restart, repeats one.
  const seqs = new Set<number>();
  await mapLimit(all, IN_FLIGHT, async ({ id, spec }) => {
    const { status, body: job } = await http.request('GET', `/v1/jobs/${id}?wait=60s`, undefined, 75_000);
    assert.equal(status, 200, JSON.stringify(job));
    assert.equal(job.key, spec.key);
    if (job.state !== 'succeeded') {
      const { body: tasks } = await http.request('GET', `/v1/jobs/${id}/tasks`);
      assert.fail(`${id} (${spec.key}) did not succeed: ${JSON.stringify(job)}; its tasks: ${JSON.stringify(tasks)}`);
    }
    const indexes = job.results.map((r: any) => r.index).sort((a: number, b: number) => a - b);
    assert.deepEqual(
      indexes,
      Array.from({ length: spec.variants }, (_, k) => k),
      `${id} (${spec.key}): one result per task: ${JSON.stringify(job.results)}`,
    );
    assert.equal(new Set(job.results.map((r: any) => r.taskId)).size, spec.variants);
    for (const r of job.results) {
      assert.equal(r.output.n, spec.input.n, `${id}: its own output`);
      assert.ok(Number.isInteger(r.output.attempt), `${id}: ${JSON.stringify(r.output)}`);
      assert.ok(!seqs.has(r.seq), `seq ${r.seq} given to two results (${id})`);
      seqs.add(r.seq);
    }
  });

  // The hub's list holds exactly the acknowledged jobs, one per key.
  const listed = new Map<string, string>();
  for (let cursor: string | null = '', pages = 0; cursor !== null; pages++) {
    assert.ok(pages <= all.length / 500 + 1, 'the listing ends');
    const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const { status, body } = await http.request('GET', `/v1/jobs?limit=500${q}`);
    assert.equal(status, 200, JSON.stringify(body));
    for (const j of body.jobs) {
      assert.ok(!listed.has(j.key), `key ${j.key} lists two jobs: ${listed.get(j.key)} and ${j.id}`);
      listed.set(j.key, j.id);
    }
    cursor = body.nextCursor;
  }
  assert.equal(listed.size, acked.size, 'the hub lists as many jobs as it acknowledged');
  for (const [key, a] of acked) assert.equal(listed.get(key), a.id, `the listed job of ${key}`);

  const { body: stats } = await http.request('GET', '/v1/stats');
  assert.equal(stats.jobs.succeeded, acked.size, `GET /v1/stats jobs: ${JSON.stringify(stats.jobs)}`);
  const total = Object.values(stats.jobs as Record<string, number>).reduce((a, b) => a + b, 0);
  assert.equal(total, acked.size, `GET /v1/stats jobs: ${JSON.stringify(stats.jobs)}`);
}

/**
 * The same promises read from the store itself (portable SQL for SQLite and PostgreSQL): exactly
 * the acknowledged jobs, one per key; each with its tasks, every one succeeded with one result
 * (`done_seq`), no `done_seq` given twice, each result from its task's last lease (fencing). Answers
 * the tasks' attempts, for the test's output.
 */
async function checkStore(query: StoreQuery, acked: Soak['acked']): Promise<string> {
  // () -> keys that more than one job holds
  assert.deepEqual(await query('SELECT key, count(*) AS n FROM jobs GROUP BY key HAVING count(*) > 1'), []);
  // () -> every job with its tasks: how many, at how many indexes, succeeded, with a result
  const rows = await query(
    `SELECT j.id, j.key, j.state, j.variants, count(t.id) AS tasks, count(DISTINCT t.idx) AS indexes,
       sum(CASE WHEN t.state = 'succeeded' THEN 1 ELSE 0 END) AS succeeded, count(t.done_seq) AS results
     FROM jobs j LEFT JOIN tasks t ON t.job_id = j.id GROUP BY j.id, j.key, j.state, j.variants`,
  );
  assert.equal(rows.length, acked.size, 'the store holds as many jobs as the hub acknowledged');
  for (const r of rows) {
    const a = acked.get(String(r.key));
    assert.equal(r.id, a?.id, `the stored job of ${String(r.key)}`);
    const v = a!.spec.variants;
    // PostgreSQL answers counts as strings (bigint).
    const got = [r.state, ...[r.variants, r.tasks, r.indexes, r.succeeded, r.results].map(Number)];
    assert.deepEqual(got, ['succeeded', v, v, v, v, v], `${r.id}: state, variants, tasks, indexes, succeeded, results`);
  }
  // () -> results numbers given to more than one task
  assert.deepEqual(
    await query(
      'SELECT done_seq, count(*) AS n FROM tasks WHERE done_seq IS NOT NULL GROUP BY done_seq HAVING count(*) > 1',
    ),
    [],
  );
  // () -> every succeeded task: its attempt, and the attempt its recorded result ran under
  const stale = (await query("SELECT id, attempt, output FROM tasks WHERE state = 'succeeded'")).filter(
    (t) => (JSON.parse(String(t.output)) as { attempt: number }).attempt !== Number(t.attempt),
  );
  assert.deepEqual(stale.slice(0, 5), [], `${stale.length} results from a lease their task had lost`);
  // () -> how many tasks ran how many times
  const attempts = await query('SELECT attempt, count(*) AS n FROM tasks GROUP BY attempt ORDER BY attempt');
  return `tasks by attempt: ${attempts.map((a) => `${String(a.attempt)}: ${String(a.n)}`).join(', ')}`;
}

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HubClient, HubError } from '../../src/client/hubClient.js';
import { roost } from '../cli/roostCli.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// Isolation between tokens: a client token made with ownJobs sees and changes only the jobs it
// created; another token's job answers exactly as a missing one, on every jobs route. Tokens made
// without, and admins, see every job. Both stores, by the test pass.

interface Job {
  id: string;
  state: string;
  createdBy: string | null;
}

let h: TestHub;
let alice: HubClient;
let bob: HubClient;
let aliceId: string;
let bobId: string;
before(async () => {
  h = await startTestHub();
  const a = await h.hub.tokens.create('alice', 'client', { ownJobs: true });
  const b = await h.hub.tokens.create('bob', 'client', { ownJobs: true });
  alice = new HubClient(h.url, a.token);
  bob = new HubClient(h.url, b.token);
  aliceId = a.info.id;
  bobId = b.info.id;
});
after(() => h.close());

const submit = (c: HubClient, body: object = {}) => c.post<Job>('/v1/jobs', { kind: 'test.echo', input: 1, ...body });
const list = async (c: HubClient) => (await c.get<{ jobs: Job[] }>('/v1/jobs?limit=500')).jobs.map((j) => j.id);

/** The error a request got (it must fail). */
async function refusal(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    return e as HubError;
  }
  assert.fail('the request succeeded');
}

/** The data of the first Server-Sent Event of a stream. */
async function firstEvent<T>(c: HubClient, path: string): Promise<T> {
  const abort = new AbortController();
  const res = await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${c.token}` }, signal: abort.signal });
  const reader = res.body!.getReader();
  let text = '';
  try {
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  } finally {
    abort.abort();
  }
  return JSON.parse(/^data: (.*)$/m.exec(text)![1]!) as T;
}

/** What the routes answer for a job id; another token's job must answer as a missing one. */
async function answers(c: HubClient, id: string): Promise<Array<[number, string]>> {
  const sse = await fetch(`${h.url}/v1/jobs/${id}/events`, { headers: { authorization: `Bearer ${c.token}` } });
  const sseBody = (await sse.json()) as { error: { message: string } };
  const errors = await Promise.all([
    refusal(c.get(`/v1/jobs/${id}`)),
    refusal(c.get(`/v1/jobs/${id}?wait=50ms`)),
    refusal(c.get(`/v1/jobs/${id}/tasks`)),
    refusal(c.post(`/v1/jobs/${id}/cancel`)),
    refusal(c.post(`/v1/jobs/${id}/enough`)),
  ]);
  return [...errors.map((e): [number, string] => [e.status, e.message]), [sse.status, sseBody.error.message]];
}

test('a confined client token lists, reads and cancels its own jobs, single and batch, and no others', async () => {
  const mine = await submit(alice);
  assert.equal(mine.createdBy, aliceId, 'the job names the token that created it');
  const batch = await alice.post<{ jobs: Job[] }>('/v1/jobs/batch', {
    jobs: [
      { kind: 'test.echo', input: 2 },
      { kind: 'test.echo', input: 3 },
    ],
  });
  const theirs = await submit(bob);
  const mineIds = [...batch.jobs.map((j) => j.id).reverse(), mine.id];
  assert.deepEqual(await list(alice), mineIds);
  assert.deepEqual(await list(bob), [theirs.id]);
  assert.equal((await alice.get<Job>(`/v1/jobs/${mine.id}`)).id, mine.id);
  assert.equal((await alice.get<{ tasks: unknown[] }>(`/v1/jobs/${mine.id}/tasks`)).tasks.length, 1);
  assert.equal((await alice.post<Job>(`/v1/jobs/${batch.jobs[0]!.id}/cancel`)).state, 'cancelled');

  // Bob's job answers alice exactly as a job that does not exist, and is left as it was.
  const missing = theirs.id.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
  const probed = await answers(alice, theirs.id);
  const absent = (await answers(alice, missing)).map(([s, m]): [number, string] => [s, m.replace(missing, theirs.id)]);
  assert.deepEqual(probed, absent);
  assert.ok(probed.every(([status]) => status === 404));
  assert.equal((await bob.get<Job>(`/v1/jobs/${theirs.id}`)).state, 'queued', 'the cancel did nothing');

  // Tokens made without ownJobs, and admins, see every job (as before).
  const open = await h.as('client');
  for (const c of [open, h.admin]) {
    const ids = await list(c);
    assert.ok([...mineIds, theirs.id].every((id) => ids.includes(id)));
    assert.equal((await c.get<Job>(`/v1/jobs/${theirs.id}`)).createdBy, bobId);
  }
});

test("a task of another token's job answers 404 on the task routes; dead-task lists keep the token's own", async () => {
  const theirs = await submit(bob, { maxAttempts: 1 });
  const mine = await submit(alice, { maxAttempts: 1 });
  const worker = await h.as('worker');
  const { tasks } = await worker.post<{ tasks: Array<{ leaseId: string; jobId: string; taskId: string }> }>(
    '/v1/worker/claim',
    { workerId: 'w-dead', capabilities: [{ kind: 'test.echo' }], max: 100, waitMs: 0 },
  );
  for (const t of tasks.filter((t) => t.jobId === theirs.id || t.jobId === mine.id))
    await worker.post('/v1/worker/fail', { leaseId: t.leaseId, error: 'boom', retryable: false });
  const theirTask = tasks.find((t) => t.jobId === theirs.id)!.taskId;
  const myTask = tasks.find((t) => t.jobId === mine.id)!.taskId;
  for (const ask of [
    () => alice.get(`/v1/tasks/${theirTask}`),
    () => alice.post(`/v1/tasks/${theirTask}/redrive`),
    () => alice.post(`/v1/tasks/${theirTask}/purge`),
  ]) {
    const e = await refusal(ask());
    assert.deepEqual([e.status, e.message], [404, `no task with id '${theirTask}'`]);
  }
  assert.equal((await alice.get<{ id: string }>(`/v1/tasks/${myTask}`)).id, myTask);
  const dead = (await alice.get<{ tasks: Array<{ id: string }> }>('/v1/tasks/dead?limit=500')).tasks.map((t) => t.id);
  assert.ok(dead.includes(myTask) && !dead.includes(theirTask));
  assert.equal((await bob.get<{ state: string }>(`/v1/tasks/${theirTask}`)).state, 'dead', 'not redriven');
  // The overview's newest dead tasks, too, are its own only.
  const overview = await firstEvent<{ dead: Array<{ id: string }> }>(alice, '/v1/stats/events');
  const shown = overview.dead.map((t) => t.id);
  assert.ok(shown.includes(myTask) && !shown.includes(theirTask));
  const adminView = await firstEvent<{ dead: Array<{ id: string }> }>(h.admin, '/v1/stats/events');
  assert.ok(adminView.dead.some((t) => t.id === theirTask));
});

test("an idempotency key another token used is 409 on key, never that token's job", async () => {
  await submit(bob, { key: 'shared-key' });
  const e = await refusal(submit(alice, { key: 'shared-key' }));
  assert.deepEqual([e.status, e.code, e.field], [409, 'key_taken', 'key']);
  const again = await refusal(
    alice.post('/v1/jobs/batch', { jobs: [{ kind: 'test.echo', input: 1, key: 'shared-key' }] }),
  );
  assert.deepEqual([again.status, again.field], [409, 'jobs.0.key']);
  // Its own key answers its own job, as before.
  const first = await submit(alice, { key: 'alice-key' });
  assert.equal((await submit(alice, { key: 'alice-key' })).id, first.id);
});

test('jobs with no creator (older than the column, or the hub its own) are seen by admins only', async () => {
  const { job } = await h.hub.broker.jobs.submit({ kind: 'test.echo', input: 'legacy' });
  assert.equal(job.createdBy, null);
  assert.equal((await refusal(alice.get(`/v1/jobs/${job.id}`))).status, 404);
  assert.ok(!(await list(alice)).includes(job.id));
  assert.equal((await h.admin.get<Job>(`/v1/jobs/${job.id}`)).id, job.id);
});

test('only a client token may be made with ownJobs: 400 naming ownJobs; the CLI names --own-jobs', async () => {
  const e = await refusal(h.admin.post('/v1/tokens', { name: 'w', scope: 'worker', ownJobs: true }));
  assert.deepEqual([e.status, e.field], [400, 'ownJobs']);
  const flags = ['--hub', h.url, '--token', h.adminToken];
  const ok = await roost(['token', 'create', 'api key', '--scope', 'client', '--own-jobs', ...flags]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /confined to own jobs/);
  const listed = await roost(['token', 'list', ...flags]);
  assert.match(listed.stdout, /api key\s+client\s+own jobs/);
  const bad = await roost(['token', 'create', 'x', '--scope', 'worker', '--own-jobs', ...flags]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--own-jobs confines a client token/);
});

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { HubClient, type HubError } from '../../../src/client/hubClient.js';
import { DEFAULTS } from '../../../src/config.js';
import { startHub } from '../../../src/hub/hub.js';
import { openBotStores } from '../../../src/store/openBotStores.js';
import { openStore } from '../../../src/store/openStore.js';
import type { ClaimedTask, Job, Result, SandboxPost } from '../../../src/types.js';
import { quietLog } from '../../helpers/inProcessHub.js';
import { NO_DATABASE, PG_URL, testDatabase } from '../../helpers/postgres.js';
import {
  exportTo,
  importInto,
  onPostgres,
  openSqlite,
  readContent,
  sqliteAt,
  workDir,
  type StoreConfig,
} from './archiveHelpers.js';
import { fillBots, fillJobs, fillPlatforms, READY_KIND, type Filled } from './fixture.js';

const work = workDir();
const db = await testDatabase();
after(async () => {
  work.remove();
  await db?.drop();
});

/** A SQLite store filled by the fixture and exported; the archive and what was made before it. */
async function archived(
  name: string,
): Promise<{ file: string; filled: Filled; maxSeq: number; maxTaskId: number; counters: Record<string, number> }> {
  const { store, bots, sandbox, platforms } = openSqlite(work.path(name));
  const filled = await fillJobs(store);
  await fillBots(bots, sandbox);
  await fillPlatforms(platforms);
  await store.close();
  const file = work.path(`${name}.tar.gz`);
  await exportTo(sqliteAt(work.path(name)), file);
  const { records, manifest } = await readContent(file);
  const tasks = records.get('tasks')!;
  return {
    file,
    filled,
    maxSeq: Math.max(...tasks.map((t) => (t.done_seq as number | null) ?? 0)),
    maxTaskId: Math.max(...tasks.map((t) => t.id as number)),
    counters: manifest.counters,
  };
}

/** A hub on an imported store serves what was there before the export, and numbers what is new after it. */
function hubWorksAfterImport(name: string, target: (dataDir: string) => StoreConfig): void {
  test(`${name}: a hub on the imported store takes old tokens, runs the queued job, and numbers new results and tasks after the old ones`, async () => {
    const before = await archived(`${name}-source`);
    const config = target(work.path(`${name}-target`));
    await importInto(config, before.file);
    const hub = await startHub({ ...DEFAULTS, port: 0, ...config, botsDir: work.path(`${name}-bots`) }, quietLog);
    try {
      const client = new HubClient(hub.url, before.filled.tokens.client);
      const worker = new HubClient(hub.url, before.filled.tokens.worker);
      assert.equal(
        (await client.get<Job>(`/v1/jobs/${before.filled.queuedJobId}`)).state,
        'queued',
        'a client token from before the export',
      );
      await assert.rejects(
        new HubClient(hub.url, before.filled.tokens.revoked).get('/v1/jobs'),
        { status: 401 },
        'the revoked token stays revoked',
      );

      const claim = () =>
        worker.post<{ tasks: ClaimedTask[] }>('/v1/worker/claim', {
          workerId: 'w-new',
          capabilities: [{ kind: READY_KIND }],
          max: 5,
          waitMs: 0,
        });
      const { tasks } = await claim();
      assert.deepEqual(
        tasks.map((t) => t.jobId),
        [before.filled.queuedJobId],
        'the queued job, and only it, is claimed',
      );
      await worker.post('/v1/worker/complete', {
        results: [{ leaseId: tasks[0]!.leaseId, output: { after: 'import' } }],
      });
      // The lease still names the token that claimed it: another worker token may not complete it.
      const other = new HubClient(hub.url, (await hub.tokens.create('other box', 'worker')).token);
      const held = [{ leaseId: before.filled.heldLeaseId, output: 'stolen' }];
      await assert.rejects(other.post('/v1/worker/complete', { results: held }), (e: HubError) => e.status === 403);
      await worker.post('/v1/worker/complete', {
        results: [{ leaseId: before.filled.heldLeaseId, output: 'held across the move' }],
      });
      const job = await client.get<Job & { results: Result[] }>(`/v1/jobs/${before.filled.queuedJobId}`);
      assert.equal(job.state, 'succeeded');
      const seqs = job.results.map((r) => r.seq);
      assert.equal(seqs.length, 1);
      assert.ok(
        seqs[0]! > before.maxSeq,
        `the new result's seq ${seqs[0]} comes after the old ones (up to ${before.maxSeq})`,
      );

      const submitted = await client.post<Job>('/v1/jobs', { kind: READY_KIND, input: { n: 2 } });
      const next = await claim();
      assert.deepEqual(
        next.tasks.map((t) => t.jobId),
        [submitted.id],
      );
      const rowId = Number(next.tasks[0]!.leaseId.split('.')[0]);
      assert.ok(
        rowId > before.maxTaskId,
        `a new task's row id ${rowId} comes after the old ones (up to ${before.maxTaskId})`,
      );

      const post = await client.post<SandboxPost>('/v1/sandbox/posts', { author: 'erin', text: 'after the move' });
      assert.equal(post.id, before.counters['sandbox_posts.id']! + 1, 'the next sandbox post id');
    } finally {
      await hub.close();
    }
    const store = await openStore(config);
    try {
      const { bots } = openBotStores(store);
      await bots.appendLogs([{ bot: 'frank', at: 1, level: 'info', msg: 'after the move', data: null }]);
      const [line] = (await bots.readLogs('frank', { limit: 10 })).filter((l) => l.msg === 'after the move');
      assert.ok(
        line!.id > before.counters['bot_logs.id']!,
        `a new log line's id ${line!.id} comes after every id handed out before (${before.counters['bot_logs.id']})`,
      );
    } finally {
      await store.close();
    }
  });
}

describe('after an import', () => {
  hubWorksAfterImport('sqlite', sqliteAt);
  if (db) hubWorksAfterImport('postgres', (dir) => onPostgres(`${PG_URL}?schema=${db.schema}_hub`, dir));
  else test('postgres: a hub on the imported store', { skip: NO_DATABASE }, () => {});
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { HubClient } from '../../../src/client/hubClient.js';
import type { ArchiveSource } from '../../../src/store/archive/archiveStore.js';
import { exportArchive } from '../../../src/store/archive/exportArchive.js';
import { openArchiveSource } from '../../../src/store/archive/openArchiveStore.js';
import { NO_PROGRESS } from '../../../src/store/archive/progress.js';
import type { Section } from '../../../src/store/archive/sections.js';
import type { ClaimedTask, Job } from '../../../src/types.js';
import { startTestHub, type TestHub } from '../../helpers/inProcessHub.js';
import { NO_DATABASE, PG_URL, testDatabase } from '../../helpers/postgres.js';
import {
  assertSameContent,
  exportTo,
  importInto,
  readContent,
  sqliteAt,
  workDir,
  type StoreConfig,
} from './archiveHelpers.js';

const work = workDir();
const db = await testDatabase();
after(async () => {
  work.remove();
  await db?.drop();
});

/** The source, with `meanwhile` run (and awaited) once the rows of `section` have been read. */
function writingMeanwhile(source: ArchiveSource, section: string, meanwhile: () => Promise<void>): ArchiveSource {
  return {
    dialect: source.dialect,
    where: source.where,
    schemaVersion: source.schemaVersion,
    count: (s) => source.count(s),
    async *rows(s: Section) {
      yield* source.rows(s);
      if (s.name === section) await meanwhile();
    },
    counters: () => source.counters(),
    close: () => source.close(),
  };
}

async function runSome(client: HubClient, worker: HubClient, jobs: number, complete: number): Promise<void> {
  for (let i = 0; i < jobs; i++) await client.post<Job>('/v1/jobs', { kind: 'test.echo', input: { i }, variants: 3 });
  const { tasks } = await worker.post<{ tasks: ClaimedTask[] }>('/v1/worker/claim', {
    workerId: 'w',
    capabilities: [{ kind: 'test.echo' }],
    max: complete,
    waitMs: 0,
  });
  await worker.post('/v1/worker/complete', { results: tasks.map((t) => ({ leaseId: t.leaseId, output: t.taskId })) });
}

function liveExport(name: string, storeOf: (hub: TestHub) => StoreConfig, over: Record<string, string>): void {
  test(`${name}: an export while the hub writes holds the store as it was when the export began`, async () => {
    const hub = await startTestHub(over);
    try {
      const config = storeOf(hub);
      const client = await hub.as('client');
      const worker = await hub.as('worker');
      await runSome(client, worker, 10, 12);
      const quiet = work.path(`${name}-quiet.tar.gz`);
      await exportTo(config, quiet);

      // After the jobs are read and before their tasks are: new jobs, results for old ones, a token.
      const during = work.path(`${name}-during.tar.gz`);
      await exportArchive(
        writingMeanwhile(await openArchiveSource(config), 'jobs', () =>
          runSome(client, worker, 5, 6)
            .then(() => hub.as('client'))
            .then(() => undefined),
        ),
        during,
        NO_PROGRESS,
      );

      const [a, b] = [await readContent(quiet), await readContent(during)];
      // Sequences are not transactional in PostgreSQL: one may be read past the snapshot, never behind it.
      for (const [k, v] of Object.entries(a.manifest.counters)) assert.ok(b.manifest.counters[k]! >= v, k);
      assertSameContent(
        a,
        { ...b, manifest: { ...b.manifest, counters: a.manifest.counters } },
        'the archive made while the hub wrote',
      );
      await importInto(sqliteAt(work.path(`${name}-imported`)), during);

      const later = await readContent(await exportTo(config, work.path(`${name}-later.tar.gz`)).then((s) => s.file));
      assert.equal(
        later.records.get('jobs')!.length,
        a.records.get('jobs')!.length + 5,
        'the writes made during the export were committed',
      );
    } finally {
      await hub.close();
    }
  });
}

liveExport('sqlite', (hub) => sqliteAt(hub.dataDir), { store: 'sqlite' });
if (db) {
  const url = `${PG_URL}?schema=${db.schema}_live`;
  liveExport('postgres', (hub) => ({ store: url, dataDir: hub.dataDir, synchronous: 'normal' }), { store: url });
} else {
  test('postgres: an export while the hub writes', { skip: NO_DATABASE }, () => {});
}

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ExportSummary } from '../../src/store/archive/exportArchive.js';
import type { ImportSummary } from '../../src/store/archive/importArchive.js';
import { NO_DATABASE, PG_URL, testDatabase } from '../helpers/postgres.js';
import { readContent } from '../store/archive/archiveHelpers.js';
import { roost, startHub, type Hub } from './roostCli.js';

// `roost export` and `roost import` as a user runs them: processes, a running `roost up`, exit
// codes, the summary alone on stdout and progress on stderr.

const work = mkdtempSync(join(tmpdir(), 'roost-archive-cli-'));
const at = (name: string) => join(work, name);
const db = await testDatabase();

let hub: Hub;
let clientToken: string;
let jobId: string;
before(async () => {
  hub = await startHub();
  const token = await hub.client(['token', 'create', 'producer', '--scope', 'client', '--json']);
  clientToken = (JSON.parse(token.stdout) as { token: string }).token;
  const job = await hub.client([
    'job',
    'submit',
    'text.markov',
    '{"prompt":"the sea","maxWords":5}',
    '--variants',
    '3',
    '--wait',
    '--json',
  ]);
  assert.equal(job.code, 0, job.stderr);
  jobId = (JSON.parse(job.stdout.trim().split('\n').at(-1)!) as { id: string }).id;
});
after(async () => {
  await hub?.stop();
  rmSync(work, { recursive: true, force: true });
  await db?.drop();
});

/** Every task belongs to a job in the archive, and every job has all its tasks. */
async function assertWhole(file: string): Promise<void> {
  const { records } = await readContent(file);
  const jobs = new Map(records.get('jobs')!.map((j) => [j.id, j]));
  const tasks = records.get('tasks')!;
  for (const t of tasks) assert.ok(jobs.has(t.job_id), `task ${t.id} of job ${t.job_id}, which the archive lacks`);
  for (const [id, j] of jobs)
    assert.equal(tasks.filter((t) => t.job_id === id).length, j.variants, `the tasks of ${id}`);
}

describe('roost export and import', () => {
  test('export while the hub runs and takes jobs: exit 0, the summary on stdout, progress on stderr, a whole archive', async () => {
    const busy = Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        hub.client(['job', 'submit', 'text.markov', `{"prompt":"wave ${i}","maxWords":3}`, '--variants', '2']),
      ),
    );
    const r = await roost(['export', at('live.tar.gz'), '--data', hub.dataDir]);
    await busy;
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^Exported \\d+ records from the SQLite store ${hub.dataDir}/roost\\.db to ${at('live.tar.gz')} \\([\\d.]+ kB, [\\d.]+ s\\)\\n  jobs \\d+, tasks \\d+, tokens \\d+, .*\\n$`,
      ),
    );
    assert.match(
      r.stderr,
      /^export jobs: \d+ records\nexport tasks: \d+ records\n/,
      'plain progress lines off a terminal',
    );
    await assertWhole(at('live.tar.gz'));
  });

  test('export --json prints the summary as JSON; an existing FILE needs --force', async () => {
    const first = await roost(['export', at('j.tar.gz'), '--data', hub.dataDir, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout) as ExportSummary;
    assert.equal(summary.dialect, 'sqlite');
    assert.ok(summary.sections.tasks! >= 3 && summary.sections.tokens! >= 2, first.stdout);
    const again = await roost(['export', at('j.tar.gz'), '--data', hub.dataDir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^roost: error: --force is needed to replace .*j\.tar\.gz, which exists/);
    assert.equal((await roost(['export', at('j.tar.gz'), '--data', hub.dataDir, '--force'])).code, 0);
  });

  test('import into a new data directory: exit 0 and the summary; again into the same one: exit 1 naming what it holds', async () => {
    await roost(['export', at('copy.tar.gz'), '--data', hub.dataDir]);
    const r = await roost(['import', at('copy.tar.gz'), '--data', at('copy'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as ImportSummary;
    assert.equal(summary.source.dialect, 'sqlite');
    assert.ok(summary.records > 0);
    const twice = await roost(['import', at('copy.tar.gz'), '--data', at('copy')]);
    assert.equal(twice.code, 1);
    assert.match(
      twice.stderr,
      /^roost: error: the SQLite store .*copy\/roost\.db is not empty \(it holds \d+ jobs, \d+ tasks, \d+ tokens.*\): import only into an empty store/,
    );
    assert.equal(twice.stdout, '');
  });

  test('import of a damaged archive exits 1 saying so and creates nothing', async () => {
    await roost(['export', at('dmg.tar.gz'), '--data', hub.dataDir]);
    const bytes = readFileSync(at('dmg.tar.gz'));
    bytes[Math.floor(bytes.length / 2)]! ^= 0x5a;
    writeFileSync(at('dmg.tar.gz'), bytes);
    const r = await roost(['import', at('dmg.tar.gz'), '--data', at('dmg')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^roost: error: the archive .*dmg\.tar\.gz is damaged: .*; nothing was imported\n/m);
    assert.equal(existsSync(at('dmg')), false);
  });

  test('errors name what to fix: no store to export, no archive, an unreachable PostgreSQL, an unknown flag', async () => {
    const none = await roost(['export', at('none.tar.gz'), '--data', at('nothing-here')]);
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /^roost: error: there is no SQLite store at .*nothing-here\/roost\.db: --data \(or ROOST_DATA\) names the directory/,
    );
    const nowhere = await roost(['export', at('no-such-folder/x.tar.gz'), '--data', hub.dataDir]);
    assert.equal(nowhere.code, 2);
    assert.match(
      nowhere.stderr,
      /^roost: error: the FILE argument names a folder that does not exist: .*no-such-folder\n/,
    );
    const missing = await roost(['import', at('no-such.tar.gz'), '--data', at('x')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^roost: error: the FILE argument names no file/);
    const down = await roost(['export', at('down.tar.gz'), '--store', 'postgres://roost:secret@127.0.0.1:9/roost']);
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      /^roost: error: cannot connect to the PostgreSQL store in schema public of 127\.0\.0\.1:9\/roost \(named by --store or ROOST_DATABASE_URL\)/,
    );
    assert.doesNotMatch(down.stderr, /secret/);
    const flag = await roost(['import', at('copy.tar.gz'), '--bogus']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--bogus/);
    assert.equal((await roost(['export'])).code, 2, 'FILE is required');
  });

  if (!db) {
    test('SQLite to PostgreSQL to SQLite with one command each', { skip: NO_DATABASE }, () => {});
  } else {
    test('SQLite to PostgreSQL to SQLite with one command each; a hub on the result takes the old token and shows the old job', async () => {
      const url = `${PG_URL}?schema=${db.schema}_cli`;
      assert.equal((await roost(['export', at('trip.tar.gz'), '--data', hub.dataDir])).code, 0);
      const toPg = await roost(['import', at('trip.tar.gz'), '--store', url]);
      assert.equal(toPg.code, 0, toPg.stderr);
      assert.match(
        toPg.stdout,
        new RegExp(
          `^Imported \\d+ records into the PostgreSQL store in schema ${db.schema}_cli of 127\\.0\\.0\\.1:5432/test from `,
        ),
      );
      const fromPg = await roost(['export', at('trip-pg.tar.gz'), '--store', url]);
      assert.equal(fromPg.code, 0, fromPg.stderr);
      const back = await roost(['import', at('trip-pg.tar.gz'), '--data', at('trip-back')]);
      assert.equal(back.code, 0, back.stderr);

      const moved = await startHub(['--data', at('trip-back')]);
      try {
        const r = await moved.client(['job', 'get', jobId, '--token', clientToken, '--json']);
        assert.equal(r.code, 0, r.stderr);
        const job = JSON.parse(r.stdout) as { state: string; results: unknown[] };
        assert.equal(job.state, 'succeeded');
        assert.equal(job.results.length, 3);
      } finally {
        await moved.stop();
      }
    });
  }
});

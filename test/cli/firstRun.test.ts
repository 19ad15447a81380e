import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  childEnv,
  cleanupProcesses,
  dumpOnFailure,
  makeTempDir,
  RoostProcess,
  type LogLine,
} from '../helpers/processes.js';
import { NO_DATABASE, testDatabase } from '../helpers/postgres.js';
import { roost } from './roostCli.js';

// `roost up` started as a new user starts it, in an empty directory, then the operator who lost the
// admin token file getting back in with nothing but the store: `roost token create --store`.

after(cleanupProcesses);

/** `roost up` in `cwd` with `args` and `env`; resolves once it logs 'hub listening'. */
async function up(cwd: string, args: string[], env: Record<string, string> = {}) {
  const proc = new RoostProcess('up', ['up', '--port', '0', ...args], childEnv(env), cwd);
  const line: LogLine = await proc.waitForLog('hub listening');
  return { proc, url: String(line.url) };
}

async function stop(proc: RoostProcess): Promise<void> {
  proc.kill('SIGTERM');
  await proc.waitForExit();
}

/** The HTTP status of `GET /v1/tokens` (admin only) with this token. */
async function adminStatus(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}/v1/tokens`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

/** Runs `roost token create NAME --scope admin --json` with `args`; answers the new token. */
async function createAdminInStore(args: string[]): Promise<string> {
  const r = await roost(['token', 'create', 'rescue', '--scope', 'admin', '--json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  const created = JSON.parse(r.stdout) as { token: string; scope: string; name: string };
  assert.equal(created.scope, 'admin');
  assert.equal(created.name, 'rescue');
  return created.token;
}

const db = await testDatabase();

describe('first start on PostgreSQL', () => {
  if (!db) {
    test('roost up --store postgres:// in an empty directory', { skip: NO_DATABASE }, () => {});
    return;
  }
  after(() => db.drop());

  test('a first start that cannot write the token file records no token, so the next start makes one', async () => {
    await dumpOnFailure(async () => {
      const cwd = makeTempDir('roost-first-');
      // A file where the data directory's parent should be: the directory cannot be made.
      writeFileSync(join(cwd, 'blocker'), '');
      const failed = new RoostProcess(
        'up',
        ['up', '--port', '0', '--store', db.url, '--data', 'blocker/data'],
        childEnv(),
        cwd,
      );
      const exit = await failed.waitForExit();
      assert.equal(exit.code, 1, failed.output());
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${db.schema}.tokens`);
      assert.deepEqual(rows, [{ n: 0 }], 'no token may be recorded that nobody holds');

      // An empty directory, the store given by environment as the user did: roost-data is made.
      const hub = await up(cwd, [], { ROOST_DATABASE_URL: db.url });
      const file = join(cwd, 'roost-data', 'admin.token');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(await adminStatus(hub.url, readFileSync(file, 'utf8').trim()), 200);

      // The file is lost; whoever holds the database URL gets back in, with the hub still running.
      rmSync(file);
      const token = await createAdminInStore(['--store', db.url]);
      assert.equal(await adminStatus(hub.url, token), 200);
      await stop(hub.proc);
      assert.equal(existsSync(file), false, 'a restart on a store with tokens does not mint another');
    });
  });
});

describe('an operator without the admin token file, on SQLite', () => {
  test('roost token create --store sqlite --data DIR makes an admin token the running hub accepts', async () => {
    await dumpOnFailure(async () => {
      const cwd = makeTempDir('roost-first-');
      const data = join(cwd, 'roost-data');
      const hub = await up(cwd, ['--data', data]);
      rmSync(join(data, 'admin.token'));
      const token = await createAdminInStore(['--store', 'sqlite', '--data', data]);
      assert.equal(await adminStatus(hub.url, token), 200);
      await stop(hub.proc);
    });
  });

  test('--store sqlite names the directory when it holds no store, and creates nothing there', async () => {
    const missing = join(makeTempDir('roost-first-'), 'nothing-here');
    const r = await roost(['token', 'create', 'rescue', '--scope', 'admin', '--store', 'sqlite', '--data', missing]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no store in .*nothing-here.*--data/);
    assert.equal(existsSync(missing), false);
  });

  test('--store with --hub is refused, naming the flags', async () => {
    const r = await roost(['token', 'create', 'x', '--scope', 'admin', '--store', 'sqlite', '--hub', 'http://a:1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--store .*--hub/);
  });
});

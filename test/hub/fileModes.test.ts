import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { DEFAULTS } from '../../src/config.js';
import { startHub } from '../../src/hub/hub.js';
import { sqliteOnly } from '../helpers/inProcessHub.js';

/** Starts a hub on a SQLite store in `dataDir`, keeping its log lines, and runs `check` while it is up. */
async function withHub(dataDir: string, check: (logs: string[]) => Promise<void> | void): Promise<void> {
  const logs: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const hub = await startHub({ ...DEFAULTS, port: 0, store: 'sqlite', dataDir, botsDir: join(dataDir, 'bots') }, log);
  try {
    // A write so the WAL file surely exists while the hub runs.
    await hub.tokens.create('a client', 'client');
    await check(logs);
  } finally {
    await hub.close();
  }
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** The files the hub keeps in the data directory, each readable by the owner only. */
function assertOwnerOnly(dataDir: string): void {
  for (const name of ['roost.db', 'roost.db-wal', 'roost.db-shm', 'admin.token']) {
    const file = join(dataDir, name);
    assert.ok(existsSync(file), `${name} should exist while the hub runs`);
    assert.equal(mode(file).toString(8), '600', `${name} must be readable by its owner only`);
  }
}

test('a new data directory is 0700 and the store and token files in it 0600', sqliteOnly, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'roost-modes-'));
  const dataDir = join(parent, 'data');
  try {
    await withHub(dataDir, (logs) => {
      assert.equal(mode(dataDir).toString(8), '700');
      assertOwnerOnly(dataDir);
      assert.ok(!logs.some((l) => l.includes('chmod 700')), 'no warning for a directory the hub made');
    });
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('an existing open data directory is warned about, left as it is, and its files are 0600', sqliteOnly, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'roost-modes-'));
  chmodSync(dataDir, 0o755);
  // A token file left behind by an earlier store, world-readable.
  writeFileSync(join(dataDir, 'admin.token'), 'roost_stale\n', { mode: 0o644 });
  chmodSync(join(dataDir, 'admin.token'), 0o644);
  try {
    await withHub(dataDir, (logs) => {
      assertOwnerOnly(dataDir);
      const warning = logs.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 40);
      assert.ok(warning, 'a warning about the open directory');
      assert.ok(warning.msg.includes(`chmod 700 ${dataDir}`), warning.msg);
      assert.equal(mode(dataDir).toString(8), '755', 'a directory the user made keeps its mode');
    });
    // A store file made 0644 by an older release is tightened on the next start.
    chmodSync(join(dataDir, 'roost.db'), 0o644);
    await withHub(dataDir, () => assertOwnerOnly(dataDir));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

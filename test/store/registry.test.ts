import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/openStore.js';
import { storeAdapter, storeSetting } from '../../src/store/registry.js';

const SECRET_URL = 'mysql://u:hunter2@db/x';

test('the store setting picks its adapter: sqlite, or a postgres:// (or postgresql://) URL', () => {
  assert.equal(storeAdapter('sqlite').name, 'sqlite');
  assert.equal(storeAdapter('postgres://roost@db:5432/roost?schema=a').name, 'postgres');
  assert.equal(storeAdapter('postgresql://roost@db/roost').name, 'postgres');
});

test('a setting no adapter takes is refused with the choices, never repeated (it may hold a password)', async () => {
  const refused = (e: Error) =>
    /store setting must be 'sqlite' or a postgres:\/\/ URL/.test(e.message) && !e.message.includes('hunter2');
  assert.throws(() => storeAdapter(SECRET_URL), refused);
  const dir = mkdtempSync(join(tmpdir(), 'roost-registry-'));
  try {
    await assert.rejects(openStore({ store: SECRET_URL, dataDir: dir, synchronous: 'normal' }), refused);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadConfig checks the store setting with the check it is handed: the config does not know the adapters', () => {
  assert.equal(loadConfig({ env: {}, flags: { store: SECRET_URL } }).store, SECRET_URL);
  assert.throws(
    () => loadConfig({ env: { ROOST_DATABASE_URL: SECRET_URL }, storeSetting }),
    (e: Error) =>
      /^environment: store must be 'sqlite' or a postgres/.test(e.message) && !e.message.includes('hunter2'),
  );
});

test('an SQLite store that is not there is named as absent before it would be created empty', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roost-registry-'));
  try {
    const settings = { store: 'sqlite', dataDir: join(dir, 'nothing-here'), synchronous: 'normal' as const };
    assert.match(storeAdapter('sqlite').absent(settings) ?? '', /no store in .*nothing-here/);
    assert.equal(
      storeAdapter('postgres://roost@db/roost').absent({ ...settings, store: 'postgres://roost@db/roost' }),
      null,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

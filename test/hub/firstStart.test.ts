import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULTS } from '../../src/config.js';
import { startHub } from '../../src/hub/hub.js';
import { quietLog, sqliteOnly, startTestHub } from '../helpers/inProcessHub.js';

test('the first start writes an admin token only its owner can read; a restart keeps it', sqliteOnly, async () => {
  // The restart below reopens the data directory, so the store is the SQLite file in it.
  const h = await startTestHub({ store: 'sqlite' });
  const file = join(h.dataDir, 'admin.token');
  try {
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(h.adminToken, /^roost_[0-9a-f]{12}_\S{40,}$/);
    const tokens = await h.admin.get<{ tokens: Array<{ scope: string }> }>('/v1/tokens');
    assert.deepEqual(
      tokens.tokens.map((t) => t.scope),
      ['admin'],
    );
  } finally {
    await h.hub.close();
  }
  const again = await startHub({ ...DEFAULTS, port: 0, dataDir: h.dataDir }, quietLog);
  try {
    assert.equal(readFileSync(file, 'utf8').trim(), h.adminToken);
    assert.equal((await again.tokens.list()).length, 1, 'a restart must not mint another admin token');
    assert.notEqual(await again.tokens.verify(h.adminToken), null);
  } finally {
    await again.close();
    rmSync(h.dataDir, { recursive: true, force: true });
  }
});

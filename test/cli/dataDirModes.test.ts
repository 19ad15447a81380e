import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sqliteOnly } from '../helpers/inProcessHub.js';
import { childEnv, cleanupProcesses, dumpOnFailure, makeTempDir, RoostProcess } from '../helpers/processes.js';

// `roost up` on a data directory the user made open to others (0755), holding a stale
// world-readable worker.token: the hub warns about the directory and keeps every file it writes there
// to its owner.

after(cleanupProcesses);

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

test('roost up on an open data directory warns with the chmod fix and writes its files 0600', sqliteOnly, async () => {
  await dumpOnFailure(async () => {
    const dataDir = makeTempDir('roost-modes-');
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'worker.token'), 'roost_stale\n');
    chmodSync(join(dataDir, 'worker.token'), 0o644);
    const up = new RoostProcess('up', ['up', '--port', '0', '--data', dataDir], childEnv(), dataDir);
    await up.waitForLog('worker started');
    const warning = await up.waitForLog((l) => l.level === 40 && String(l.msg).includes('chmod 700'));
    assert.equal(
      warning.msg,
      `the data directory ${dataDir} is open to other users (mode 755); run: chmod 700 ${dataDir}`,
    );
    for (const name of ['roost.db', 'roost.db-wal', 'roost.db-shm', 'admin.token', 'worker.token'])
      assert.equal(mode(join(dataDir, name)), '600', `${name} must be readable by its owner only`);
    assert.equal(mode(dataDir), '755', 'a directory the user made keeps its mode');
    up.kill('SIGTERM');
    assert.equal((await up.waitForExit()).code, 0, up.output());
  });
});

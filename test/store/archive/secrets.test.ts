import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { exportArchive } from '../../../src/store/archive/exportArchive.js';
import { openArchiveSource } from '../../../src/store/archive/openArchiveStore.js';
import { NO_PROGRESS } from '../../../src/store/archive/progress.js';
import { openSqlite, readContent, sqliteAt, workDir } from './archiveHelpers.js';
import { fillBots, fillPlatforms } from './fixture.js';

const work = workDir();
after(() => work.remove());

test('platform credentials are left out of an archive unless it is asked for them (--with-secrets)', async () => {
  const { store, bots, sandbox, platforms } = openSqlite(work.path('s'));
  await fillBots(bots, sandbox);
  await fillPlatforms(platforms);
  await store.close();
  const plain = work.path('plain.tar.gz');
  await exportArchive(await openArchiveSource(sqliteAt(work.path('s'))), plain, NO_PROGRESS);
  const withSecrets = work.path('secrets.tar.gz');
  await exportArchive(await openArchiveSource(sqliteAt(work.path('s'))), withSecrets, NO_PROGRESS, Date.now(), {
    withSecrets: true,
  });
  const [left] = (await readContent(plain)).records.get('platform_accounts')!;
  assert.deepEqual([left!.name, left!.instance, left!.sealed], ['news', 'https://example.org/feed.xml', null]);
  const [kept] = (await readContent(withSecrets)).records.get('platform_accounts')!;
  assert.equal(kept!.sealed, 'v1:c2VhbGVk');
});

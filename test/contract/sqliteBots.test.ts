import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openBotStores } from '../../src/store/openBotStores.js';
import { SqliteStore } from '../../src/store/sqlite/sqliteStore.js';
import { botStoreContract } from './botStoreContract.js';

const dir = mkdtempSync(join(tmpdir(), 'roost-sqlite-bots-'));
after(() => rmSync(dir, { recursive: true, force: true }));

botStoreContract({
  name: 'sqlite',
  async open() {
    const store = new SqliteStore(join(dir, 'bots.db'), { retryDelay: () => 1000 });
    return { ...openBotStores(store), close: () => store.close() };
  },
});

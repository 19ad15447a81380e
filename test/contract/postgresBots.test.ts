import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PgBotStore } from '../../src/store/postgres/pgBotStore.js';
import { PgSandboxStore } from '../../src/store/postgres/pgSandboxStore.js';
import { PgStore } from '../../src/store/postgres/pgStore.js';
import { NO_DATABASE, testDatabase } from '../helpers/postgres.js';
import { botStoreContract } from './botStoreContract.js';
import { RETRY_MS } from './storeContract.js';

const db = await testDatabase();

async function open() {
  const store = await PgStore.open(db!.url, { retryDelay: () => RETRY_MS });
  return {
    store,
    bots: new PgBotStore(store.core),
    sandbox: new PgSandboxStore(store.core),
    close: () => store.close(),
  };
}

if (!db) {
  test('postgres bot store contract', { skip: NO_DATABASE }, () => {});
} else {
  after(() => db.drop());

  botStoreContract({ name: 'postgres', open });

  test(
    'postgres: a bot polling the sandbox from its cursor misses no post that two hubs insert at once',
    { timeout: 60_000 },
    async () => {
      const [a, b] = [await open(), await open()];
      try {
        const start = (await a.sandbox.timeline(null, 1))[0]?.id ?? 0;
        const seen: number[] = [];
        let cursor = start;
        const poll = async () => {
          for (const p of await a.sandbox.postsAfter(cursor, 1000)) {
            seen.push(p.id);
            cursor = p.id;
          }
        };
        let writing = true;
        const reader = (async () => {
          while (writing) await poll();
        })();
        // Ten writers per hub, each on a connection of its own: ids are drawn while others commit.
        const written = (
          await Promise.all(
            Array.from({ length: 20 }, async (_, w) => {
              const ids: number[] = [];
              for (let i = 0; i < 15; i++) {
                const post = {
                  type: 'post' as const,
                  author: `w${w}`,
                  recipient: null,
                  replyTo: null,
                  text: `${w}.${i}`,
                  mentions: [],
                  key: null,
                  createdAt: 1,
                };
                ids.push((await (w % 2 ? a : b).sandbox.insertPost(post)).post.id);
              }
              return ids;
            }),
          )
        ).flat();
        writing = false;
        await reader;
        await poll();
        assert.deepEqual(
          seen,
          [...written].sort((x, y) => x - y),
          'every post read once, in id order, none skipped by the cursor',
        );
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
  );
}

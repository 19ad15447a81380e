import { PostgresStore } from '../../store/postgres/PostgresStore.js';
import { SqliteStore } from '../../store/sqlite/SqliteStore.js';
import type { Store } from '../../store/store.js';
import type { ArtifactMetaStore } from './artifactMeta.js';
import { PgArtifactMeta } from './pgMeta.js';
import { SqliteArtifactMeta } from './sqliteMeta.js';

/** The artifact metadata on the main store's connection, so its adapter decides which. */
export function openArtifactMeta(store: Store): ArtifactMetaStore {
  if (store instanceof SqliteStore) return new SqliteArtifactMeta(store.core);
  if (store instanceof PostgresStore) return new PgArtifactMeta(store.core);
  throw new Error(`no artifact metadata for a ${store.dialect} store`);
}

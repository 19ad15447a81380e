import type { CompanionStores } from '../companions.js';
import { sqlitePipelineStore } from './sqlitePipelineStore.js';
import type { SqliteCore } from './core.js';
import { SqliteArtifactMeta } from './sqliteArtifactMeta.js';
import { SqliteBotStore } from './sqliteBotStore.js';
import { sqliteChatStore } from './sqliteChatStore.js';
import { SqliteLogStore } from './sqliteLogStore.js';
import { SqlitePlatformStore } from './sqlitePlatformStore.js';
import { SqliteSandboxStore } from './sqliteSandboxStore.js';
import { sqliteUsageStore } from './sqliteUsageStore.js';

/** The SQLite store's companions: on its connection, their writes in its batched transactions. */
export function sqliteCompanions(core: SqliteCore): CompanionStores {
  return {
    bots: () => new SqliteBotStore(core),
    sandbox: () => new SqliteSandboxStore(core),
    platform: () => new SqlitePlatformStore(core),
    logs: () => new SqliteLogStore(core),
    chat: () => sqliteChatStore(core),
    usage: () => sqliteUsageStore(core),
    artifactMeta: () => new SqliteArtifactMeta(core),
    pipelines: () => sqlitePipelineStore(core),
  };
}

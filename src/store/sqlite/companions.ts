import type { CompanionStores } from '../companions.js';
import { sqlitePipelineStore } from './SqlitePipelineStore.js';
import type { SqliteCore } from './core.js';
import { SqliteArtifactMeta } from './SqliteArtifactMeta.js';
import { SqliteBotStore } from './SqliteBotStore.js';
import { sqliteChatStore } from './SqliteChatStore.js';
import { SqliteLogStore } from './SqliteLogStore.js';
import { SqlitePlatformStore } from './SqlitePlatformStore.js';
import { SqliteSandboxStore } from './SqliteSandboxStore.js';
import { sqliteUsageStore } from './SqliteUsageStore.js';

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

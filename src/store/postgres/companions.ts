import type { CompanionStores } from '../companions.js';
import { pgPipelineStore } from './pgPipelineStore.js';
import type { PgCore } from './core.js';
import { PgArtifactMeta } from './pgArtifactMeta.js';
import { PgBotStore } from './pgBotStore.js';
import { pgChatStore } from './pgChatStore.js';
import { PgLogStore } from './pgLogStore.js';
import { PgPlatformStore } from './pgPlatformStore.js';
import { PgSandboxStore } from './pgSandboxStore.js';
import { pgUsageStore } from './pgUsageStore.js';

/** The PostgreSQL store's companions: on its pool, each write committed before it resolves. */
export function pgCompanions(core: PgCore): CompanionStores {
  return {
    bots: () => new PgBotStore(core),
    sandbox: () => new PgSandboxStore(core),
    platform: () => new PgPlatformStore(core),
    logs: () => new PgLogStore(core),
    chat: () => pgChatStore(core),
    usage: () => pgUsageStore(core),
    artifactMeta: () => new PgArtifactMeta(core),
    pipelines: () => pgPipelineStore(core),
  };
}

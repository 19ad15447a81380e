import type { CompanionStores } from '../companions.js';
import { pgPipelineStore } from './PgPipelineStore.js';
import type { PgCore } from './core.js';
import { PgArtifactMeta } from './PgArtifactMeta.js';
import { PgBotStore } from './PgBotStore.js';
import { pgChatStore } from './PgChatStore.js';
import { PgLogStore } from './PgLogStore.js';
import { PgPlatformStore } from './PgPlatformStore.js';
import { PgSandboxStore } from './PgSandboxStore.js';
import { pgUsageStore } from './PgUsageStore.js';

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

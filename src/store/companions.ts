import type { ArtifactMetaStore } from './artifactMeta.js';
import type { BotStore, SandboxStore } from './botStore.js';
import type { ChatStore } from './chatStore.js';
import type { LogStore } from './logStore.js';
import type { PipelineStore } from './pipelineStore.js';
import type { PlatformStore } from './platformStore.js';
import type { UsageStore } from './usageStore.js';

/**
 * The stores that live on the main store's connection (SQLite's batcher, PostgreSQL's pool), so
 * their writes commit as the main store's do. Each adapter makes them for its own store; each is
 * opened when asked for.
 */
export interface CompanionStores {
  bots(): BotStore;
  sandbox(): SandboxStore;
  platform(): PlatformStore;
  logs(): LogStore;
  chat(): ChatStore;
  usage(): UsageStore;
  artifactMeta(): ArtifactMetaStore;
  pipelines(): PipelineStore;
}

import type { StoreSettings } from '../adapter.js';
import { storeAdapter } from '../registry.js';
import type { ArchiveSource, ArchiveTarget } from './archiveStore.js';

/** The store to export, chosen as the hub chooses it (see openStore): a snapshot of it, read only. */
export async function openArchiveSource(config: StoreSettings): Promise<ArchiveSource> {
  return storeAdapter(config.store).archiveSource(config);
}

/** The store to import into, chosen as the hub chooses it; nothing is created until the import begins. */
export async function openArchiveTarget(config: StoreSettings): Promise<ArchiveTarget> {
  return storeAdapter(config.store).archiveTarget(config);
}

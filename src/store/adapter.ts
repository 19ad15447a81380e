import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ArchiveSource, ArchiveTarget } from './archive/archiveStore.js';
import type { Cluster } from './cluster.js';
import type { Store, StoreOptions } from './store.js';

/** The settings that say which store to open and how. */
export type StoreSettings = Pick<Config, 'store' | 'dataDir' | 'synchronous'>;

/**
 * One store adapter, everything the rest of Roost asks of it: an adapter is its folder
 * (`src/store/<name>/`) and one line in `registry.ts`. The store it opens makes the stores that
 * share its connection (`Store.companions`). An entry loads its code when first asked (a dynamic
 * import), so that checking the store setting costs a CLI command nothing.
 */
export interface StoreAdapter {
  /** Its name in messages, as its stores give `dialect`. */
  readonly name: string;
  /** What the store setting is for it, for the message listing the choices: `'sqlite'`, `a postgres:// URL (...)`. */
  readonly setting: string;
  /** Whether the store setting (a name or a URL) picks this adapter. */
  matches(setting: string): boolean;
  /** Opens the store, its migrations applied. */
  open(settings: StoreSettings, options: StoreOptions): Promise<Store>;
  /** The other hubs on the same store: elections and notices between them. */
  cluster(settings: Pick<Config, 'store' | 'reapIntervalMs'>, log: Logger): Promise<Cluster>;
  /**
   * Why opening the store would create a new, empty one rather than the one meant (an SQLite file
   * that is not there), without repeating the setting; null when the store is there or made elsewhere.
   */
  absent(settings: StoreSettings): string | null;
  /** The store to export: a snapshot of it, read only. */
  archiveSource(settings: StoreSettings): Promise<ArchiveSource>;
  /** The store to import into; nothing is created until the import begins. */
  archiveTarget(settings: StoreSettings): Promise<ArchiveTarget>;
}

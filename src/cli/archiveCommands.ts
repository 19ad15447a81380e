import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { configOption, dataOption, storeOption, UsageError } from './flags.js';
import { progressOn } from './progressBar.js';
import { out, printJson, readConfig } from './shared.js';

interface ArchiveFlags {
  store?: string;
  data?: string;
  config?: string;
  json?: boolean;
}

/** The store is chosen as the hub chooses it: --store, config "store", ROOST_DATABASE_URL, else SQLite in --data. */
function addStoreOptions(cmd: Command, store: string, data: string): Command {
  return cmd
    .addOption(storeOption(store))
    .addOption(dataOption(data))
    .addOption(configOption())
    .option('--json', 'print the summary as JSON instead of text')
    .allowExcessArguments(false);
}

function storeConfig(f: ArchiveFlags): Config {
  return readConfig({ configFile: f.config, flags: { store: f.store, dataDir: f.data } });
}

/** The archive code (SQLite, pg, zlib) loads only for these two commands. */
async function load() {
  const [stores, { exportArchive }, { importArchive }] = await Promise.all([
    import('../store/archive/openArchiveStore.js'),
    import('../store/archive/exportArchive.js'),
    import('../store/archive/importArchive.js'),
  ]);
  return { ...stores, exportArchive, importArchive };
}

function size(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return bytes < 1e9 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e9).toFixed(2)} GB`;
}

function counts(sections: Record<string, number>): string {
  const held = Object.entries(sections).filter(([, n]) => n > 0);
  return held.length === 0 ? '  (the store was empty)' : `  ${held.map(([name, n]) => `${name} ${n}`).join(', ')}`;
}

export function registerArchiveCommands(program: Command): void {
  addStoreOptions(program.command('export'), 'the store to export', 'where the SQLite store (roost.db) is')
    .summary('Write everything the store holds to one archive (safe while hubs run)')
    .description(
      "Write everything the store holds to one archive (a gzip'd tar): jobs, tasks and results, tokens (as hashes only), workers, " +
        'kinds, limits, bots with their state, feeds, ledgers and logs, and the sandbox. Reads one consistent snapshot, so it is ' +
        'safe while hubs run; progress goes to stderr, the summary to stdout',
    )
    .argument('<file>', 'the archive to write, e.g. roost-backup.tar.gz')
    .option('--force', 'replace FILE if it exists')
    .option(
      '--with-secrets',
      "include platform credentials (sealed with the hub's key: the importing hub needs the same secretKey)",
    )
    .action(async (file: string, f: ArchiveFlags & { force?: boolean; withSecrets?: boolean }) => {
      if (existsSync(file) && !f.force)
        throw new UsageError(`--force is needed to replace ${file}, which exists (or name another FILE)`);
      if (!existsSync(dirname(resolve(file))))
        throw new UsageError(`the FILE argument names a folder that does not exist: ${dirname(resolve(file))}`);
      const config = storeConfig(f);
      const { openArchiveSource, exportArchive } = await load();
      const progress = progressOn(process.stderr);
      const options = { withSecrets: f.withSecrets ?? false };
      const summary = await exportArchive(await openArchiveSource(config), file, progress, Date.now(), options).finally(
        () => progress.close(),
      );
      if (f.json) return printJson(summary);
      out(
        `Exported ${summary.records} records from ${summary.where} to ${summary.file} (${size(summary.bytes)}, ${(summary.durationMs / 1000).toFixed(1)} s)`,
      );
      out(counts(summary.sections));
    });

  addStoreOptions(
    program.command('import'),
    'the empty store to import into',
    'where the SQLite store (roost.db) is created',
  )
    .summary('Load an archive into an empty SQLite or PostgreSQL store, all or nothing')
    .description(
      'Load an archive written by `roost export` into an empty store, SQLite or PostgreSQL, whichever wrote it: migrations are ' +
        'applied, then every record is written in one transaction, all or nothing. Refuses, changing nothing, a store that holds ' +
        'anything and an archive that is damaged (checked through before anything is written)',
    )
    .argument('<file>', 'the archive to read')
    .action(async (file: string, f: ArchiveFlags) => {
      if (!existsSync(file)) throw new UsageError(`the FILE argument names no file: ${file}`);
      const config = storeConfig(f);
      const { openArchiveTarget, importArchive } = await load();
      const target = await openArchiveTarget(config);
      const progress = progressOn(process.stderr);
      try {
        const summary = await importArchive(file, target, progress);
        if (f.json) return printJson(summary);
        out(
          `Imported ${summary.records} records into ${summary.where} from ${summary.file} ` +
            `(exported from a ${summary.source.dialect} store by Roost ${summary.source.roostVersion} at ${summary.source.createdAt}; ` +
            `${(summary.durationMs / 1000).toFixed(1)} s)`,
        );
        out(counts(summary.sections));
      } finally {
        progress.close();
        await target.close();
      }
    });
}

import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';

/**
 * Makes a store file, and the -wal and -shm files beside it, readable by their owner only: they
 * hold job inputs and outputs and token hashes. SQLite would create the file 0644 (less the umask);
 * creating it empty (a valid empty database) 0600 first is enough for the rest, because SQLite on
 * Unix gives the -wal, -journal and -shm files it creates later the main file's mode. A file left
 * open by an older release is tightened too.
 */
export function ownerOnlyStoreFiles(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) if (existsSync(f)) chmodSync(f, 0o600);
}

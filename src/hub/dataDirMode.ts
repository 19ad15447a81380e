import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';

/**
 * Warns when the data directory lets group or others in. The hub makes a new one 0700 and its own
 * files 0600, but leaves the mode of a directory the user made alone: it may be shared on purpose.
 */
export function warnIfDataDirOpen(dataDir: string, log: Logger): void {
  if (!existsSync(dataDir)) return;
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  const dir = resolve(dataDir);
  log.warn(
    { dir, mode: mode.toString(8) },
    `the data directory ${dir} is open to other users (mode ${mode.toString(8)}); run: chmod 700 ${dir}`,
  );
}

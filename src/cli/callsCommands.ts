import type { Command } from 'commander';
import type { PlatformCall } from '../store/platformStore.js';
import { duration, integer } from './flags.js';
import { clientCommand, connect, iso, out, printJson, query, table, type ClientFlags } from './shared.js';

export function registerCallsCommands(program: Command): void {
  clientCommand(program, 'calls', 'Platform calls the hub made for bots, newest first (paced, retried, recorded)')
    .option('--account <name>', 'only this account')
    .option('--since <duration>', 'only calls of the last DURATION, e.g. 1h', duration('--since'))
    .option('--limit <n>', 'at most N calls (default 100)', integer('--limit', 1, 1000))
    .action(async (f: ClientFlags & { account?: string; since?: number; limit?: number }) => {
      const { calls } = await connect(f).get<{ calls: PlatformCall[] }>(
        `/v1/platform-calls${query({
          account: f.account,
          since: f.since === undefined ? undefined : Date.now() - f.since,
          limit: f.limit,
        })}`,
      );
      if (f.json) return printJson({ calls });
      if (calls.length === 0) return out('No platform calls recorded in that window');
      table(
        ['AT', 'ACCOUNT', 'PLATFORM', 'METHOD', 'STATUS', 'MS', 'WAITED', 'LEFT', 'TRY', 'ERROR'],
        calls.map((c) => [
          iso(c.at),
          c.account,
          c.platform,
          c.method,
          String(c.status),
          String(c.durationMs),
          c.waitMs ? `${c.waitMs}ms` : '-',
          c.remaining === null ? '-' : String(c.remaining),
          String(c.attempt),
          c.error ? c.error.slice(0, 60) : '',
        ]),
      );
    });
}

import type { Command } from 'commander';
import type { Limit, Rate } from '../types.js';
import { integer, rate, UsageError } from './flags.js';
import { clientCommand, connect, out, printJson, seg, table, type ClientFlags } from './shared.js';

const KEY_HELP =
  "a concurrency key such as bot:frank, or a prefix ending in '*' (bot:*) whose limits apply to each matching key on its own";

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** Milliseconds in the largest unit that divides them exactly: 60000 -> 1m, 1500 -> 1500ms. */
function shortDuration(ms: number): string {
  const unit = UNITS.find(([, size]) => ms % size === 0);
  return unit ? `${ms / unit[1]}${unit[0]}` : `${ms}ms`;
}

/** A rate as --rate takes it: 10/1m. */
function rateText(r: Rate | null): string {
  return r ? `${r.count}/${shortDuration(r.intervalMs)}` : '-';
}

function limitText(l: Limit): string {
  const parts = [
    l.concurrency === null ? '' : `at most ${l.concurrency} running`,
    l.rate
      ? `at most ${l.rate.count} start${l.rate.count === 1 ? '' : 's'} per ${shortDuration(l.rate.intervalMs)}`
      : '',
  ];
  return parts.filter(Boolean).join(', ');
}

export function registerLimitCommands(program: Command): void {
  const limit = program
    .command('limit')
    .description('Set, list and delete the concurrency and rate limits of concurrency keys');

  clientCommand(limit, 'set', "Set a key's limits, replacing any it had (needs an admin token)")
    .argument('<key>', KEY_HELP)
    .option(
      '--concurrency <n>',
      'at most this many tasks of the key running at once, 1 to 1000000',
      integer('--concurrency', 1, 1_000_000),
    )
    .option(
      '--rate <count/duration>',
      'at most COUNT task starts per DURATION, e.g. 10/1m or 5/30s (a token bucket)',
      rate('--rate'),
    )
    .action(async (key: string, f: ClientFlags & { concurrency?: number; rate?: Rate }) => {
      if (f.concurrency === undefined && f.rate === undefined)
        throw new UsageError('give --concurrency, --rate or both (to remove a limit: roost limit delete)');
      const set = await connect(f).request<Limit>('PUT', `/v1/limits/${seg(key)}`, {
        concurrency: f.concurrency ?? null,
        rate: f.rate ?? null,
      });
      if (f.json) printJson(set);
      else out(`Limit for ${set.key}: ${limitText(set)}`);
    });

  clientCommand(limit, 'list', 'List the limits: key, concurrency and rate').action(async (f: ClientFlags) => {
    const { limits } = await connect(f).get<{ limits: Limit[] }>('/v1/limits');
    if (f.json) return printJson({ limits });
    if (limits.length === 0) return out('No limits.');
    table(
      ['KEY', 'CONCURRENCY', 'RATE'],
      limits.map((l) => [l.key, l.concurrency === null ? '-' : String(l.concurrency), rateText(l.rate)]),
    );
  });

  clientCommand(limit, 'delete', 'Remove the limits set for a key or prefix (needs an admin token)')
    .argument('<key>', 'the key or prefix exactly as `roost limit list` shows it')
    .action(async (key: string, f: ClientFlags) => {
      const deleted = await connect(f).request<{ deleted: string }>('DELETE', `/v1/limits/${seg(key)}`);
      if (f.json) printJson(deleted);
      else out(`Deleted the limits of ${deleted.deleted}`);
    });
}

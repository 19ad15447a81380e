import { Option, type Command } from 'commander';
import { LOG_LEVELS } from '../log.js';
import { duration, integer, text } from './flags.js';
import { clientCommand, connect, iso, out, printJsonLine, query, type ClientFlags } from './shared.js';

interface KeptLine {
  id: string;
  at: number;
  level: string;
  source: string;
  msg: string;
  data: Record<string, unknown> | null;
}

function line(l: KeptLine): string {
  const data = l.data === null ? '' : ' ' + JSON.stringify(l.data);
  return `${iso(l.at)} ${l.level.padEnd(5)} ${l.source} ${l.msg}${data} [${l.id}]`;
}

export function registerLogsCommand(program: Command): void {
  clientCommand(
    program,
    'logs',
    "The hub's kept log: warn and error lines of the hub and its workers, and requests answered 4xx/5xx (needs an admin token)",
  )
    .option('--since <duration>', 'lines from this long ago (e.g. 10m, 1h; default: all kept)', duration('--since'))
    .addOption(
      new Option('--level <level>', 'this level or worse (requests answered 4xx are info, 5xx warn)')
        .choices(Object.keys(LOG_LEVELS))
        .default('info'),
    )
    .option('--id <id>', 'the one line with this id (a 500 reply names it)', text('--id', 24))
    .option('--limit <n>', 'the newest this many lines', integer('--limit', 1, 10_000), 200)
    .action(async (f: ClientFlags & { since?: number; level: string; id?: string; limit: number }) => {
      const since = f.since === undefined ? undefined : Date.now() - f.since;
      const { logs } = await connect(f).get<{ logs: KeptLine[] }>(
        `/v1/logs${query({ since, level: f.level, id: f.id, limit: f.limit })}`,
      );
      for (const l of logs) {
        if (f.json) printJsonLine(l);
        else out(line(l));
      }
      if (!f.json && logs.length === 0) out('No kept log lines match.');
    });
}

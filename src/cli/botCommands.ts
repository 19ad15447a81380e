import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { BotInfo, BotLogLine } from '../types.js';
import { duration, UsageError } from './flags.js';
import {
  clientCommand,
  connect,
  fields,
  iso,
  out,
  printJson,
  printJsonLine,
  query,
  seg,
  table,
  type ClientFlags,
} from './shared.js';

type BotView = BotInfo & { running: boolean; pausedReason?: string | null; waitingFor?: string | null };

function status(b: BotView): string {
  if (b.paused) return b.pausedReason ? `paused: ${b.pausedReason}` : 'paused';
  if (b.waitingFor) return `stopped: ${b.waitingFor}`;
  return b.running ? 'running' : 'starting';
}

function logLine(l: BotLogLine): string {
  return `${iso(l.at)} ${l.level.padEnd(5)} ${l.msg}${l.data === null ? '' : ' ' + JSON.stringify(l.data)}`;
}

/** Asks on the terminal; anything but y/yes is no. Without a terminal, --yes is required. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageError('refusing to destroy without confirmation: pass --yes');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

export function registerBotCommands(program: Command): void {
  const bot = program.command('bot').description('Create, inspect, pause, resume and destroy bots (see docs/bots.md)');
  const show = (f: ClientFlags, b: BotView) => (f.json ? printJson(b) : out(`Bot ${b.name}: ${status(b)}`));

  clientCommand(bot, 'create', "Create a bot from a module (copied into the hub's bots folder) and start it")
    .argument('<name>', "the bot's name")
    .requiredOption(
      '--from <module>',
      'a bot module: FILE, FILE.js or FOLDER/index.js, e.g. examples/bots/autoresponder',
    )
    .action(async (name: string, f: ClientFlags & { from: string }) =>
      show(f, await connect(f).post<BotView>('/v1/bots', { name, from: resolve(f.from) })),
    );

  clientCommand(bot, 'list', 'Bots and whether they run').action(async (f: ClientFlags) => {
    const { bots } = await connect(f).get<{ bots: BotView[] }>('/v1/bots');
    if (f.json) return printJson({ bots });
    if (bots.length === 0) return out('No bots yet: roost bot create NAME --from examples/bots/autoresponder');
    table(
      ['NAME', 'STATUS', 'RUNS', 'RESTARTS', 'LAST RUN', 'MODULE'],
      bots.map((b) => [b.name, status(b), String(b.runs), String(b.restarts), iso(b.lastRunAt), b.module]),
    );
  });

  clientCommand(bot, 'stats', "A bot's runs, restarts and last error")
    .argument('<name>')
    .action(async (name: string, f: ClientFlags) => {
      const b = await connect(f).get<BotView>(`/v1/bots/${seg(name)}`);
      if (f.json) return printJson(b);
      fields([
        ['bot', b.name],
        ['status', status(b)],
        ['module', b.module],
        ['runs', String(b.runs)],
        ['last run', iso(b.lastRunAt)],
        ['starts', String(b.starts)],
        ['restarts', String(b.restarts)],
        ['errors', String(b.errors)],
        ['last error', b.lastError ? `${b.lastError} (${iso(b.lastErrorAt)})` : '-'],
      ]);
    });

  for (const [verb, what] of [
    ['pause', 'Stop a bot until it is resumed'],
    ['resume', 'Start a paused bot'],
    ['run', "Run a bot's onSchedule once, now"],
  ] as const) {
    const cmd = clientCommand(bot, verb, what).argument('<name>');
    if (verb === 'run') cmd.requiredOption('--once', 'run once (the only mode so far)');
    cmd.action(async (name: string, f: ClientFlags) =>
      show(f, await connect(f).post<BotView>(`/v1/bots/${seg(name)}/${verb}`)),
    );
  }

  clientCommand(bot, 'state', "A bot's state; with KEY one value, with KEY and VALUE (JSON) sets it")
    .argument('<name>')
    .argument('[key]', 'a state key')
    .argument('[value]', 'the JSON value to store under KEY, e.g. \'["poet", "bard"]\'')
    .action(async (name: string, key: string | undefined, value: string | undefined, f: ClientFlags) => {
      const client = connect(f);
      if (key !== undefined && value !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          throw new UsageError(`<value> must be JSON (quote a string: '"text"'); got ${value}`);
        }
        await client.request('PUT', `/v1/bots/${seg(name)}/state/${seg(key)}`, { value: parsed });
        return f.json ? printJson({ key, value: parsed }) : out(`Set ${name}'s ${key}.`);
      }
      const { state } = await client.get<{ state: Record<string, unknown> }>(`/v1/bots/${seg(name)}/state`);
      printJson(key === undefined ? state : (state[key] ?? null));
    });

  clientCommand(bot, 'destroy', 'Delete a bot with its state, the feeds it owns, its ledger and its log')
    .argument('<name>')
    .option('--yes', 'do not ask for confirmation')
    .action(async (name: string, f: ClientFlags & { yes?: boolean }) => {
      if (!f.yes && !(await confirm(`Destroy bot ${name} with its state, feeds, ledger and log?`)))
        return out('Nothing destroyed.');
      const res = await connect(f).request<{ destroyed: string }>('DELETE', `/v1/bots/${seg(name)}`);
      if (f.json) printJson(res);
      else out(`Destroyed bot ${res.destroyed}`);
    });

  clientCommand(bot, 'logs', "A bot's stored log lines")
    .argument('<name>')
    .option('--since <duration>', 'lines from this long ago (e.g. 10m, 1h)', duration('--since'))
    .option('--follow', 'keep printing new lines until interrupted')
    .action(async (name: string, f: ClientFlags & { since?: number; follow?: boolean }) => {
      const client = connect(f);
      let after = 0;
      const since = f.since === undefined ? undefined : Date.now() - f.since;
      for (;;) {
        const { lines } = await client.get<{ lines: BotLogLine[] }>(
          `/v1/bots/${seg(name)}/logs${query({ since, after, limit: 1000 })}`,
        );
        for (const l of lines) {
          if (f.json) printJsonLine(l);
          else out(logLine(l));
        }
        after = lines.at(-1)?.id ?? after;
        if (!f.follow) return;
        if (lines.length < 1000) await new Promise((r) => setTimeout(r, 1000));
      }
    });
}

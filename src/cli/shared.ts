import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CommanderError, Option, type Command } from 'commander';
import { HubClient, HubError } from '../client/hubClient.js';
import { loadConfig, type Config, type LoadOptions } from '../config.js';
import { InputError } from '../errors.js';
import { storeSetting } from '../store/registry.js';
import { configOption, dataOption, httpUrl, UsageError } from './flags.js';

// ---- Client settings ----

export interface ClientFlags {
  hub?: string;
  token?: string;
  data?: string;
  config?: string;
  json?: boolean;
}

/** The options every command that talks to a hub takes, listed under their own heading. */
export function addClientOptions(cmd: Command): Command {
  const group = (o: Option) => cmd.addOption(o.helpGroup('Hub connection:'));
  group(
    new Option(
      '--hub <url>',
      'the hub to talk to (config "hub", env ROOST_HUB; default http://127.0.0.1:7070)',
    ).argParser(httpUrl('--hub')),
  );
  group(
    new Option(
      '--token <token>',
      'the token to send (config "token", env ROOST_TOKEN; default: the token file in the data directory)',
    ),
  );
  group(dataOption('where the token files of a local hub are read from'));
  group(configOption());
  return cmd;
}

/** A subcommand that talks to a hub and can print JSON. */
export function clientCommand(parent: Command, name: string, description: string): Command {
  return addClientOptions(
    parent.command(name).description(description).option('--json', 'print machine-readable JSON instead of text'),
  );
}

/** The config, its store setting checked against the store adapters (the config cannot ask them). */
export function readConfig(opts: Omit<LoadOptions, 'storeSetting'>): Config {
  return loadConfig({ ...opts, storeSetting });
}

/** Layers the flags over config file and environment (src/config.ts is the only reader of env). */
export function clientConfig(flags: ClientFlags, extra: Partial<Record<keyof Config, unknown>> = {}): Config {
  return readConfig({
    configFile: flags.config,
    flags: { hub: flags.hub, token: flags.token, dataDir: flags.data, ...extra },
  });
}

/**
 * The token to use: flag, config or ROOST_TOKEN; otherwise the first of `files` (names in the data
 * directory) that exists, so that commands work on the machine running `roost up` with no setup.
 */
export function resolveToken(config: Config, files: string[] = ['admin.token']): string {
  if (config.token) return config.token;
  for (const name of files) {
    const path = join(config.dataDir, name);
    if (!existsSync(path)) continue;
    const token = readFileSync(path, 'utf8').trim();
    if (token) return token;
  }
  throw new UsageError(
    `no token: pass --token or set ROOST_TOKEN (no token file in ${resolve(config.dataDir)} either; --data names that directory)`,
  );
}

export function connect(flags: ClientFlags): HubClient {
  const config = clientConfig(flags);
  return new HubClient(config.hub, resolveToken(config));
}

/** Encodes an id for use in a URL path. */
export const seg = encodeURIComponent;

/** A query string from the parameters that are set. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

// ---- Output: results on stdout, errors on stderr ----

export function out(line = ''): void {
  process.stdout.write(line + '\n');
}

/** One JSON document. */
export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** One JSON object per line, for streams. */
export function printJsonLine(value: unknown): void {
  out(JSON.stringify(value));
}

/** Epoch milliseconds as ISO 8601, or `-`. */
export function iso(ms: number | null | undefined): string {
  return typeof ms === 'number' ? new Date(ms).toISOString() : '-';
}

/**
 * Plain aligned columns, as `ps` and `kubectl get` print them, which `awk` and `cut` read. Kept over a
 * package: cli-table3 (0.6.5) draws box borders, and five lines need no dependency.
 */
export function table(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  out(line(headers));
  for (const r of rows) out(line(r));
}

/** Label/value pairs, labels aligned. */
export function fields(pairs: Array<[string, string]>): void {
  const width = Math.max(...pairs.map(([k]) => k.length));
  for (const [k, v] of pairs) out(`${(k + ':').padEnd(width + 1)} ${v}`);
}

/** The hint printed under a page of a list when more follow. */
export function nextPage(nextCursor: string | null, command: string): void {
  if (nextCursor) out(`More: ${command} --cursor ${nextCursor}`);
}

// ---- Errors ----

function say(message: string): void {
  process.stderr.write(`roost: error: ${message}\n`);
}

/** Prints an error the way a user should see it and returns the exit code. */
export function reportError(e: unknown): number {
  // Commander has printed its own message (or the help) already.
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  if (e instanceof UsageError || e instanceof InputError) {
    say(e.message);
    return 2;
  }
  if (e instanceof HubError) {
    say(e.message + (e.field ? ` (field: ${e.field})` : ''));
    return 1;
  }
  const bug = e instanceof TypeError || e instanceof ReferenceError || e instanceof RangeError || !(e instanceof Error);
  if (bug) process.stderr.write(`roost: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  else say(e.message);
  return 1;
}

// ---- Long-running commands ----

export interface Service {
  /** Resolves with the exit code once stopped by a signal; rejects with the error given to fail(). */
  done: Promise<number>;
  /** Stops the service because something broke; `done` rejects with the error. */
  fail(error: unknown): void;
}

/**
 * On the first SIGINT/SIGTERM runs `stop` and resolves `done` with 0; a second signal, or a stop
 * that takes longer than `forceAfterMs`, exits at once with 1.
 */
export function stopOnSignals(stop: () => Promise<void>, forceAfterMs: number): Service {
  let stopping = false;
  let settle!: { resolve: (code: number) => void; reject: (e: unknown) => void };
  const done = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
  const begin = (after: (failure: unknown) => void) => {
    stopping = true;
    setTimeout(() => {
      process.stderr.write('roost: shutdown is taking too long; exiting now\n');
      process.exit(1);
    }, forceAfterMs).unref();
    stop().then(() => after(undefined), after);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`roost: ${signal} again; exiting now\n`);
      process.exit(1);
    }
    begin((failure) => (failure === undefined ? settle.resolve(0) : settle.reject(failure)));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    done,
    fail(error) {
      if (!stopping) begin(() => settle.reject(error));
    },
  };
}

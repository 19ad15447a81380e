import { Option } from 'commander';
import { parseDuration } from '../util/duration.js';

/** Value parsers for flags: commander calls them with the raw text (and the previous value). */

/** A bad flag or argument. The message names it; the exit code is 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  const what =
    max !== Number.MAX_SAFE_INTEGER
      ? `an integer from ${min} to ${max}`
      : min === 1
        ? 'a positive integer'
        : `an integer of at least ${min}`;
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`${flag} must be ${what}, got '${value}'`);
    return n;
  };
}

/** A duration (`500ms`, `30s`, `2m`) in milliseconds. */
export function duration(flag: string, maxMs?: number): (value: string) => number {
  return (value) => {
    let ms: number;
    try {
      ms = parseDuration(value, flag);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (maxMs !== undefined && ms > maxMs)
      throw new UsageError(`${flag} may be at most ${maxMs / 1000}s, got '${value}'`);
    return ms;
  };
}

/** A rate `COUNT/DURATION` (`10/1m`; `10/s` is 10/1s): `count` starts per `intervalMs`. */
export function rate(flag: string): (value: string) => { count: number; intervalMs: number } {
  const toMs = duration(flag, 86_400_000);
  return (value) => {
    const m = /^(\d+)\/(\S+)$/.exec(value.trim());
    if (!m) throw new UsageError(`${flag} must be COUNT/DURATION such as 10/1m or 5/30s, got '${value}'`);
    const count = Number(m[1]);
    if (count < 1 || count > 1_000_000) throw new UsageError(`${flag} count must be from 1 to 1000000, got '${value}'`);
    const intervalMs = toMs(/^\d/.test(m[2]!) ? m[2]! : `1${m[2]!}`);
    if (intervalMs < 1) throw new UsageError(`${flag} needs an interval of at least 1ms, got '${value}'`);
    return { count, intervalMs };
  };
}

export function choice<T extends string>(flag: string, values: readonly T[]): (value: string) => T {
  return (value) => {
    if (!values.includes(value as T))
      throw new UsageError(`${flag} must be one of ${values.join(', ')}, got '${value}'`);
    return value as T;
  };
}

export function text(flag: string, maxLength: number): (value: string) => string {
  return (value) => {
    if (value === '' || value.length > maxLength) throw new UsageError(`${flag} must be 1 to ${maxLength} characters`);
    return value;
  };
}

/** A repeatable flag collected into a list. */
export function list(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A repeatable `key=value` flag collected into an object. */
export function keyValue(
  flag: string,
): (value: string, previous: Record<string, string> | undefined) => Record<string, string> {
  return (value, previous) => {
    const at = value.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag} must be key=value, got '${value}'`);
    return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
  };
}

export function httpUrl(flag: string, schemes: readonly string[] = ['http:', 'https:']): (value: string) => string {
  return (value) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || !schemes.includes(url.protocol))
      throw new UsageError(`${flag} must be an ${schemes.map((s) => `${s}//`).join(' or ')} URL, got '${value}'`);
    return value;
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function logLevelOption(): Option {
  return new Option(
    '--log-level <level>',
    `log level for the JSON log on stderr: ${LOG_LEVELS.join(', ')} (config "logLevel", env ROOST_LOG_LEVEL; default info)`,
  ).argParser(choice('--log-level', LOG_LEVELS));
}

export function configOption(): Option {
  return new Option(
    '--config <file>',
    'JSON config file (default: ./roost.config.json if present, or env ROOST_CONFIG)',
  );
}

/** `--data DIR`; `what` says what the command uses the directory for. */
export function dataOption(what: string): Option {
  return new Option('--data <dir>', `data directory: ${what} (config "dataDir", env ROOST_DATA; default ./roost-data)`);
}

/** `--store`; `what` says what the command does with the store. */
export function storeOption(what: string): Option {
  return new Option(
    '--store <store>',
    `${what}: sqlite (a file in --data) or postgres://USER@HOST:PORT/DATABASE[?schema=NAME] (config "store", env ROOST_DATABASE_URL; default sqlite)`,
  );
}

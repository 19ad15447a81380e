import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from './errors.js';

/**
 * All settings, in one place: defaults <- config file <- environment <- flags. Nothing else in
 * Roost reads process.env. Unknown keys in the file are errors, as are unknown flags (commander).
 */
export interface Config {
  /** Address the hub binds; 127.0.0.1 unless told otherwise. */
  host: string;
  port: number;
  dataDir: string;
  /**
   * Which store and where: `sqlite` (a file in dataDir) or a postgres:// URL, with `?schema=NAME` to
   * use a schema other than public. The store's registry says what it may be (`LoadOptions.storeSetting`).
   */
  store: string;
  /** SQLite durability: `normal` survives a hub crash, `full` also a power loss. */
  synchronous: 'normal' | 'full';
  maxBodyBytes: number;
  /** A request's headers and body must arrive within this (a half-sent body is cut); replies may take longer. */
  requestTimeoutMs: number;
  maxVariants: number;
  defaultLeaseMs: number;
  defaultMaxAttempts: number;
  reapIntervalMs: number;
  workerTimeoutMs: number;
  /** Succeeded and cancelled jobs are deleted this long after they finish (failed ones stay until purged). */
  retainSucceededMs: number;
  /** The kept log (`roost logs`) forgets lines older than this. */
  logRetentionMs: number;
  sweepIntervalMs: number;
  /** Kinds the hub accepts jobs for before any worker has offered them. */
  kinds: string[];
  logLevel: string;
  /** The folder of bot modules the hub loads at start; `roost bot create` copies modules into it. */
  botsDir: string;
  /** A bot thread silent this long (a busy loop) is terminated and restarted. */
  botHangMs: number;
  /** How often bots poll their platforms (the sandbox also wakes them at once on a new post). */
  botPollMs: number;
  /** The key sealing platform credentials (32 bytes, base64 or hex); default: `<dataDir>/secret.key`. Hubs sharing a store share it. */
  secretKey: string | undefined;
  /** Call budgets: `PLATFORM` (all its accounts) or `PLATFORM:ACCOUNT` to `{ count, intervalMs }`. */
  platformBudgets: Record<string, { count: number; intervalMs: number }>;
  /** Platform calls are recorded (`roost calls`) and deleted this long after. */
  platformCallRetentionMs: number;
  /** Client and worker side: the hub to talk to and the token to use. */
  hub: string;
  token: string | undefined;
  /** Worker side: a folder whose node_modules holds node-llama-cpp, for `roost worker --gguf` (docs/models.md). */
  llamaModules: string | undefined;
  /** Where artifact bytes live: `data` (`<dataDir>/artifacts`) or `s3://BUCKET/PREFIX` (docs/artifacts.md). */
  artifactStore: string;
  /** An S3-compatible server's URL (MinIO, Garage, R2); unset means AWS itself. */
  artifactS3Endpoint: string | undefined;
  artifactS3Region: string;
  /** Unset: the AWS SDK finds credentials itself (AWS_* variables, ~/.aws, instance roles). */
  artifactS3AccessKeyId: string | undefined;
  artifactS3SecretAccessKey: string | undefined;
  /** The largest artifact the hub accepts (413 past it). */
  artifactMaxBytes: number;
  /** An artifact nothing references is deleted this long after its last upload. */
  artifactGraceMs: number;
  /** The key that signs artifact links; unset: a random one kept in `<dataDir>/link.secret`. */
  linkSecret: string | undefined;
  /** Worker side: the folder of its artifact cache, and how much it may hold. */
  artifactCacheDir: string | undefined;
  artifactCacheBytes: number;
}

export const DEFAULTS: Config = {
  host: '127.0.0.1',
  port: 7070,
  dataDir: './roost-data',
  store: 'sqlite',
  synchronous: 'normal',
  maxBodyBytes: 1024 * 1024,
  requestTimeoutMs: 30_000,
  maxVariants: 1000,
  defaultLeaseMs: 30_000,
  defaultMaxAttempts: 3,
  reapIntervalMs: 1000,
  workerTimeoutMs: 60_000,
  retainSucceededMs: 7 * 86_400_000,
  logRetentionMs: 14 * 86_400_000,
  sweepIntervalMs: 60_000,
  kinds: [],
  logLevel: 'info',
  botsDir: './bots',
  botHangMs: 10_000,
  botPollMs: 5000,
  secretKey: undefined,
  platformBudgets: {},
  platformCallRetentionMs: 3 * 86_400_000,
  hub: 'http://127.0.0.1:7070',
  token: undefined,
  llamaModules: undefined,
  artifactStore: 'data',
  artifactS3Endpoint: undefined,
  artifactS3Region: 'us-east-1',
  artifactS3AccessKeyId: undefined,
  artifactS3SecretAccessKey: undefined,
  artifactMaxBytes: 2 * 1024 ** 3,
  artifactGraceMs: 86_400_000,
  linkSecret: undefined,
  artifactCacheDir: undefined,
  artifactCacheBytes: 10 * 1024 ** 3,
};

type Key = keyof Config;
const ENV: Partial<Record<Key, string>> = {
  host: 'ROOST_HOST',
  port: 'ROOST_PORT',
  dataDir: 'ROOST_DATA',
  store: 'ROOST_DATABASE_URL',
  logLevel: 'ROOST_LOG_LEVEL',
  botsDir: 'ROOST_BOTS',
  hub: 'ROOST_HUB',
  token: 'ROOST_TOKEN',
  llamaModules: 'ROOST_LLAMA_MODULES',
  artifactS3AccessKeyId: 'ROOST_S3_ACCESS_KEY_ID',
  artifactS3SecretAccessKey: 'ROOST_S3_SECRET_ACCESS_KEY',
  linkSecret: 'ROOST_LINK_SECRET',
  secretKey: 'ROOST_SECRET_KEY',
};

function coerce(key: Key, value: unknown, source: string, storeSetting?: SettingCheck): unknown {
  const expected = DEFAULTS[key];
  const fail = (what: string) => new InputError(key, `${source}: ${key} must be ${what}, got ${JSON.stringify(value)}`);
  if (key === 'synchronous') {
    if (value !== 'normal' && value !== 'full') throw fail("'normal' or 'full'");
    return value;
  }
  if (key === 'store') {
    // The URL may hold a password: the message does not repeat it.
    if (typeof value !== 'string' || value === '' || (storeSetting && !storeSetting.matches(value)))
      throw new InputError(key, `${source}: store must be ${storeSetting?.expected ?? 'a non-empty string'}`);
    return value;
  }
  if (key === 'artifactStore') {
    if (value !== 'data' && !(typeof value === 'string' && /^s3:\/\/[^/?#]+(\/[^?#]*)?$/.test(value)))
      throw fail("'data' or s3://BUCKET/PREFIX");
    return value;
  }
  if (key === 'kinds') {
    const list = typeof value === 'string' ? value.split(',').filter(Boolean) : value;
    if (!Array.isArray(list) || !list.every((k) => typeof k === 'string')) throw fail('a list of kind names');
    return list;
  }
  if (key === 'platformBudgets') return budgets(value, source);
  // A secret: never repeated in a message.
  if (key === 'secretKey') {
    if (typeof value !== 'string' || value.trim() === '')
      throw new InputError(key, `${source}: secretKey must be 32 bytes as base64 or hex (the value is not shown)`);
    return value;
  }
  if (typeof expected === 'number') {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw fail('a non-negative integer');
    if (key === 'port' && n > 65535) throw fail('a port number (0 to 65535)');
    return n;
  }
  if (typeof value !== 'string' || value === '') throw fail('a non-empty string');
  return value;
}

function budgets(value: unknown, source: string): Config['platformBudgets'] {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  const ok = (b: unknown) => {
    const { count, intervalMs } = (b ?? {}) as Record<string, unknown>;
    return (
      Number.isInteger(count) && (count as number) > 0 && Number.isInteger(intervalMs) && (intervalMs as number) > 0
    );
  };
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every(ok))
    throw new InputError(
      'platformBudgets',
      `${source}: platformBudgets must map PLATFORM or PLATFORM:ACCOUNT to { "count": N, "intervalMs": M } (positive integers)`,
    );
  return parsed as Config['platformBudgets'];
}

function layer(
  target: Config,
  values: Record<string, unknown>,
  source: string,
  strict: boolean,
  storeSetting?: SettingCheck,
): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (!(key in DEFAULTS)) {
      if (strict)
        throw new InputError(key, `${source}: unknown setting '${key}'; known: ${Object.keys(DEFAULTS).join(', ')}`);
      continue;
    }
    (target as unknown as Record<string, unknown>)[key] = coerce(key as Key, value, source, storeSetting);
  }
}

export interface LoadOptions {
  /** A config file to read; without it, `roost.config.json` in the working directory if present. */
  configFile?: string | undefined;
  /** Values from command-line flags (already named as config keys). */
  flags?: Partial<Record<Key, unknown>>;
  env?: NodeJS.ProcessEnv;
  /**
   * What the store setting may be: the store's registry (`storeSetting` in src/store/registry.ts),
   * handed over by whoever reads the config, as the config sits below the store. Without it any
   * non-empty store setting passes here and opening the store refuses a wrong one.
   */
  storeSetting?: SettingCheck;
}

/** A check of a setting that a higher floor knows how to make; `expected` completes "store must be ...". */
export interface SettingCheck {
  matches(value: string): boolean;
  expected: string;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const config: Config = { ...DEFAULTS, kinds: [], platformBudgets: {} };
  const file =
    opts.configFile ?? env.ROOST_CONFIG ?? (existsSync('roost.config.json') ? 'roost.config.json' : undefined);
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new InputError('config', `cannot read config file ${resolve(file)}: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InputError('config', `config file ${resolve(file)} must hold a JSON object`);
    }
    layer(config, parsed as Record<string, unknown>, `config file ${file}`, true, opts.storeSetting);
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV)) if (env[name] !== undefined) fromEnv[key] = env[name];
  layer(config, fromEnv, 'environment', true, opts.storeSetting);
  layer(config, opts.flags ?? {}, 'flag', true, opts.storeSetting);
  return config;
}

/** Whether the process runs under CI, where missing services are failures rather than skips. */
export function underCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

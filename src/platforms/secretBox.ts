/**
 * Credentials at rest: AES-256-GCM (node:crypto) under the hub's key, bound to the account's name
 * (additional data), so a sealed box copied onto another account does not open. The key is
 * `secretKey` from the config (ROOST_SECRET_KEY: 32 bytes as base64 or hex), which every hub on
 * one PostgreSQL schema must share, or else `<dataDir>/secret.key`, made on first use, mode 0600.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** 32 bytes from base64 or hex text; undefined when the text is neither. */
function keyBytes(text: string): Buffer | undefined {
  const t = text.trim();
  const b = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  return b.length === 32 ? b : undefined;
}

/** The key from the config, or the key file (made on first use). */
function loadKey(config: Pick<Config, 'secretKey' | 'dataDir'>): { key: Buffer; source: string } {
  if (config.secretKey !== undefined) {
    const key = keyBytes(config.secretKey);
    if (!key)
      throw new Error('secretKey (ROOST_SECRET_KEY) must be 32 bytes as base64 or hex: `openssl rand -base64 32`');
    return { key, source: 'the secretKey setting' };
  }
  const file = resolve(join(config.dataDir, 'secret.key'));
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  // A key readable by others is no secret: tightened rather than refused.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const key = keyBytes(readFileSync(file, 'utf8'));
  if (!key) throw new Error(`${file} must hold 32 bytes as base64 or hex; move it away to have a new one made`);
  return { key, source: file };
}

export class SecretBox {
  private loaded: { key: Buffer; source: string } | null = null;

  /** The key is read (or made) when first needed: a hub with no accounts has no key file. */
  constructor(private readonly config: Pick<Config, 'secretKey' | 'dataDir'>) {}

  private get key(): Buffer {
    return (this.loaded ??= loadKey(this.config)).key;
  }

  /** Where the key came from, for messages (never the key). */
  get source(): string {
    return (this.loaded ??= loadKey(this.config)).source;
  }

  seal(account: string, value: unknown): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(account));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(account: string, sealed: string): unknown {
    const [version, data] = sealed.split(':');
    const raw = Buffer.from(data ?? '', 'base64');
    if (version !== VERSION || raw.length < IV_BYTES + TAG_BYTES)
      throw new Error(`the credentials of account '${account}' are not a sealed box Roost wrote`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(account));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return JSON.parse(text.toString('utf8'));
    } catch {
      throw new Error(
        `the credentials of account '${account}' do not open with the key from ${this.source}: they were sealed ` +
          'with another key (give every hub of a store the same secretKey / ROOST_SECRET_KEY), or add the account again',
      );
    }
  }
}

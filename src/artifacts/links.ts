import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Signed artifact links: `GET /v1/artifacts/<sha256>?exp=<epoch ms>&sig=<HMAC>` needs no token
 * until `exp`. The signature is HMAC-SHA256 over `<sha256>:<exp>` with the hub's link secret, so
 * a link names one artifact and one expiry, and cannot be stretched to another.
 */
export class LinkSigner {
  constructor(private readonly secret: Buffer) {}

  sign(sha256: string, expiresAt: number): string {
    return createHmac('sha256', this.secret).update(`${sha256}:${expiresAt}`).digest('base64url');
  }

  /** The query string of a link (without `?`). */
  query(sha256: string, expiresAt: number): string {
    return `exp=${expiresAt}&sig=${this.sign(sha256, expiresAt)}`;
  }

  /** Whether `sig` signs this hash and expiry, compared in constant time; false once expired. */
  verify(sha256: string, exp: number, sig: string, now = Date.now()): boolean {
    if (!(exp > now)) return false;
    const want = Buffer.from(this.sign(sha256, exp));
    const got = Buffer.from(sig);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}

/**
 * The link secret: the configured one (`linkSecret`, ROOST_LINK_SECRET: hubs sharing a PostgreSQL
 * store must share it), else a random one kept in `<dataDir>/link.secret` (mode 0600), made on
 * first start. Changing it invalidates every link handed out.
 */
export function loadLinkSecret(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = join(dataDir, 'link.secret');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  const secret = randomBytes(32);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, secret.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  return secret;
}

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { packageRoot } from '../../paths.js';

/** Where `npm run build` (vite) puts the dashboard. */
export const WEB_DIR = join(packageRoot, 'dist', 'web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// Everything the page loads comes from this hub: no CDN, nothing inline, no framing.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  /** Vite names files under assets/ by their content hash: they never change, so browsers keep them. */
  immutable: boolean;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function load(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const file of filesUnder(dir)) {
    const path = '/' + relative(dir, file).split(/[\\/]/).join('/');
    const body = readFileSync(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(path, {
      body,
      type: TYPES[extname(file)] ?? 'application/octet-stream',
      etag,
      immutable: path.startsWith('/assets/'),
    });
  }
  return assets;
}

function send(asset: Asset, req: FastifyRequest, reply: FastifyReply) {
  reply.headers({
    'content-type': asset.type,
    etag: asset.etag,
    'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...PAGE_HEADERS,
  });
  if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.send(asset.body);
}

/**
 * The web dashboard: the static files Vite built into dist/web, read once at start and served
 * with their content types; the page at `/`. Hashed assets are cached for good, the rest revalidated.
 */
export function dashboardRoutes(app: FastifyInstance, log: Logger, dir = WEB_DIR): void {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    log.warn({ dir }, 'the dashboard is not built (run `npm run build`); / says so');
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The Roost dashboard is not built: run `npm run build`, then restart the hub.\n'),
    );
    return;
  }
  const assets = load(dir);
  for (const [path, asset] of assets) {
    const url = path === '/index.html' ? '/' : path;
    app.get(url, { schema: { hide: true } }, async (req, reply) => send(asset, req, reply));
  }
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { TooLargeError, type Artifacts } from '../../artifacts/artifacts.js';
import { parseRange } from '../../artifacts/range.js';
import { SHA256_PATTERN, toRef, type ArtifactMeta } from '../../artifacts/ref.js';
import { InputError, NotFoundError } from '../../errors.js';
import { requireScope } from '../auth.js';
import { HttpError } from '../httpError.js';
import { checkKnown, durationParam, intParam, patternParam, stringParam, type Query } from '../query.js';
import type { Tokens } from '../tokens.js';

const strict = { additionalProperties: false } as const;
const HashParams = Type.Object(
  { sha256: Type.String({ pattern: SHA256_PATTERN, description: 'The SHA-256, 64 hex digits' }) },
  strict,
);
type HashParams = Static<typeof HashParams>;
const LinkBody = Type.Object(
  {
    ttlMs: Type.Optional(
      Type.Integer({
        minimum: 1000,
        maximum: 365 * 86_400_000,
        description: 'How long the link works (default 1 hour)',
      }),
    ),
  },
  strict,
);
const HASH = new RegExp(SHA256_PATTERN);
/** A content type as sent (`image/png`, `text/plain; charset=utf-8`), kept with the artifact. */
const CONTENT_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w!#$&^.+-]+=("[^"]*"|[\w!#$&^.+-]+))*$/;
const DEFAULT_LINK_MS = 3_600_000;

function view(meta: ArtifactMeta) {
  return { ...meta, ref: toRef(meta) };
}

/** Headers every reply about an artifact carries: its bytes never change, so caches may keep them. */
function describe(reply: FastifyReply, meta: ArtifactMeta): void {
  reply
    .header('etag', `"${meta.sha256}"`)
    .header('cache-control', 'private, max-age=31536000, immutable')
    .header('accept-ranges', 'bytes')
    .header('content-type', meta.type)
    .header('x-content-type-options', 'nosniff');
}

/**
 * Artifacts over HTTP (docs/artifacts.md). Clients, bots and workers upload and read; only admin
 * deletes and collects. A signed link (`?exp=&sig=`) reads one artifact without a token.
 */
export function artifactRoutes(app: FastifyInstance, artifacts: Artifacts, tokens: Tokens): void {
  const users = requireScope(tokens, 'client', 'bot', 'worker');
  const admin = { onRequest: requireScope(tokens) };
  const tags = ['artifacts'];

  /** A signed link's query admits the request on its own; anything else needs a token. */
  const reader = async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.query as Query;
    if (q.sig === undefined && q.exp === undefined) return users(req, reply);
    const exp = intParam(q, 'exp', 0, Number.MAX_SAFE_INTEGER);
    const sig = stringParam(q, 'sig', 100);
    const { sha256 } = req.params as HashParams;
    if (exp === undefined || sig === undefined || !HASH.test(sha256) || !artifacts.links.verify(sha256, exp, sig))
      throw new HttpError(
        403,
        'forbidden',
        'the link is expired or its signature is wrong: ask for a new one (POST /v1/artifacts/:sha256/link)',
      );
  };

  async function known(sha256: string): Promise<ArtifactMeta> {
    const meta = await artifacts.get(sha256);
    if (!meta) throw new NotFoundError(`no artifact ${sha256}`);
    return meta;
  }

  // The upload reads the raw request stream: its own parser, in a context of its own, so the JSON
  // routes keep their body limit and this one never buffers.
  void app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_req, _payload, done) => done(null));
    raw.put(
      '/v1/artifacts',
      { onRequest: users, schema: { tags, summary: 'Upload an artifact (the body as is; its Content-Type is kept)' } },
      async (req, reply) => {
        const q = req.query as Query;
        checkKnown(q, ['sha256']);
        const claimed = patternParam(q, 'sha256', HASH, '64 lower-case hex digits (the SHA-256 of the body)');
        const type = req.headers['content-type']?.trim() || 'application/octet-stream';
        if (type.length > 200 || !CONTENT_TYPE.test(type))
          throw new InputError(
            'content-type',
            `the Content-Type header must be a media type such as image/png, got '${type.slice(0, 200)}'`,
          );
        const length = Number(req.headers['content-length'] ?? NaN);
        if (length > artifacts.maxBytes) {
          reply.header('connection', 'close');
          throw new HttpError(
            413,
            'body_too_large',
            `the body is ${length} bytes; this hub accepts artifacts up to ${artifacts.maxBytes} bytes (artifactMaxBytes)`,
            'body',
          );
        }
        try {
          const { meta, created } = await artifacts.put(req.raw, { type, claimed });
          return reply.code(created ? 201 : 200).send(view(meta));
        } catch (e) {
          if (!(e instanceof TooLargeError)) throw e;
          // The rest of the body is not read: the connection closes after the reply.
          reply.header('connection', 'close');
          throw new HttpError(413, 'body_too_large', e.message, 'body');
        }
      },
    );
  });

  app.get(
    '/v1/artifacts',
    { onRequest: users, schema: { tags, summary: 'List artifacts, newest first' } },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['limit', 'before']);
      const limit = intParam(q, 'limit', 1, 1000) ?? 100;
      const before = patternParam(q, 'before', /^\d{1,16}:[0-9a-f]{64}$/, 'the nextCursor of the previous page');
      const items = await artifacts.meta.list(limit, before ?? null);
      const last = items.at(-1);
      return {
        artifacts: items.map(view),
        nextCursor: items.length === limit && last ? `${last.createdAt}:${last.sha256}` : null,
      };
    },
  );

  app.get(
    '/v1/artifacts/:sha256',
    {
      onRequest: reader,
      exposeHeadRoute: false,
      schema: { tags, summary: 'Download an artifact; Range, ETag; a signed link needs no token', params: HashParams },
    },
    async (req, reply) => {
      const q = req.query as Query;
      checkKnown(q, ['exp', 'sig']);
      const meta = await known((req.params as HashParams).sha256);
      describe(reply, meta);
      if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(`"${meta.sha256}"`)) return reply.code(304).send();
      const range = parseRange(req.headers.range, meta.size);
      if (range === 'unsatisfiable') {
        return reply
          .code(416)
          .header('content-range', `bytes */${meta.size}`)
          .header('content-type', 'application/json')
          .send({
            error: { code: 'range_not_satisfiable', message: `the artifact has ${meta.size} bytes`, field: 'range' },
          });
      }
      if (meta.size === 0) return reply.header('content-length', 0).send('');
      const body = await artifacts.open(meta.sha256, range ?? undefined);
      if (!range) return reply.header('content-length', meta.size).send(body);
      return reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${meta.size}`)
        .header('content-length', range.end - range.start + 1)
        .send(body);
    },
  );

  app.head(
    '/v1/artifacts/:sha256',
    {
      onRequest: reader,
      schema: { tags, summary: "An artifact's size, type and ETag, without its bytes", params: HashParams },
    },
    async (req, reply) => {
      const meta = await known((req.params as HashParams).sha256);
      describe(reply, meta);
      return reply.header('content-length', meta.size).send();
    },
  );

  app.post(
    '/v1/artifacts/:sha256/link',
    {
      onRequest: users,
      schema: {
        tags,
        summary: 'A signed link that reads the artifact without a token until it expires',
        params: HashParams,
        body: LinkBody,
      },
    },
    async (req) => {
      const meta = await known((req.params as HashParams).sha256);
      const ttlMs = (req.body as Static<typeof LinkBody> | undefined)?.ttlMs ?? DEFAULT_LINK_MS;
      const expiresAt = Date.now() + ttlMs;
      return { url: `/v1/artifacts/${meta.sha256}?${artifacts.links.query(meta.sha256, expiresAt)}`, expiresAt };
    },
  );

  app.delete(
    '/v1/artifacts/:sha256',
    { ...admin, schema: { tags, summary: 'Delete an artifact, whatever references it', params: HashParams } },
    async (req) => {
      const { sha256 } = req.params as HashParams;
      if (!(await artifacts.delete(sha256))) throw new NotFoundError(`no artifact ${sha256}`);
      return { deleted: sha256 };
    },
  );

  app.post(
    '/v1/artifacts/gc',
    { ...admin, schema: { tags, summary: 'Delete the artifacts nothing references, past the grace period' } },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['grace']);
      const grace = durationParam(q, 'grace', Number.MAX_SAFE_INTEGER);
      const deleted = await artifacts.gc(Date.now(), grace);
      return { deleted };
    },
  );
}

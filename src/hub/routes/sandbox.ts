import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { InputError } from '../../errors.js';
import { ACCOUNT_PATTERN, MAX_TEXT, type Sandbox } from '../../platforms/sandbox/sandbox.js';
import { sandboxEvents } from '../../platforms/sandbox/sandboxConnector.js';
import { requireScope } from '../auth.js';
import { NUL_FREE } from '../schemas.js';
import { checkKnown, intParam, stringParam, type Query } from '../query.js';
import { SseStream } from '../sse.js';
import type { Tokens } from '../tokens.js';
import type { SandboxPost } from '../../types/bots.js';

const strict = { additionalProperties: false } as const;
const Account = Type.String({ pattern: ACCOUNT_PATTERN, description: 'Lower-case account name; created on first use' });
const Text = Type.String({ minLength: 1, maxLength: MAX_TEXT, pattern: NUL_FREE });
const Key = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: NUL_FREE,
  description: "The author's idempotency key, kept with the post",
});

export const SandboxPostBody = Type.Object(
  { author: Account, text: Text, replyTo: Type.Optional(Type.Integer({ minimum: 1 })), key: Type.Optional(Key) },
  strict,
);
export const SandboxAskBody = Type.Object({ from: Account, to: Account, text: Text, key: Type.Optional(Key) }, strict);
export const SandboxLikeBody = Type.Object({ account: Account }, strict);
// Path parameters arrive as text and the schema compiler does not coerce them.
const PostParams = Type.Object(
  { id: Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'A post id' }) },
  strict,
);

/** 201 with a new post; 200 with the earlier one when its author used the key before (as POST /v1/jobs does). */
function created(reply: FastifyReply, r: { post: SandboxPost; created: boolean }): FastifyReply {
  return reply.code(r.created ? 201 : 200).send(r.post);
}

/** The sandbox platform over HTTP: any client or bot token may act as any sandbox account. */
export function sandboxRoutes(app: FastifyInstance, sandbox: Sandbox, tokens: Tokens): void {
  const client = { onRequest: requireScope(tokens, 'client', 'bot') };
  const tags = ['sandbox'];

  app.get(
    '/v1/sandbox/posts',
    { ...client, schema: { tags, summary: 'The timeline: posts and asks, newest first' } },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['before', 'limit']);
      const limit = intParam(q, 'limit', 1, 500) ?? 50;
      const posts = await sandbox.store.timeline(intParam(q, 'before', 1, Number.MAX_SAFE_INTEGER) ?? null, limit);
      return { posts, nextCursor: posts.length === limit ? String(posts.at(-1)!.id) : null };
    },
  );

  app.get(
    '/v1/sandbox/posts/events',
    {
      ...client,
      schema: { tags, summary: 'Server-Sent Events: the 50 newest posts (oldest first), then each new one' },
    },
    async (req, reply) => {
      checkKnown(req.query as Query, []);
      // Listen before reading, so a post made meanwhile is sent after the backlog rather than lost.
      const early: SandboxPost[] = [];
      let live: ((p: SandboxPost) => void) | null = null;
      const onPost = (p: SandboxPost) => (live ? live(p) : early.push(p));
      sandbox.posts.on('post', onPost);
      const stream = new SseStream(reply, () => sandbox.posts.off('post', onPost));
      const backlog = (await sandbox.store.timeline(null, 50)).reverse();
      const sent = new Set(backlog.map((p) => p.id));
      for (const p of [...backlog, ...early.filter((p) => !sent.has(p.id))]) stream.send('post', p, p.id);
      live = (p) => stream.send('post', p, p.id);
    },
  );

  app.get(
    '/v1/sandbox/posts/:id',
    { ...client, schema: { tags, summary: 'One post', params: PostParams } },
    async (req) => sandbox.get(Number((req.params as Static<typeof PostParams>).id)),
  );

  app.post(
    '/v1/sandbox/posts',
    { ...client, schema: { tags, summary: 'Post, or reply with replyTo', body: SandboxPostBody } },
    async (req, reply) => created(reply, await sandbox.post(req.body as Static<typeof SandboxPostBody>)),
  );

  app.post(
    '/v1/sandbox/asks',
    { ...client, schema: { tags, summary: 'Send a question to an account', body: SandboxAskBody } },
    async (req, reply) => created(reply, await sandbox.ask(req.body as Static<typeof SandboxAskBody>)),
  );

  app.post(
    '/v1/sandbox/posts/:id/likes',
    {
      ...client,
      schema: { tags, summary: 'Like a post (once per account)', params: PostParams, body: SandboxLikeBody },
    },
    async (req) => {
      const id = Number((req.params as Static<typeof PostParams>).id);
      const liked = await sandbox.like(id, (req.body as Static<typeof SandboxLikeBody>).account);
      return { liked, post: await sandbox.get(id) };
    },
  );

  app.get('/v1/sandbox/accounts', { ...client, schema: { tags, summary: 'Accounts' } }, async () => ({
    accounts: await sandbox.store.listAccounts(),
  }));

  app.get(
    '/v1/sandbox/events',
    { ...client, schema: { tags, summary: "An account's events after a cursor: what a bot over HTTP polls" } },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['account', 'cursor', 'limit']);
      const account = stringParam(q, 'account', 32);
      if (account === undefined)
        throw new InputError('account', 'account is required: the account whose events to read');
      const cursor = intParam(q, 'cursor', 1, Number.MAX_SAFE_INTEGER);
      return sandboxEvents(
        sandbox,
        account,
        cursor === undefined ? null : String(cursor),
        intParam(q, 'limit', 1, 500) ?? 100,
      );
    },
  );
}

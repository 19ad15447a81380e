import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ACCOUNT_NAME_PATTERN, type Accounts } from '../../platforms/accounts.js';
import { PLATFORMS } from '../../platforms/registry.js';
import type { PlatformStore } from '../../store/platformStore.js';
import { requireScope } from '../auth.js';
import { checkKnown, intParam, stringParam, type Query } from '../query.js';
import type { Tokens } from '../tokens.js';

const strict = { additionalProperties: false } as const;
const AccountName = Type.String({
  pattern: ACCOUNT_NAME_PATTERN,
  description: "Lower-case letters, digits, '_' and '-'",
});
const NameParams = Type.Object({ name: AccountName }, strict);
type NameParams = Static<typeof NameParams>;
const AddBody = Type.Object(
  {
    name: AccountName,
    platform: Type.String({ minLength: 1, maxLength: 64 }),
    instance: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2048, description: 'The server, e.g. https://mastodon.social' }),
    ),
    credentials: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 16_384 }), {
        description: 'Stored sealed (AES-256-GCM); never returned',
      }),
    ),
    test: Type.Optional(
      Type.Boolean({ description: 'Check the credentials against the platform first (default true)' }),
    ),
  },
  strict,
);

/**
 * Accounts bots act as, the platforms Roost has, and the record of platform calls. Managing
 * accounts needs an admin token; the answers never hold credentials, only whether there are some.
 */
export function accountRoutes(app: FastifyInstance, accounts: Accounts, store: PlatformStore, tokens: Tokens): void {
  const admin = { onRequest: requireScope(tokens) };
  const reader = { onRequest: requireScope(tokens, 'client') };
  const tags = ['accounts'];

  app.get(
    '/v1/platforms',
    { ...reader, schema: { tags, summary: 'The platforms Roost has, and what their accounts need' } },
    async () => ({
      platforms: PLATFORMS.map((p) => ({
        name: p.name,
        summary: p.summary,
        instance: p.instance,
        credentials: p.credentials,
        optionalCredentials: p.optionalCredentials ?? [],
        implicit: p.implicit ?? false,
      })),
    }),
  );
  app.get('/v1/accounts', { ...reader, schema: { tags, summary: 'Accounts (never their credentials)' } }, async () => ({
    accounts: await accounts.list(),
  }));
  app.post(
    '/v1/accounts',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Add an account; its credentials are checked against the platform first',
        body: AddBody,
      },
    },
    async (req, reply) => reply.code(201).send(await accounts.add(req.body as Static<typeof AddBody>)),
  );
  app.post(
    '/v1/accounts/:name/test',
    {
      ...admin,
      schema: { tags, summary: 'Who the account is on its platform and what it may do', params: NameParams },
    },
    async (req) => accounts.test((req.params as NameParams).name),
  );
  app.delete(
    '/v1/accounts/:name',
    { ...admin, schema: { tags, summary: 'Remove an account and its credentials', params: NameParams } },
    async (req, reply) => {
      await accounts.remove((req.params as NameParams).name);
      return reply.code(204).send();
    },
  );
  app.get(
    '/v1/platform-calls',
    { ...reader, schema: { tags, summary: 'Platform calls, newest first (account=, since= epoch ms, limit=)' } },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['account', 'since', 'limit']);
      return {
        calls: await store.listCalls({
          account: stringParam(q, 'account', 64),
          since: intParam(q, 'since', 0, Number.MAX_SAFE_INTEGER),
          limit: intParam(q, 'limit', 1, 1000) ?? 100,
        }),
      };
    },
  );
}

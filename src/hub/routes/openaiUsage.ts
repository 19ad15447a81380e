import type { FastifyInstance } from 'fastify';
import type { UsageStore } from '../../store/usageStore.js';
import { requireScope } from '../auth.js';
import { checkKnown, intParam, type Query } from '../query.js';
import type { Tokens } from '../tokens.js';

/**
 * `GET /v1/usage?days=N`: the front door's usage per API key, UTC day and model over the last N
 * days (30 by default). An admin sees every key; a client or bot token sees its own.
 */
export function usageRoutes(app: FastifyInstance, usage: UsageStore, tokens: Tokens): void {
  app.get(
    '/v1/usage',
    {
      onRequest: requireScope(tokens, 'client', 'bot'),
      schema: { tags: ['openai'], summary: "The OpenAI front door's requests and tokens per key, day and model" },
    },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['days']);
      const days = intParam(q, 'days', 1, 3660) ?? 30;
      const since = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
      const tokenId = req.token!.scope === 'admin' ? undefined : req.token!.id;
      return { since, usage: await usage.list({ tokenId, since }) };
    },
  );
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../types.js';
import { HttpError } from './httpError.js';
import type { Tokens } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    token?: { id: string; scope: Scope };
  }
}

/**
 * An onRequest hook (so nothing is parsed for a stranger) that admits requests whose bearer token has one of the scopes (admin always).
 * 401 when no valid token is given, 403 when the token's scope is not allowed here.
 */
export function requireScope(tokens: Tokens, ...scopes: Scope[]) {
  const allowed = new Set<Scope>(['admin', ...scopes]);
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const header = req.headers.authorization;
    if (!header) throw new HttpError(401, 'unauthorized', 'missing Authorization header: send "Authorization: Bearer <token>"');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new HttpError(401, 'unauthorized', 'the Authorization header must be "Bearer <token>"');
    const token = await tokens.verify(match[1]!);
    if (!token) throw new HttpError(401, 'unauthorized', 'the token is not valid (unknown, revoked or mistyped)');
    if (!allowed.has(token.scope)) {
      throw new HttpError(403, 'forbidden', `a ${token.scope} token cannot do this; it needs a token with scope ${[...allowed].join(' or ')}`);
    }
    req.token = token;
  };
}

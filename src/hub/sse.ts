import type { Server } from 'node:http';
import type { FastifyReply } from 'fastify';
import { SESSION_COOKIE } from './auth.js';
import type { Tokens } from './tokens.js';

// Proxies drop connections that stay silent; a comment line every so often keeps them open.
const KEEPALIVE_MS = 15_000;
/**
 * How often open streams check that their token and session still hold: a revoke on another hub
 * (or an expired session) closes them within this plus the token cache's 10 s. A revoke or logout
 * on this hub closes them at once.
 */
export const STREAM_CHECK_MS = 5_000;

/** Open streams per HTTP server, so a closing hub can end them rather than wait for its grace to cut them. */
const open = new WeakMap<object, Set<SseStream>>();

/** Ends every open stream of the server (the hub is closing). */
export function endStreams(server: Server): void {
  for (const s of open.get(server) ?? []) s.end();
}

/**
 * Closes the server's streams when what opened them ends: at once for a revoke or logout on this
 * hub, and by a check every STREAM_CHECK_MS for one elsewhere. Returns the function that stops it.
 */
export function closeStreamsWithTheirTokens(server: Server, tokens: Tokens): () => void {
  const streams = () => [...(open.get(server) ?? [])];
  const unsubscribe = tokens.sessions.onEnd((ended) => {
    for (const s of streams()) {
      if ('tokenId' in ended ? s.tokenId === ended.tokenId : s.sessionId === ended.sessionId) s.end();
    }
  });
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void check(streams(), tokens).finally(() => (checking = false));
  }, STREAM_CHECK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}

async function check(streams: SseStream[], tokens: Tokens): Promise<void> {
  const active = new Map<string, boolean>();
  for (const s of streams) {
    if (s.tokenId === undefined) continue;
    try {
      if (!active.has(s.tokenId)) active.set(s.tokenId, (await tokens.active(s.tokenId)) !== null);
    } catch {
      continue; // the store is unreachable: the next check decides
    }
    if (!active.get(s.tokenId) || (s.sessionId !== undefined && !tokens.sessions.get(s.sessionId))) s.end();
  }
}

/** A Server-Sent Events stream on a hijacked reply, open while the token (and session) it was opened with holds. */
export class SseStream {
  private readonly keepalive: NodeJS.Timeout;
  private closed = false;
  /** The token the stream was opened with (set by requireScope), and the session cookie when it came by one. */
  readonly tokenId: string | undefined;
  readonly sessionId: string | undefined;

  constructor(
    private readonly reply: FastifyReply,
    onClose: () => void,
  ) {
    const req = reply.request;
    this.tokenId = req.token?.id;
    this.sessionId = req.headers.authorization ? undefined : req.cookies[SESSION_COOKIE];
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.keepalive = setInterval(() => this.reply.raw.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
    const streams = open.get(reply.server.server) ?? new Set();
    open.set(reply.server.server, streams);
    streams.add(this);
    reply.raw.on('close', () => {
      streams.delete(this);
      this.closed = true;
      clearInterval(this.keepalive);
      onClose();
    });
    // HEAD asks for the headers only: a response left open would never end.
    if (reply.request.method === 'HEAD') this.end();
  }

  send(event: string, data: unknown, id?: number | string): void {
    if (this.closed) return;
    const idLine = id === undefined ? '' : `id: ${id}\n`;
    this.reply.raw.write(`event: ${event}\n${idLine}data: ${JSON.stringify(data)}\n\n`);
  }

  /** A `data:` line without an event name (what OpenAI's clients read). */
  data(payload: unknown): void {
    if (!this.closed)
      this.reply.raw.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    this.reply.raw.end();
  }
}

import type { Server } from 'node:http';
import type { FastifyReply } from 'fastify';

// Proxies drop connections that stay silent; a comment line every so often keeps them open.
const KEEPALIVE_MS = 15_000;

/** Open streams per HTTP server, so a closing hub can end them rather than wait for its grace to cut them. */
const open = new WeakMap<object, Set<SseStream>>();

/** Ends every open stream of the server (the hub is closing). */
export function endStreams(server: Server): void {
  for (const s of open.get(server) ?? []) s.end();
}

/** A Server-Sent Events stream on a hijacked reply. */
export class SseStream {
  private readonly keepalive: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly reply: FastifyReply,
    onClose: () => void,
  ) {
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

import type { Logger } from 'pino';
import { UnavailableError } from '../errors.js';

/**
 * The store cannot be reached (the database is down, restarting, or refusing connections). The
 * HTTP layer answers it with 503 and Retry-After, so a proxy moves on to another hub and a client
 * knows that trying again later is the fix; background loops wait for the store quietly, since
 * the outage is logged once where it is seen (OutageWatch).
 */
export class StoreOutageError extends UnavailableError {
  override name = 'StoreOutageError';
  constructor(cause: unknown) {
    super(`the database is out of reach (${describe(cause)}); retry shortly`, { cause });
  }
}

/** The socket errors of a connection that failed or was cut. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * SQLSTATEs of a server that is going away or not yet taking connections: 57P01 admin shutdown
 * (also pg_terminate_backend), 57P02 crash shutdown, 57P03 cannot connect now (starting up,
 * recovering), 53300 too many connections; class 08 is "connection exception".
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** What node-postgres itself throws when a connection ends under it (it sets no code). */
const CLIENT_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|connect ETIMEDOUT)/;

/** Whether this error means the database could not be reached, rather than a fault of the statement. */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof StoreOutageError) return true;
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08')))
    return true;
  // A failed connect to a host with several addresses (localhost: ::1 and 127.0.0.1).
  if (e instanceof AggregateError) return e.errors.some(isConnectionError);
  return CLIENT_MESSAGES.test(e.message);
}

function describe(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message || e.name : String(e);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * Tells the log once when the store becomes unreachable (error) and once when it answers again
 * (info, with how long it was out), however many requests and timers meet the outage meanwhile.
 */
export class OutageWatch {
  private downSince: number | null = null;

  constructor(private readonly log: Logger | undefined) {}

  get down(): boolean {
    return this.downSince !== null;
  }

  /** A statement failed on a connection error: the error to throw instead. */
  failed(cause: unknown): StoreOutageError {
    if (this.downSince === null) {
      this.downSince = Date.now();
      this.log?.error(
        { err: cause },
        'lost the connection to the database: requests are answered 503 until it is back',
      );
    }
    return new StoreOutageError(cause);
  }

  /** A statement succeeded. */
  answered(): void {
    if (this.downSince === null) return;
    const outageMs = Date.now() - this.downSince;
    this.downSince = null;
    this.log?.info({ outageMs }, 'the database answers again');
  }
}

/**
 * Logs a failure of a background loop (reaper, timers): at error level, except an outage of the
 * store, which OutageWatch has reported once already.
 */
export function logFailure(log: Logger, e: unknown, message: string): void {
  if (e instanceof StoreOutageError) log.debug({ err: e }, message);
  else log.error({ err: e }, message);
}

import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';

/** pino's level numbers by name. */
export const LOG_LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LogLevelName = keyof typeof LOG_LEVELS;

/** The name of a pino level number (the nearest below it). */
export function levelName(level: number): LogLevelName {
  let name: LogLevelName = 'trace';
  for (const [n, v] of Object.entries(LOG_LEVELS)) if (level >= v) name = n as LogLevelName;
  return name;
}

/** One kept log line: a warn or error line of the hub or a worker, or a request answered 4xx/5xx. */
export interface LogEntry {
  /** Random; a 500 reply carries the id of its line. */
  id: string;
  at: number;
  /** pino's level number: 30 info, 40 warn, 50 error, 60 fatal. */
  level: number;
  /** `hub`, or `worker <name>`. */
  source: string;
  msg: string;
  /** The line's other fields (route, status, tokenId, durationMs, err, ...). */
  data: Record<string, unknown> | null;
}

let lastMs = 0;
let seq = 0;

/**
 * 24 hex digits: the time in ms, a sequence within that millisecond, and a random tail. The kept
 * log lists lines by time, then id: lines of one millisecond (a warning and the error after it)
 * come back in the order they were added, and the random tail keeps several hubs' ids apart.
 */
export function newLogId(): string {
  const now = Date.now();
  seq = now === lastMs ? seq + 1 : 0;
  lastMs = now;
  const time = now.toString(16).padStart(12, '0');
  return `${time}${(seq & 0xffff).toString(16).padStart(4, '0')}${randomBytes(4).toString('hex')}`;
}

/** Where a logger also sends its warn and error lines (the hub's store, a worker's hub). */
export interface LogTap {
  write(line: string): void;
}

const OWN_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'logId']);
// PostgreSQL cannot store U+0000 in text; a log line must never be refused for it.
// eslint-disable-next-line no-control-regex
const NUL = /\u0000/g;

/** A pino JSON line as an entry (its `logId` field, when set, is its id); null when it is not one. */
export function entryOf(line: string, source: string): LogEntry | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof o.level !== 'number') return null;
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!OWN_FIELDS.has(k)) data[k] = v;
  return {
    id: typeof o.logId === 'string' ? o.logId : newLogId(),
    at: typeof o.time === 'number' ? o.time : Date.now(),
    level: o.level,
    source: source.replace(NUL, ''),
    msg: String(o.msg ?? '').replace(NUL, ''),
    data: Object.keys(data).length > 0 ? data : null,
  };
}

/**
 * The process logger: JSON lines on stderr, so command output on stdout stays clean for pipes.
 * Anything named like a credential is redacted wherever it appears. With a tap, the warn and
 * error lines also go there, as written (redacted).
 */
export function createLogger(level: string, name = 'roost', tap?: LogTap): Logger {
  const stderr = pino.destination({ dest: 2, sync: false });
  const own = LOG_LEVELS[level as LogLevelName] as number | undefined;
  // The logger writes what either stream wants; each stream keeps only its own levels.
  const streams = tap
    ? pino.multistream([
        ...(own === undefined ? [] : [{ level: level as pino.Level, stream: stderr }]),
        { level: 'warn' as const, stream: tap },
      ])
    : stderr;
  return pino(
    {
      name,
      level: tap && (own === undefined || own > LOG_LEVELS.warn) ? 'warn' : level,
      redact: {
        paths: [
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'req.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    streams,
  );
}

import type { Store } from './store.js';
import type { LogEntry } from '../log.js';

export type { LogEntry };

export interface LogQuery {
  /** Lines at or after this time (epoch ms). */
  since?: number;
  /** Lines at this level or worse. */
  minLevel: number;
  /** The one line with this id. */
  id?: string;
  /** The newest this many lines, given oldest first. */
  limit: number;
}

/** The hub's kept log on the main store's connection. A resolved write is committed. */
export interface LogStore {
  append(entries: LogEntry[]): Promise<void>;
  list(query: LogQuery): Promise<LogEntry[]>;
  /** Deletes lines older than `before`; answers how many. */
  prune(before: number): Promise<number>;
}

/** The log store on the main store's connection. */
export function openLogStore(store: Store): LogStore {
  return store.companions.logs();
}

/** A row of `hub_logs`: the data is JSON text, or null. */
export interface HubLogRow {
  id: string;
  at: number;
  level: number;
  source: string;
  msg: string;
  data: string | null;
}

/** A stored row as an entry. */
export function toLogEntry(r: HubLogRow): LogEntry {
  return {
    id: r.id,
    at: r.at,
    level: r.level,
    source: r.source,
    msg: r.msg,
    data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>),
  };
}

import Database from 'better-sqlite3';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** How often the thread copies committed pages from the WAL into the database file. */
const EVERY_MS = 200;
/** WAL pages past which the writer is asked to catch up itself (about 16 MB). */
const BEHIND_PAGES = 4000;

interface ThreadData {
  roostWalCheckpointer: true;
  file: string;
}

/**
 * Checkpoints the SQLite WAL from a thread of its own, on a connection of its own. SQLite would
 * otherwise do it inside a commit every 1000 pages, on the event loop, fsync included: every
 * request waiting behind that commit would wait for the disk. A PASSIVE checkpoint never blocks
 * the writer. The writer starts the WAL over once a checkpoint has caught up with it, which under
 * a steady stream of commits the thread never quite does; so when the WAL has grown past
 * BEHIND_PAGES the thread says so, and the writer checkpoints the little that is left itself.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  /** `catchUp` runs on the writer's thread, between its transactions. */
  constructor(file: string, catchUp: () => void) {
    const data: ThreadData = { roostWalCheckpointer: true, file };
    this.worker = new Worker(new URL(import.meta.url), { workerData: data });
    // Should the thread die, SQLite checkpoints on close (and on the next open) instead.
    this.worker.on('error', () => undefined);
    this.exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', () => catchUp());
    // After the listeners, which would hold it again: a process that is done, or killed, takes
    // the thread with it.
    this.worker.unref();
  }

  /** Stops the thread, its connection closed, so the writer's close is the last and leaves no WAL behind. */
  async close(): Promise<void> {
    // Held open until the thread has closed its connection, even by a process with nothing else to do.
    this.worker.ref();
    this.worker.postMessage('close');
    await this.exited;
  }
}

function runThread(file: string): void {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  const checkpoint = () => {
    try {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
      // `log` is the WAL as this checkpoint began: the writer has added to it since.
      if (r && r.log > BEHIND_PAGES) parentPort!.postMessage('behind');
    } catch {
      // Busy or closing: the next round tries again.
    }
  };
  const timer = setInterval(checkpoint, EVERY_MS);
  parentPort!.once('message', () => {
    clearInterval(timer);
    db.close();
    parentPort!.close();
  });
}

if (!isMainThread && (workerData as ThreadData | null)?.roostWalCheckpointer)
  runThread((workerData as ThreadData).file);

import Database from 'better-sqlite3';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** How often the thread copies committed pages from the WAL into the database file. */
const EVERY_MS = 200;
/** WAL pages past which the writer holds its writes for the thread to catch up (about 16 MB). */
const BEHIND_PAGES = 4000;
/** The longest writes are held for a catch-up, should the thread not answer. */
const CATCH_UP_MS = 1000;

interface ThreadData {
  roostWalCheckpointer: true;
  file: string;
}

/** Main thread to checkpointer: 'catch-up' (writes are held now) or 'close'; back: 'behind' or 'caught-up'. */
type Message = 'catch-up' | 'close' | 'behind' | 'caught-up';

/**
 * Checkpoints the SQLite WAL from a thread of its own, on a connection of its own. SQLite would
 * otherwise do it inside a commit every 1000 pages, on the event loop, fsync included: every
 * request waiting behind that commit would wait for the disk. A PASSIVE checkpoint never blocks
 * the writer. The writer starts the WAL over once a checkpoint has caught up with it, which under
 * a steady stream of commits the thread never quite does; so when the WAL has grown past
 * BEHIND_PAGES the thread says so, the writer holds its writes (reads go on), and the thread
 * checkpoints what is left while nothing is added. The writer used to copy that rest itself, on
 * the event loop: 12-15 ms after a large batch (docs/benchmarks.md, "Creating a large batch").
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private caughtUp: (() => void) | null = null;

  /** `hold` keeps the writer's writes back until the promise it is given settles. */
  constructor(file: string, hold: (done: Promise<void>) => void) {
    const data: ThreadData = { roostWalCheckpointer: true, file };
    this.worker = new Worker(new URL(import.meta.url), { workerData: data });
    // Should the thread die, SQLite checkpoints on close (and on the next open) instead.
    this.worker.on('error', () => undefined);
    this.exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    void this.exited.then(() => this.caughtUp?.());
    this.worker.on('message', (m: Message) => {
      if (m === 'caught-up') this.caughtUp?.();
      else if (m === 'behind' && !this.caughtUp) hold(this.catchUp());
    });
    // After the listeners, which would hold it again: a process that is done, or killed, takes
    // the thread with it.
    this.worker.unref();
  }

  private catchUp(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      // Not unref'd: the writes held meanwhile are pending work, which a process with nothing else
      // to do (a script, not a hub) would otherwise exit from, its awaits unsettled.
      const timer = setTimeout(() => this.caughtUp?.(), CATCH_UP_MS);
      this.caughtUp = () => {
        clearTimeout(timer);
        this.caughtUp = null;
        resolve();
      };
    });
    this.worker.postMessage('catch-up' satisfies Message);
    return done;
  }

  /** Stops the thread, its connection closed, so the writer's close is the last and leaves no WAL behind. */
  async close(): Promise<void> {
    // Held open until the thread has closed its connection, even by a process with nothing else to do.
    this.worker.ref();
    this.worker.postMessage('close' satisfies Message);
    await this.exited;
  }
}

function runThread(file: string): void {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  /** The WAL's length in pages as the checkpoint began (-1: busy or closing, the next round tries again). */
  const checkpoint = (): number => {
    try {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
      return r?.log ?? -1;
    } catch {
      return -1;
    }
  };
  // `log` is the WAL as the checkpoint began: the writer has added to it since.
  const timer = setInterval(() => {
    if (checkpoint() > BEHIND_PAGES) parentPort!.postMessage('behind' satisfies Message);
  }, EVERY_MS);
  parentPort!.on('message', (m: Message) => {
    if (m === 'catch-up') {
      checkpoint();
      parentPort!.postMessage('caught-up' satisfies Message);
      return;
    }
    clearInterval(timer);
    db.close();
    parentPort!.close();
  });
}

if (!isMainThread && (workerData as ThreadData | null)?.roostWalCheckpointer)
  runThread((workerData as ThreadData).file);

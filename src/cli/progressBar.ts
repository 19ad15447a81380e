import type { Progress } from '../store/archive/progress.js';

const WIDTH = 30;
const REDRAW_MS = 100;
/** Off a terminal, a long section still says how far it got this often. */
const LINE_EVERY_MS = 10_000;

/**
 * Progress on stderr: on a terminal a bar per section, redrawn in place at most every 100 ms;
 * elsewhere (a log file, a pipe) a plain line when a section is done, and every 10 s while a long
 * one runs. Kept over cli-progress (3.12.0): it would draw the terminal half only, the lines for
 * logs and pipes would stay ours, and the whole is fifty lines.
 */
export function progressOn(stream: NodeJS.WritableStream & { isTTY?: boolean }): Progress & { close(): void } {
  const tty = stream.isTTY === true;
  /** A bar is drawn and its line not ended: what is printed next needs a line of its own. */
  let open = false;
  let label = '';
  let total = 0;
  let done = 0;
  let shownAt = 0;
  const bar = (end: string) => {
    const filled = total === 0 ? WIDTH : Math.min(WIDTH, Math.floor((done / total) * WIDTH));
    stream.write(
      `\r${label.padEnd(28)} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total}\x1b[K${end}`,
    );
    open = end === '';
  };
  return {
    start(step, section, n) {
      label = `${step} ${section}`;
      total = n;
      done = 0;
      shownAt = Date.now();
      if (tty) bar('');
    },
    update(n) {
      done = n;
      const now = Date.now();
      if (now - shownAt < (tty ? REDRAW_MS : LINE_EVERY_MS)) return;
      shownAt = now;
      if (tty) bar('');
      else stream.write(`${label}: ${done}/${total} records\n`);
    },
    end() {
      if (tty) bar('\n');
      else stream.write(`${label}: ${done} records\n`);
    },
    /** Ends a bar left half drawn (by an error), so the message after it starts a line. */
    close() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}

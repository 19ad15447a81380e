import { buildProgram } from './program.js';
import { reportError } from './shared.js';

/** Exit codes: 0 done, 1 failed (hub error, job failed, unreachable), 2 bad flag or argument. */
async function main(argv: string[]): Promise<void> {
  let code: number;
  try {
    await buildProgram().parseAsync(argv);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    code = reportError(e);
  }
  // Exit once output is flushed; if something still holds the event loop open, exit anyway.
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}

// A reader that stops early (`roost sandbox timeline | head`) closes the pipe: end quietly with
// status 0, as Unix tools do, instead of crashing on the write that finds it closed.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(0);
});

await main(process.argv);

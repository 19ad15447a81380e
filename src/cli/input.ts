import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { UsageError } from './flags.js';

/** Reading what the user hands a command: JSON arguments, files, stdin, a yes/no answer. */

/** Parses JSON, or fails with a usage error that says `what` was not JSON. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The text of the file a flag names (`-`: stdin); a file that cannot be read is an error naming the flag. */
export async function readSource(file: string, flag: string): Promise<string> {
  try {
    return file === '-' ? await readStdin() : readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Asks a yes/no question on the terminal (stderr, so stdout stays clean); true only for y or yes. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('close', () => resolve('')); // end of input (Ctrl-D) is a no
      rl.question(`${question} [y/N] `).then(resolve, () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

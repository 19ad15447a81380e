import { join } from 'node:path';
import type { RunningHub } from '../hub/hub.js';
import { packageRoot } from '../paths.js';
import type { Sandbox } from '../platforms/sandbox/sandbox.js';
import { out } from './shared.js';

interface Example {
  name: string;
  what: string;
  /** What the sandbox gets when the bot is created, so a newcomer sees it act at once. */
  firstStart?(sandbox: Sandbox): Promise<unknown>;
}

/** Posts one after another: the bots read them in this order. */
async function postAll(sandbox: Sandbox, posts: Array<{ author: string; text: string }>): Promise<void> {
  for (const p of posts) await sandbox.post(p);
}

/** The example bots `roost up --examples` (npm start) creates on first start, from examples/bots/. */
const EXAMPLES: Example[] = [
  {
    name: 'autoresponder',
    what: 'answers asks sent to @frank with the best of 8 text.markov variants',
    firstStart: (s) => s.ask({ from: 'newcomer', to: 'frank', text: 'What is the sea like at night?' }),
  },
  {
    name: 'reader',
    what: 'collects the posts of @poet and @bard into the feed reader.posts every 3 s',
    firstStart: (s) =>
      postAll(s, [
        { author: 'poet', text: 'the sea is deep and quiet at night' },
        { author: 'bard', text: 'every roost wakes before the first light' },
        { author: 'poet', text: 'small boats sleep in the harbour of the moon' },
      ]),
  },
  { name: 'remixer', what: 'posts a remix of the next reader.posts item every 5 s as @remixer; likes make its words hot' },
  {
    name: 'ledger',
    what: "keeps a book of '$loan 50 @bob' and '$paid @bob' posts as @loans, answers each, reminds unpaid borrowers",
    firstStart: (s) =>
      postAll(s, [
        { author: 'alice', text: '$loan 50 @bob for the train tickets' },
        { author: 'carol', text: '$loan 20 @alice' },
        { author: 'alice', text: '$paid @bob 20' },
      ]),
  },
];

/** Creates the example bots that are missing and, when one is new, gives it something to act on. */
export async function startExamples(hub: RunningHub): Promise<void> {
  if (!hub.bots || !hub.sandbox) return out('The example bots need the sqlite store; this hub runs without them.');
  const existing = new Set((await hub.bots.list()).map((b) => b.name));
  for (const e of EXAMPLES) {
    if (existing.has(e.name)) continue;
    await hub.bots.create(e.name, join(packageRoot, 'examples', 'bots', `${e.name}.js`));
    await e.firstStart?.(hub.sandbox);
  }
  for (const e of EXAMPLES) out(`Example bot ${e.name}: ${e.what}`);
  out(`Watch: npx roost sandbox timeline — ask your own: npx roost sandbox ask frank "what is a roost?"`);
  out(`Lend: npx roost sandbox post --as bob '$loan 5 @carol' — write for the remixer: npx roost sandbox post --as poet "..."`);
}

import { join } from 'node:path';
import type { RunningHub } from '../hub/hub.js';
import { packageRoot } from '../paths.js';
import { out } from './shared.js';

/** The example bots `roost up --examples` (npm start) creates on first start, from examples/bots/. */
const EXAMPLES = [
  { name: 'autoresponder', what: 'answers asks sent to @frank with the best of 8 text.markov variants' },
  { name: 'reader', what: 'collects the posts of @poet and @bard into the feed reader.posts every 3 s' },
  {
    name: 'remixer',
    what: 'posts a remix of the next reader.posts item every 5 s as @remixer; likes make its words hot',
  },
  {
    name: 'ledger',
    what: "keeps a book of '$loan 50 @bob' and '$paid @bob' posts as @loans, answers each, reminds unpaid borrowers",
  },
];

/** A sandbox post, or an ask when it has `to`. */
type FirstPost = { author: string; text: string; to?: string };

/** What the sandbox gets, in this order, when an example bot is new: something to act on at once. */
const FIRST_POSTS: Record<string, FirstPost[]> = {
  autoresponder: [{ author: 'newcomer', to: 'frank', text: 'What is the sea like at night?' }],
  reader: [
    { author: 'poet', text: 'the sea is deep and quiet at night' },
    { author: 'bard', text: 'every roost wakes before the first light' },
    { author: 'poet', text: 'small boats sleep in the harbour of the moon' },
  ],
  ledger: [
    { author: 'alice', text: '$loan 50 @bob for the train tickets' },
    { author: 'carol', text: '$loan 20 @alice' },
    { author: 'alice', text: '$paid @bob 20' },
  ],
};

/** Creates the example bots that are missing and gives each new one its first posts. */
export async function startExamples(hub: RunningHub): Promise<void> {
  const { bots, sandbox } = hub;
  const existing = new Set((await bots.list()).map((b) => b.name));
  for (const e of EXAMPLES) {
    if (existing.has(e.name)) continue;
    await bots.create(e.name, join(packageRoot, 'examples', 'bots', `${e.name}.js`));
    for (const p of FIRST_POSTS[e.name] ?? [])
      await (p.to ? sandbox.ask({ from: p.author, to: p.to, text: p.text }) : sandbox.post(p));
  }
  for (const e of EXAMPLES) out(`Example bot ${e.name}: ${e.what}`);
  out(`Watch: npx roost sandbox timeline — ask your own: npx roost sandbox ask frank "what is a roost?"`);
  out(
    `Lend: npx roost sandbox post --as bob '$loan 5 @carol' — write for the remixer: npx roost sandbox post --as poet "..."`,
  );
}

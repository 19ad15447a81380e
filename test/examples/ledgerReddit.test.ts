/**
 * Seed 004 at home: the ledger example (examples/bots/ledger.js), unchanged, keeps the book of
 * `$loan` / `$paid` comments in a subreddit and in its inbox, through an account added from the
 * example credentials file (examples/accounts/loans.reddit.json), the hub's bot runtime, the
 * proxy and the Reddit fake (test/fixtures/redditServer.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { until } from '../bots/botHelpers.js';
import { RedditFake, type FakeThing } from '../fixtures/redditServer.js';
import { startExampleHub, type ExampleHub } from './exampleHub.js';

let hub: ExampleHub;
let fake: RedditFake;
before(async () => {
  hub = await startExampleHub();
  fake = await new RedditFake().start();
  fake.addApp('ledger-app', 'ledger-secret');
  for (const u of ['loansbot', 'alice', 'bob']) fake.addUser(u, `${u}-pw`);
});
after(async () => {
  await fake.close();
  await hub.close();
});

const repliesTo = (c: FakeThing) => fake.things.filter((x) => x.data.parent_id === c.data.name);

/** Comments on the thread and returns the bot's one answer. */
async function command(author: string, parent: string, text: string): Promise<string> {
  const c = fake.comment(author, parent, text);
  const [reply] = await until(`u/loansbot answered "${text}"`, async () => {
    const r = repliesTo(c);
    return r.length > 0 && r;
  });
  assert.equal(reply!.data.author, 'loansbot');
  return reply!.data.body!;
}

test(
  'seed 004 on Reddit: $loan and $paid comments answered once each, and an unpaid loan reminded',
  { timeout: 90_000 },
  async () => {
    const example = JSON.parse(
      readFileSync(join(packageRoot, 'examples/accounts/loans.reddit.json'), 'utf8'),
    ) as Record<string, string>;
    const thread = fake.submit('alice', 'lending', 'IOUs', 'keep the book here').data.name;
    await hub.admin.post('/v1/accounts', {
      platform: 'reddit',
      name: 'loans',
      instance: fake.url,
      credentials: {
        ...example,
        clientId: 'ledger-app',
        clientSecret: 'ledger-secret',
        username: 'loansbot',
        password: 'loansbot-pw',
        subreddits: 'lending',
      },
    });
    await hub.create('ledger');
    await until('the bot reads r/lending', async () => fake.requests.includes('GET /r/lending/comments'));

    const loan = fake.comment('alice', thread, '$loan 50 @bob for the train tickets');
    await until('the loan is answered', async () => repliesTo(loan).length > 0);
    assert.equal(repliesTo(loan)[0]!.data.body, '@alice lent @bob 50. Open: @bob owes @alice 50.');
    assert.equal(
      await command('alice', thread, 'thanks u/loansbot! $paid @bob 20'),
      '@bob paid @alice back 20. Open: @bob owes @alice 30.',
      'a mention (inbox) that is also a subreddit comment is answered once',
    );
    // A reply to the bot's own answer comes by its inbox (comment_reply).
    const answer = repliesTo(loan)[0]!.data.name;
    assert.equal(await command('bob', answer, '$paid @alice'), '@alice owes you nothing, @bob; nothing noted.');

    await hub.setState('ledger', 'remindAfterMs', 0);
    await hub.run('ledger');
    await hub.run('ledger');
    const reminders = fake.things.filter((x) => x.data.author === 'loansbot' && x.data.body?.includes('a reminder'));
    assert.deepEqual(
      reminders.map((r) => [r.data.parent_id, r.data.body]),
      [
        [
          loan.data.name,
          '@bob, a reminder: you owe @alice 30 from this loan. @alice, say $paid @bob once it is settled.',
        ],
      ],
    );
    for (const c of fake.things.filter((x) => x.data.author !== 'loansbot' && x.kind !== 't3'))
      assert.equal(
        repliesTo(c).filter((r) => !r.data.body!.includes('a reminder')).length,
        1,
        `one answer to "${c.data.body}"`,
      );
    await hub.admin.request('DELETE', '/v1/bots/ledger');
  },
);

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SandboxPost } from '../../src/types.js';
import { until } from '../bots/botHelpers.js';
import { startExampleHub, type ExampleHub } from './exampleHub.js';

let hub: ExampleHub;
before(async () => {
  hub = await startExampleHub();
  await hub.create('ledger');
});
after(() => hub.close());

const repliesTo = (posts: SandboxPost[], post: SandboxPost) => posts.filter((p) => p.replyTo === post.id);

/** Posts a command and returns @loans's answer to it. */
async function command(author: string, text: string): Promise<string> {
  const post = await hub.post(author, text);
  const [reply] = await until(`@loans answered "${text}"`, async () => {
    const replies = repliesTo(await hub.timeline(), post);
    return replies.length > 0 && replies;
  });
  assert.equal(reply!.author, 'loans');
  return reply!.text;
}

test(
  'seed 004: $loan and $paid keep a book in state, each command gets one summary, unpaid loans one reminder',
  { timeout: 90_000 },
  async () => {
    const loan = await hub.post('alice', '$loan 50 @bob for the train tickets');
    await until('@loans answered the loan', async () => repliesTo(await hub.timeline(), loan).length > 0);
    assert.equal(repliesTo(await hub.timeline(), loan)[0]!.text, '@alice lent @bob 50. Open: @bob owes @alice 50.');
    assert.equal(
      await command('carol', '$loan 20.5 @alice'),
      '@carol lent @alice 20.50. Open: @bob owes @alice 50; @alice owes @carol 20.50.',
    );
    assert.equal(
      await command('alice', 'thanks! $paid @bob 20'),
      '@bob paid @alice back 20. Open: @bob owes @alice 30; @alice owes @carol 20.50.',
    );
    assert.equal(await command('bob', '$paid @alice'), '@alice owes you nothing, @bob; nothing noted.');
    assert.match(await command('dave', '$loan lots @erin'), /I understand `\$loan 50 @bob`/);
    await hub.post('erin', 'no command here, @loans'); // not a command: no answer (checked below)

    const book = (await hub.state('ledger')).book as {
      loans: Record<string, unknown>;
      payments: Record<string, unknown>;
    };
    assert.equal(Object.keys(book.loans).length, 2);
    assert.equal(Object.keys(book.payments).length, 1);

    // Reminders: none before a loan is a day old; with the delay at 0, one per unpaid loan, once.
    await hub.run('ledger');
    const reminders = async () =>
      (await hub.timeline()).filter((p) => p.author === 'loans' && p.text.includes('a reminder'));
    assert.deepEqual(await reminders(), []);
    await hub.setState('ledger', 'remindAfterMs', 0);
    await hub.run('ledger');
    await hub.run('ledger');
    const sent = await reminders();
    assert.deepEqual(
      sent.map((p) => p.text),
      [
        '@bob, a reminder: you owe @alice 30 from this loan. @alice, say $paid @bob once it is settled.',
        '@alice, a reminder: you owe @carol 20.50 from this loan. @carol, say $paid @alice once it is settled.',
      ],
    );
    assert.equal(sent[0]!.replyTo, loan.id, 'the reminder answers the loan');

    // A restart reads the sandbox again from the stored cursor: nothing is answered twice.
    await hub.admin.post('/v1/bots/ledger/pause');
    await hub.admin.post('/v1/bots/ledger/resume');
    assert.equal(await command('bob', '$paid @carol'), '@carol owes you nothing, @bob; nothing noted.');
    const posts = await hub.timeline();
    for (const p of posts.filter((x) => x.author !== 'loans')) {
      assert.equal(
        repliesTo(posts, p).filter((r) => !r.text.includes('a reminder')).length,
        p.text.includes('$') ? 1 : 0,
        `answers to "${p.text}"`,
      );
    }
  },
);

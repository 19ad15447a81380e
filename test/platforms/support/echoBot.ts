/**
 * The end-to-end shape every real platform's bot test shares: one bot's code (ECHO) answers a
 * mention on the sandbox, then is moved to a real platform by adding an account of its name
 * (`echoer`) while it is paused, with no change to its code. The platform's own test then asks it
 * there and checks the answer.
 */
import { join } from 'node:path';
import { allPosts, until, writeBot } from '../../bots/botHelpers.js';
import type { TestHub } from '../../helpers/inProcessHub.js';

export const ECHO_ACCOUNT = 'echoer';

const ECHO = `{
  name: 'echo',
  account: '${ECHO_ACCOUNT}',
  async onMention(event, ctx) { await ctx.reply(event.post, 'echo: ' + event.post.text.replace(/@\\S+\\s*/g, ''), { key: 'echo:' + event.post.id }); },
  async onAsk(event, ctx) { await ctx.reply(event.post, 'echo: ' + event.post.text, { key: 'echo:' + event.post.id }); },
}`;

/** The echo bot answers in the sandbox, then its account is added on the platform (`account`: the POST /v1/accounts body, less the name). */
export async function echoMovedFromSandbox(t: TestHub, account: Record<string, unknown>): Promise<void> {
  await t.admin.post('/v1/bots', { name: 'echo', from: writeBot(join(t.dataDir, 'src'), 'echo', ECHO) });
  await t.hub.sandbox.post({ author: 'bob', text: `@${ECHO_ACCOUNT} in the sandbox` });
  await until('the echo in the sandbox', async () =>
    (await allPosts(t.admin)).some((p) => p.author === ECHO_ACCOUNT && p.text === 'echo: in the sandbox'),
  );
  await t.admin.post('/v1/bots/echo/pause');
  await t.admin.post('/v1/accounts', { ...account, name: ECHO_ACCOUNT });
  await t.admin.post('/v1/bots/echo/resume');
}

export async function removeEcho(t: TestHub): Promise<void> {
  await t.admin.request('DELETE', '/v1/bots/echo');
}

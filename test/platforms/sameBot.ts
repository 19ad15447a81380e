/**
 * The end-to-end check every real platform gets: one bot's code answers a mention on the sandbox,
 * then, once an account of its name is added on the platform, answers there the same way (the
 * platform's test then makes someone mention it and checks the answer).
 */
import { join } from 'node:path';
import type { Credentials } from '../../src/platforms/platform.js';
import { allPosts, until, writeBot } from '../bots/botHelpers.js';
import type { TestHub } from '../helpers/inProcessHub.js';

export const ECHO_ACCOUNT = 'echoer';

/** Answers a mention with its text, the mentions of the bot (`@echoer`) taken out. */
const ECHO = `{
  name: 'echo',
  account: '${ECHO_ACCOUNT}',
  async onMention(event, ctx) { await ctx.reply(event.post, 'echo: ' + event.post.text.replace(/@\\S+\\s*/g, ''), { key: 'echo:' + event.post.id }); },
}`;

/**
 * Starts the echo bot, waits for its answer in the sandbox, then moves its account to the platform
 * (paused while the account is added). The caller then waits until the bot has read the platform
 * once: a first poll starts from the newest, so only what is said after it is answered.
 */
export async function echoOnSandboxThenOn(
  t: TestHub,
  account: { platform: string; instance: string; credentials: Credentials },
): Promise<void> {
  await t.admin.post('/v1/bots', { name: 'echo', from: writeBot(join(t.dataDir, 'src'), 'echo', ECHO) });
  await t.hub.sandbox.post({ author: 'bob', text: `@${ECHO_ACCOUNT} in the sandbox` });
  await until('the echo in the sandbox', async () =>
    (await allPosts(t.admin)).some((p) => p.author === ECHO_ACCOUNT && p.text === 'echo: in the sandbox'),
  );
  await t.admin.post('/v1/bots/echo/pause');
  await t.admin.post('/v1/accounts', { name: ECHO_ACCOUNT, ...account });
  await t.admin.post('/v1/bots/echo/resume');
}

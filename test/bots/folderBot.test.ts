import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEFAULTS } from '../../src/config.js';
import { startHub } from '../../src/hub/hub.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { getBot, until } from './botHelpers.js';

// `roost bot create NAME --from FOLDER/index.js` for a bot spread over two files: the index imports
// a file beside it, so the whole folder must reach the bots folder, and stay loadable from there.

let t: TestHub;
before(async () => {
  t = await startTestHub({ botPollMs: 200 });
});
after(() => t.close());

/** A bot in `dir`: index.js records in its state what greeting.js, beside it, makes. */
function writeFolderBot(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'greeting.js'), `export const greeting = (who) => 'hello from ' + who;\n`);
  writeFileSync(
    join(dir, 'index.js'),
    `import { defineBot } from 'roost/bots';
import { greeting } from './greeting.js';
export default defineBot({ name: 'multi', async onStart(ctx) { await ctx.state.set('said', greeting('two files')); } });
`,
  );
}

const said = async (name: string) =>
  (await t.admin.get<{ state: Record<string, unknown> }>(`/v1/bots/${name}/state`)).state.said;

test(
  'a bot over two files, created from FOLDER/index.js, runs from its copied folder',
  { timeout: 60_000 },
  async () => {
    const source = join(t.dataDir, 'src', 'multi');
    writeFolderBot(source);
    await t.admin.post('/v1/bots', { name: 'multi', from: join(source, 'index.js') });
    assert.equal(await until('the bot ran onStart', () => said('multi')), 'hello from two files');
    const bot = await getBot(t.admin, 'multi');
    assert.equal(bot.restarts, 0, String(bot.lastError));

    // The copy stands on its own: without the source, a hub starting on the same bots folder loads it.
    rmSync(source, { recursive: true });
    const botsDir = join(t.dataDir, 'bots');
    assert.ok(existsSync(join(botsDir, 'multi', 'greeting.js')), 'the second file was copied');
    const other = await startHub({ ...DEFAULTS, port: 0, dataDir: join(t.dataDir, 'other'), botsDir }, quietLog);
    try {
      const module = (await other.bots.get('multi')).module;
      assert.equal(module, join(botsDir, 'multi', 'index.js'));
      await until('the other hub ran it too', async () => (await other.bots.get('multi')).running);
    } finally {
      await other.close();
    }

    // A folder given as FOLDER works the same; destroy removes the copied folder.
    const second = join(t.dataDir, 'src', 'second');
    writeFolderBot(second);
    await t.admin.post('/v1/bots', { name: 'second', from: second });
    assert.equal(await until('the second bot ran onStart', () => said('second')), 'hello from two files');
    await t.admin.request('DELETE', '/v1/bots/second');
    assert.equal(existsSync(join(botsDir, 'second')), false, 'destroy removes the whole folder');
    await t.admin.request('DELETE', '/v1/bots/multi');
  },
);

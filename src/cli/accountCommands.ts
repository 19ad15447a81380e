import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { AccountTest, AccountView } from '../platforms/accounts.js';
import { httpUrl, UsageError } from './flags.js';
import { clientCommand, connect, fields, iso, out, printJson, seg, table, type ClientFlags } from './shared.js';

/** A credentials file: a JSON object of strings. Its content is never printed, not even in an error. */
function readCredentials(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ? (e as Error).message : 'it is not JSON';
    throw new UsageError(`--credentials-file ${resolve(file)} cannot be read: ${why}`);
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((v) => typeof v === 'string')
  )
    throw new UsageError(
      `--credentials-file ${resolve(file)} must hold a JSON object of strings, e.g. {"accessToken": "..."}`,
    );
  return parsed as Record<string, string>;
}

function printTest(t: AccountTest): void {
  const c = t.capabilities;
  const can = [c.post && 'post', c.reply && 'reply', c.ask && 'ask', c.like && 'like', c.boost && 'boost'].filter(
    Boolean,
  );
  fields([
    ['account', `${t.account.name} (${t.account.platform}${t.account.instance ? ` at ${t.account.instance}` : ''})`],
    [
      'is',
      `${t.identity.handle}${t.identity.displayName ? ` (${t.identity.displayName})` : ''}${t.identity.url ? ` ${t.identity.url}` : ''}`,
    ],
    ['may', t.identity.can.join(', ') || '-'],
    ['Roost can', `${can.join(', ') || 'read only'}; events: ${c.events.join(', ') || 'none'}`],
    ['limits', `${c.maxText} characters, ${c.maxImages} images${c.fields.length ? `; ${c.fields.join(', ')}` : ''}`],
  ]);
}

export function registerAccountCommands(program: Command): void {
  const account = program
    .command('account')
    .description('Platform accounts bots act as; credentials are stored encrypted (see docs/platforms.md)');

  clientCommand(
    account,
    'add',
    'Add an account: its credentials are checked against the platform, then stored encrypted',
  )
    .argument('<platform>', 'the platform, e.g. mastodon or rss (`roost account platforms` lists them)')
    .argument('<name>', 'the account name bots use (a bot with `account: NAME` posts with it)')
    // Any scheme a platform takes; the hub checks the platform's own (IRC's irc: and ircs:).
    .option(
      '--instance <url>',
      'the server: a Mastodon instance, a feed URL, irc://host:6667, a Bluesky PDS (default https://bsky.social)',
      httpUrl('--instance', ['http:', 'https:', 'irc:', 'ircs:']),
    )
    .option('--credentials-file <file>', 'a JSON file of the credentials (docs/platforms.md says which per platform)')
    .option('--no-test', 'store the account without checking its credentials first')
    .action(
      async (
        platform: string,
        name: string,
        f: ClientFlags & { instance?: string; credentialsFile?: string; test: boolean },
      ) => {
        const credentials = f.credentialsFile ? readCredentials(f.credentialsFile) : undefined;
        const added = await connect(f).post<AccountTest | AccountView>('/v1/accounts', {
          name,
          platform,
          ...(f.instance ? { instance: f.instance } : {}),
          ...(credentials ? { credentials } : {}),
          test: f.test,
        });
        if (f.json) return printJson(added);
        out(`Account ${name} (${platform}) added`);
        if ('identity' in added) printTest(added);
      },
    );

  clientCommand(account, 'list', 'Accounts (never their credentials)').action(async (f: ClientFlags) => {
    const { accounts } = await connect(f).get<{ accounts: AccountView[] }>('/v1/accounts');
    if (f.json) return printJson({ accounts });
    if (accounts.length === 0)
      return out('No accounts yet (bots use sandbox accounts): roost account add PLATFORM NAME --credentials-file F');
    table(
      ['NAME', 'PLATFORM', 'INSTANCE', 'CREDENTIALS', 'ADDED'],
      accounts.map((a) => [a.name, a.platform, a.instance ?? '-', a.hasCredentials ? 'stored' : '-', iso(a.createdAt)]),
    );
  });

  clientCommand(account, 'test', 'Check an account against its platform: who it is and what it may do')
    .argument('<name>')
    .action(async (name: string, f: ClientFlags) => {
      const t = await connect(f).post<AccountTest>(`/v1/accounts/${seg(name)}/test`, {});
      if (f.json) return printJson(t);
      printTest(t);
    });

  clientCommand(account, 'remove', 'Remove an account and its stored credentials')
    .argument('<name>')
    .action(async (name: string, f: ClientFlags) => {
      await connect(f).request('DELETE', `/v1/accounts/${seg(name)}`);
      if (f.json) return printJson({ removed: name });
      out(`Account ${name} removed`);
    });

  clientCommand(account, 'platforms', 'The platforms Roost has, and what an account of each needs').action(
    async (f: ClientFlags) => {
      const { platforms } = await connect(f).get<{
        platforms: Array<{ name: string; summary: string; instance: string; credentials: string[]; implicit: boolean }>;
      }>('/v1/platforms');
      if (f.json) return printJson({ platforms });
      table(
        ['PLATFORM', 'NEEDS', 'WHAT'],
        platforms.map((p) => [
          p.name,
          p.implicit
            ? 'nothing'
            : [p.instance === 'required' ? '--instance' : p.instance === 'optional' && '[--instance]', ...p.credentials]
                .filter(Boolean)
                .join(', ') || '-',
          p.summary,
        ]),
      );
    },
  );
}

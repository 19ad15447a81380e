import { Option, type Command } from 'commander';
import { BOT_NAME_PATTERN } from '../bots/botModules.js';
import { SCOPES, type Scope, type TokenInfo } from '../types.js';
import { choice, storeOption, text, UsageError } from './flags.js';
import { clientCommand, connect, iso, out, printJson, readConfig, seg, table, type ClientFlags } from './shared.js';
import { storeAdapter } from '../store/registry.js';

type CreateFlags = ClientFlags & { scope: Scope; store?: string; kinds?: string[]; ownJobs?: boolean; bot?: string };

const BOT_NAME = new RegExp(BOT_NAME_PATTERN);

function botName(value: string): string {
  if (!BOT_NAME.test(value))
    throw new UsageError(`--bot must be a bot name (lower-case letters, digits, _ and -), not '${value}'`);
  return value;
}

/** What a token is confined to, in words; '' when it is not (docs/protocol.md, isolation). */
function confinedTo(t: TokenInfo): string {
  if (t.kinds) return `kinds ${t.kinds.join(', ')}`;
  if (t.ownJobs) return 'own jobs';
  return t.bot ? `bot ${t.bot}` : '';
}

/** The confinement flags as the body of POST /v1/tokens (and Tokens.create), after checking they fit the scope. */
function confinement(f: CreateFlags): { kinds?: string[]; ownJobs?: boolean; bot?: string } {
  const fits: Array<[unknown, string, Scope]> = [
    [f.kinds, '--kinds', 'worker'],
    [f.ownJobs, '--own-jobs', 'client'],
    [f.bot, '--bot', 'bot'],
  ];
  for (const [given, flag, scope] of fits)
    if (given !== undefined && f.scope !== scope)
      throw new UsageError(`${flag} confines a ${scope} token: use it with --scope ${scope}`);
  return {
    ...(f.kinds ? { kinds: f.kinds } : {}),
    ...(f.ownJobs ? { ownJobs: true } : {}),
    ...(f.bot ? { bot: f.bot } : {}),
  };
}

/**
 * `token create --store`: the token is written straight into the store, no hub and no token needed,
 * so whoever holds the store (the database URL, or the SQLite file) can always get an admin token.
 */
async function createInStore(name: string, f: CreateFlags): Promise<TokenInfo & { token: string }> {
  if (f.hub !== undefined || f.token !== undefined)
    throw new UsageError('--store creates the token in the store directly: leave out --hub and --token');
  const config = readConfig({ configFile: f.config, flags: { store: f.store, dataDir: f.data } });
  const [{ openStore }, { Tokens }] = await Promise.all([import('../store/openStore.js'), import('../hub/tokens.js')]);
  // Opening a missing SQLite file would create an empty store that no hub reads: say where we looked.
  const adapter = storeAdapter(config.store);
  const absent = adapter.absent(config);
  if (absent) throw new UsageError(`--store ${adapter.name}: ${absent}`);
  const store = await openStore(config);
  try {
    const { token, info } = await new Tokens(store).create(name, f.scope, confinement(f));
    return { ...info, token };
  } finally {
    await store.close();
  }
}

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('Create, list and revoke tokens (needs an admin token)');

  clientCommand(token, 'create', 'Create a token; it is printed once and never shown again')
    .argument('<name>', 'a name saying who or what uses the token', text('NAME', 100))
    .addOption(
      new Option('--scope <scope>', `what the token may do: ${SCOPES.join(', ')}`)
        .argParser(choice('--scope', SCOPES))
        .makeOptionMandatory(),
    )
    .addOption(
      storeOption('create the token in this store directly, with no hub or token (a way back in for its operator)'),
    )
    .option(
      '--kinds <kinds>',
      'a worker token: serve only these kinds (comma-separated; repeatable)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(',').filter(Boolean)],
    )
    .option('--own-jobs', 'a client token: see and change only the jobs it creates')
    .option('--bot <name>', 'a bot token: act only for this bot (its state, its feeds)', botName)
    .action(async (name: string, f: CreateFlags) => {
      const confined = confinement(f);
      const created =
        f.store !== undefined
          ? await createInStore(name, f)
          : await connect(f).post<TokenInfo & { token: string }>('/v1/tokens', { name, scope: f.scope, ...confined });
      if (f.json) return printJson(created);
      const to = confinedTo(created);
      out(`Created ${created.scope} token ${created.id} (${created.name})${to ? `, confined to ${to}` : ''}:`);
      out(created.token);
      out('This token will not be shown again: store it now.');
    });

  clientCommand(token, 'list', 'List tokens (never their secrets)').action(async (f: ClientFlags) => {
    const { tokens } = await connect(f).get<{ tokens: TokenInfo[] }>('/v1/tokens');
    if (f.json) return printJson({ tokens });
    table(
      ['ID', 'NAME', 'SCOPE', 'CONFINED TO', 'CREATED', 'LAST USED', 'REVOKED'],
      tokens.map((t) => [t.id, t.name, t.scope, confinedTo(t), iso(t.createdAt), iso(t.lastUsedAt), iso(t.revokedAt)]),
    );
  });

  clientCommand(token, 'revoke', 'Revoke a token: the hub refuses it from then on')
    .argument('<id>', 'the token id (from `roost token list`)')
    .action(async (id: string, f: ClientFlags) => {
      const revoked = await connect(f).request<{ revoked: string }>('DELETE', `/v1/tokens/${seg(id)}`);
      if (f.json) printJson(revoked);
      else out(`Revoked token ${revoked.revoked}`);
    });
}

import { Option, type Command } from 'commander';
import { SCOPES, type Scope, type TokenInfo } from '../types.js';
import { choice, UsageError } from './flags.js';
import { clientCommand, connect, iso, out, printJson, seg, table, type ClientFlags } from './shared.js';

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('Create, list and revoke tokens (needs an admin token)');

  clientCommand(token, 'create', 'Create a token; it is printed once and never shown again')
    .argument('<name>', 'a name saying who or what uses the token')
    .addOption(
      new Option('--scope <scope>', `what the token may do: ${SCOPES.join(', ')}`)
        .argParser(choice('--scope', SCOPES))
        .makeOptionMandatory(),
    )
    .option(
      '--kinds <kinds>',
      'a worker token: serve only these kinds (comma-separated; repeatable)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(',').filter(Boolean)],
    )
    .action(async (name: string, f: ClientFlags & { scope: Scope; kinds?: string[] }) => {
      if (f.kinds && f.scope !== 'worker')
        throw new UsageError('--kinds confines a worker token: use it with --scope worker');
      const created = await connect(f).post<TokenInfo & { token: string }>('/v1/tokens', {
        name,
        scope: f.scope,
        ...(f.kinds ? { kinds: f.kinds } : {}),
      });
      if (f.json) return printJson(created);
      out(
        `Created ${created.scope} token ${created.id} (${created.name})${created.kinds ? ` serving ${created.kinds.join(', ')}` : ''}:`,
      );
      out(created.token);
      out('This token will not be shown again: store it now.');
    });

  clientCommand(token, 'list', 'List tokens (never their secrets)').action(async (f: ClientFlags) => {
    const { tokens } = await connect(f).get<{ tokens: TokenInfo[] }>('/v1/tokens');
    if (f.json) return printJson({ tokens });
    table(
      ['ID', 'NAME', 'SCOPE', 'CREATED', 'LAST USED', 'REVOKED'],
      tokens.map((t) => [t.id, t.name, t.scope, iso(t.createdAt), iso(t.lastUsedAt), iso(t.revokedAt)]),
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

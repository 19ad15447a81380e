/**
 * The accounts bots act as: stored with their credentials sealed (secretBox.ts), checked against
 * their platform, and made into connectors whose every call goes through the proxy. A name with
 * no stored account is an account of the sandbox, so a bot moves to a real platform by adding an
 * account of the name it already uses; its code does not change.
 */
import { EventEmitter } from 'node:events';
import { ConflictError, InputError, NotFoundError } from '../errors.js';
import type { PlatformStore, StoredAccount } from '../store/platformStore.js';
import type { Capabilities, Connector, Identity } from './connector.js';
import type { Credentials, PlatformDefinition } from './platform.js';
import type { PlatformProxy } from './proxy/platformProxy.js';
import { PLATFORMS, platformNamed } from './registry.js';
import type { Sandbox } from './sandbox/sandbox.js';
import type { SecretBox } from './secretBox.js';

export const ACCOUNT_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
const IMPLICIT = PLATFORMS.find((p) => p.implicit)!;

/** An account as the API shows it: never its credentials, only whether it has some. */
export interface AccountView {
  name: string;
  platform: string;
  instance: string | null;
  hasCredentials: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface AccountTest {
  account: AccountView;
  identity: Identity;
  capabilities: Capabilities;
}

export interface NewAccount {
  name: string;
  platform: string;
  instance?: string | null;
  credentials?: Credentials;
  /** Check the credentials against the platform before storing them (default true). */
  test?: boolean;
}

function view(a: StoredAccount): AccountView {
  return {
    name: a.name,
    platform: a.platform,
    instance: a.instance,
    hasCredentials: a.sealed !== null,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

function checkCredentials(p: PlatformDefinition, c: Credentials): void {
  const known = [...p.credentials, ...(p.optionalCredentials ?? [])];
  const missing = p.credentials.filter((k) => typeof c[k] !== 'string' || c[k] === '');
  if (missing.length > 0)
    throw new InputError(
      'credentials',
      `${p.name} credentials need ${missing.join(', ')} (a JSON object of strings: { ${p.credentials.map((k) => `"${k}": "..."`).join(', ')} })`,
    );
  const unknown = Object.keys(c).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw new InputError(
      'credentials',
      `${p.name} credentials take ${known.join(', ') || 'nothing'}; not ${unknown.join(', ')}`,
    );
}

function checkInstance(p: PlatformDefinition, instance: string | null): string | null {
  if (p.instance === 'none') {
    if (instance) throw new InputError('instance', `${p.name} has no instances; leave --instance out`);
    return null;
  }
  if (!instance) {
    if (p.instance === 'optional') return null;
    throw new InputError('instance', `a ${p.name} account needs --instance URL (its server)`);
  }
  const schemes = p.instanceSchemes ?? ['http:', 'https:'];
  const must = `--instance must be an ${schemes.map((s) => s.slice(0, -1)).join(' or ')} URL, got '${instance}'`;
  let url: URL;
  try {
    url = new URL(instance);
  } catch {
    throw new InputError('instance', must);
  }
  if (!schemes.includes(url.protocol)) throw new InputError('instance', must);
  return url.href.replace(/\/$/, '');
}

export class Accounts {
  /** Emits 'activity' when a platform has something new for bots (a sandbox post), so polls run at once. */
  readonly activity = new EventEmitter();
  private readonly cache = new Map<string, { version: number; connector: Connector }>();

  constructor(
    private readonly options: {
      store: PlatformStore;
      box: SecretBox;
      proxy: PlatformProxy;
      sandbox: Sandbox;
      now: () => number;
    },
  ) {
    this.activity.setMaxListeners(0);
    options.sandbox.posts.on('post', () => this.activity.emit('activity'));
  }

  private connect(p: PlatformDefinition, a: { name: string; instance: string | null }, c: Credentials): Connector {
    const { proxy, sandbox, now, store, box } = this.options;
    return p.connect(
      { name: a.name, platform: p.name, instance: a.instance, credentials: c },
      {
        channel: proxy.channel(p.name, a.name, p.signal),
        sandbox,
        now,
        saveCredentials: (fresh) => store.setSealed(a.name, box.seal(a.name, fresh), now()),
        wake: () => this.activity.emit('activity'),
      },
    );
  }

  async add(n: NewAccount): Promise<AccountTest | AccountView> {
    if (!new RegExp(ACCOUNT_NAME_PATTERN).test(n.name))
      throw new InputError(
        'name',
        `an account name is 1 to 64 lower-case letters, digits, '_' or '-', got '${n.name}'`,
      );
    const p = platformNamed(n.platform);
    if (p.implicit) throw new InputError('platform', `${p.name} accounts need no adding: any name is one`);
    const credentials = n.credentials ?? {};
    checkCredentials(p, credentials);
    const instance = checkInstance(p, n.instance ?? null);
    if (await this.options.store.getAccount(n.name))
      throw new ConflictError('exists', `an account named '${n.name}' exists; remove it first or pick another name`);
    let identity: Identity | null = null;
    let connector: Connector | null = null;
    if (n.test !== false) {
      connector = this.connect(p, { name: n.name, instance }, credentials);
      identity = await connector
        .whoami()
        .catch((e: Error) => {
          throw new InputError('credentials', `${p.name} refused the credentials of '${n.name}': ${e.message}`);
        })
        // Only a check: the account's own connector is made when a bot needs it.
        .finally(() => connector!.close?.());
    }
    const now = this.options.now();
    const sealed =
      p.credentials.length + (p.optionalCredentials?.length ?? 0) > 0
        ? this.options.box.seal(n.name, credentials)
        : null;
    const stored = { name: n.name, platform: p.name, instance, sealed, createdAt: now, updatedAt: now };
    if (!(await this.options.store.addAccount(stored)))
      throw new ConflictError('exists', `an account named '${n.name}' exists; remove it first or pick another name`);
    return identity && connector
      ? { account: view(stored), identity, capabilities: connector.capabilities }
      : view(stored);
  }

  async list(): Promise<AccountView[]> {
    return (await this.options.store.listAccounts()).map(view);
  }

  private async stored(name: string): Promise<StoredAccount> {
    const a = await this.options.store.getAccount(name);
    if (!a) throw new NotFoundError(`no account named '${name}'; \`roost account list\` shows them`);
    return a;
  }

  async test(name: string): Promise<AccountTest> {
    const a = await this.stored(name);
    const c = await this.connector(name);
    return { account: view(a), identity: await c.whoami(), capabilities: c.capabilities };
  }

  async remove(name: string): Promise<void> {
    await this.stored(name);
    await this.options.store.removeAccount(name);
    await this.forget(name);
  }

  /** Drops the cached connector of an account, closing what it holds open. */
  private async forget(name: string): Promise<void> {
    const cached = this.cache.get(name);
    this.cache.delete(name);
    await cached?.connector.close?.();
  }

  /** At shutdown: closes every connector that holds something open. */
  async close(): Promise<void> {
    await Promise.all([...this.cache.keys()].map((name) => this.forget(name)));
  }

  /** The connector of an account: a stored one, else the sandbox account of that name. */
  async connector(name: string): Promise<Connector> {
    const a = await this.options.store.getAccount(name);
    const version = a?.updatedAt ?? 0;
    const cached = this.cache.get(name);
    if (cached && cached.version === version) return cached.connector;
    if (cached) void this.forget(name);
    const p = a ? platformNamed(a.platform) : IMPLICIT;
    const credentials = a?.sealed ? (this.options.box.open(name, a.sealed) as Credentials) : {};
    const connector = this.connect(p, { name, instance: a?.instance ?? null }, credentials);
    this.cache.set(name, { version, connector });
    return connector;
  }
}

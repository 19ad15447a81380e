/** What a platform folder exports: how to make a connector for one of its accounts, and what it needs for one. */
import type { Connector } from './connector.js';
import type { Budgets, RateSignal } from './proxy/pacing.js';
import type { AccountChannel, ProxyResponse } from './proxy/platformProxy.js';
import type { Sandbox } from './sandbox/sandbox.js';

export type Credentials = Record<string, string>;

/** An account as a connector is made from: its credentials opened. */
export interface AccountSpec {
  name: string;
  platform: string;
  instance: string | null;
  credentials: Credentials;
}

export interface ConnectorDeps {
  /** Every call to the platform goes through it (paced, retried, recorded). */
  channel: AccountChannel;
  /** The hub's built-in platform, for the sandbox connector. */
  sandbox: Sandbox;
  now: () => number;
  /** Seals and stores renewed credentials (a refreshed session or token). */
  saveCredentials(c: Credentials): Promise<void>;
  /** A live connection (IRC) heard something: the bots reading the account poll at once. */
  wake: () => void;
}

export interface PlatformDefinition {
  name: string;
  /** One line for `roost account add --help` and docs. */
  summary: string;
  /** Whether an account names its server (`--instance URL`): a Mastodon instance, a feed's URL; optional: a default (Bluesky's). */
  instance: 'none' | 'required' | 'optional';
  /** The URL schemes an instance may have (default http: and https:; IRC's irc: and ircs:). */
  instanceSchemes?: readonly string[];
  /** Keys the credentials file must hold. */
  credentials: readonly string[];
  /** Keys it may hold besides. */
  optionalCredentials?: readonly string[];
  /** Any account name is an account, with no `roost account add` (the sandbox). */
  implicit?: boolean;
  /** Budgets applied unless the config gives others (`platformBudgets`). */
  budgets?: { platform?: Budgets; account?: Budgets };
  /** Rate-limit signals beyond the common headers (a 429's body, say). */
  signal?: (res: ProxyResponse, now: number) => RateSignal | null;
  connect(account: AccountSpec, deps: ConnectorDeps): Connector;
}

/**
 * IRC, as a bot with a nick, over one live connection per account (irc-framework: it parses
 * lines, negotiates capabilities and SASL, answers PINGs; ircSession.ts keeps the connection up).
 *
 * IRC is connection-based, not poll-based: the session buffers what it hears (channel messages and
 * private messages) as it arrives, numbered by a sequence, and a poll reads the buffer after the
 * cursor (`irc:SEQ`), first syncing with the server (a PING answered) so everything relayed before
 * the poll is in it. A message to the bot wakes the bots reading the account at once. IRC keeps no
 * history: what is said while the bot is disconnected (or the hub is down) is not recoverable, and
 * the buffer keeps the last 1,000 lines for bots that have not read them.
 *
 * Events: a private message is `message`; in a channel, a line addressing the bot (`nick: ...`,
 * `nick, ...`, or its nick as a word) or a `!command` is `mention` (`post.extra.command` and
 * `args`), any other line `post`. A post id is `WHERE:NICK:SEQ` (WHERE the channel, or the nick of
 * a private conversation; neither may hold a colon): a reply goes back there, addressed to NICK in
 * a channel. A post without replyTo goes to the account's first channel.
 *
 * Pacing: each line sent is one call through the proxy, whose default budget for an account is a
 * burst of 4 lines, then one every 2 s (`platformBudgets["irc:ACCOUNT"]` changes it), under the
 * flood limits of common servers. A text longer than a line is split at words into lines of at
 * most 350 bytes (each paced), and at its newlines.
 *
 * At most once: IRC cannot list what was sent (../unsearchable.ts): a send that failed here before
 * any line went out is sent again; one pending across a restart is taken as sent, not resent. A
 * post cut by a drop after its first line is taken as sent too: its rest is lost, nothing repeated.
 */
import type {
  Capabilities,
  Connector,
  Identity,
  PlatformEvent,
  PlatformPost,
  PollResult,
  PostDraft,
  SendIntent,
} from '../connector.js';
import { PlatformRefusal } from '../errors.js';
import type { AccountSpec, ConnectorDeps, PlatformDefinition } from '../platform.js';
import { sendFailedHere, unsearchableFindSent } from '../unsearchable.js';
import { IrcSession, type Heard, type IrcTarget } from './ircSession.js';

/** The default line budget of an account: a burst of 4, then a line every 2 s. */
export const LINE_BUDGET = { count: 4, intervalMs: 8000 };
/** Bytes of text per PRIVMSG: the server adds the prefix and command within its 512. */
export const LINE_BYTES = 350;
const CONNECT_TIMEOUT_MS = 15_000;
const SYNC_TIMEOUT_MS = 10_000;

/** Splits text into lines IRC can carry: at newlines, then between words (or within a longer one) to LINE_BYTES. */
export function ircLines(text: string): string[] {
  const out: string[] = [];
  for (const para of text.split(/\r?\n|\r/)) {
    let line = '';
    for (const word of para.split(/(?<= )/)) {
      if (bytes(line + word) <= LINE_BYTES) {
        line += word;
        continue;
      }
      if (line.trim()) out.push(line.trimEnd());
      line = '';
      for (const ch of word) {
        if (bytes(line + ch) > LINE_BYTES) {
          out.push(line);
          line = '';
        }
        line += ch;
      }
    }
    if (line.trim()) out.push(line.trimEnd());
  }
  return out;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** The nick as a word of a line: not inside a longer nick (nicks also hold [ ] \\ ` ^ { | } and -). */
function mentionOf(nick: string): RegExp {
  const other = '[\\w\\[\\]\\\\`^{|}-]';
  const escaped = nick.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  return new RegExp(`(?<!${other})${escaped}(?!${other})`, 'i');
}

/** `irc://host:6667` or `ircs://host:6697`. */
function parseInstance(instance: string): Pick<IrcTarget, 'host' | 'port' | 'tls'> {
  const url = new URL(instance);
  const tls = url.protocol === 'ircs:';
  return { host: url.hostname, port: url.port ? Number(url.port) : tls ? 6697 : 6667, tls };
}

export class IrcConnector implements Connector {
  readonly platform = 'irc';
  readonly capabilities: Capabilities = {
    events: ['mention', 'message', 'post'],
    post: true,
    reply: true,
    ask: false,
    like: false,
    boost: false,
    maxText: 1000,
    maxImages: 0,
    maxImageBytes: 0,
    fields: ['mentions'],
    visibilities: [],
  };
  private readonly session: IrcSession;

  constructor(
    readonly account: string,
    private readonly target: IrcTarget,
    private readonly deps: ConnectorDeps,
  ) {
    this.session = new IrcSession(account, target, deps.now, deps.wake);
  }

  async whoami(): Promise<Identity> {
    await this.session.whenUp(CONNECT_TIMEOUT_MS);
    const { host, port, tls, channels } = this.target;
    return {
      id: this.session.nick,
      handle: this.session.nick,
      url: `${tls ? 'ircs' : 'irc'}://${host}:${port}`,
      can: [
        channels.length ? `talk in ${channels.join(', ')}` : 'no channels (private messages only)',
        'private messages',
        'lines paced by the proxy (default: 4, then one every 2 s)',
      ],
    };
  }

  private event(h: Heard): PlatformEvent {
    const nick = this.session.nick;
    const direct = h.target.toLowerCase() === nick.toLowerCase();
    const where = direct ? h.nick : h.target;
    const command = /^!(\w+)(?:\s+([\s\S]*))?$/.exec(h.text);
    const addressed = mentionOf(nick).test(h.text);
    const post: PlatformPost = {
      id: `${where}:${h.nick}:${h.seq}`,
      author: h.nick,
      text: h.text,
      replyTo: null,
      createdAt: h.at,
      account: this.account,
      extra: { channel: direct ? null : h.target, ...(command ? { command: command[1], args: command[2] ?? '' } : {}) },
    };
    return {
      type: direct ? 'message' : command || addressed ? 'mention' : 'post',
      platform: this.platform,
      account: this.account,
      post,
      actor: h.nick,
      cursor: `irc:${h.seq}`,
    };
  }

  /**
   * The cursor is `irc:SEQ`. Null, or another platform's cursor (the account moved from the
   * sandbox): from now on. A cursor from before this connection (a restart of the hub): all it has
   * heard, since none of it can be older than the cursor.
   */
  async poll(cursor: string | null, limit: number): Promise<PollResult> {
    const s = this.session;
    // The first poll waits for the connection; later ones, while it is down, read what is buffered.
    if (s.connections === 0) await s.whenUp(CONNECT_TIMEOUT_MS);
    s.throwIfRefused();
    await s.sync(SYNC_TIMEOUT_MS);
    const last = /^irc:(\d+)$/.exec(cursor ?? '')?.[1];
    if (last === undefined) return { events: [], cursor: `irc:${s.newest()}` };
    const events = s.after(Number(last), Math.max(limit, 1)).map((h) => this.event(h));
    return { events, cursor: events.length ? events.at(-1)!.cursor : cursor };
  }

  private where(d: PostDraft): { to: string; address: string | null } {
    if (d.replyTo != null) {
      const m = /^([^:\s]+):([^:\s]+):\d+$/.exec(d.replyTo);
      if (!m) throw new PlatformRefusal('replyTo', `an IRC post id is WHERE:NICK:SEQ, got '${d.replyTo}'`);
      const channel = /^[#&+!]/.test(m[1]!);
      return { to: m[1]!, address: channel && m[2] !== this.session.nick ? m[2]! : null };
    }
    const first = this.target.channels[0];
    if (!first)
      throw new PlatformRefusal(
        'replyTo',
        'an IRC bot without channels can only reply (to a private message); give the account "channels" to post',
      );
    return { to: first, address: null };
  }

  async send(d: PostDraft, intent: SendIntent): Promise<PlatformPost> {
    const { to, address } = this.where(d);
    const mentions = [address, ...(d.mentions ?? []).map((m) => m.replace(/^@/, ''))]
      .filter((m): m is string => !!m && !d.text.includes(m))
      .filter((m, i, all) => all.indexOf(m) === i);
    const text = mentions.length ? `${mentions.join(', ')}: ${d.text}` : d.text;
    const lines = ircLines(text);
    if (lines.length === 0) throw new PlatformRefusal('text', 'an IRC message needs some text');
    let sent = 0;
    try {
      // Only the first connection is waited for: after a drop a send fails at once (the ledger keeps it) rather than hold the bot.
      await this.session.whenUp(this.session.connections === 0 ? CONNECT_TIMEOUT_MS : 0);
      for (const line of lines) {
        await this.deps.channel.call('PRIVMSG', () => Promise.resolve(this.session.say(to, line)));
        sent++;
      }
    } catch (e) {
      if (sent === 0) sendFailedHere(this.platform, this.account, intent.key);
      throw e;
    }
    // Answered once the server has handled the lines (they are relayed by then).
    await this.session.sync(SYNC_TIMEOUT_MS);
    const nick = this.session.nick;
    return {
      id: `${to}:${nick}:${this.session.nextSeq()}`,
      author: nick,
      text,
      replyTo: d.replyTo ?? null,
      createdAt: this.deps.now(),
      account: this.account,
      extra: { channel: /^[#&+!]/.test(to) ? to : null, lines: lines.length },
    };
  }

  findSent(intent: SendIntent): Promise<PlatformPost | null> {
    return Promise.resolve(unsearchableFindSent(this.platform, this.account, intent));
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

function connect(a: AccountSpec, deps: ConnectorDeps): IrcConnector {
  const c = a.credentials;
  return new IrcConnector(
    a.name,
    {
      ...parseInstance(a.instance!),
      nick: c.nick!,
      channels: (c.channels ?? '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((ch) => (/^[#&+!]/.test(ch) ? ch : `#${ch}`)),
      ...(c.password ? { password: c.password } : {}),
      ...(c.saslAccount ? { sasl: { account: c.saslAccount, password: c.saslPassword ?? '' } } : {}),
    },
    deps,
  );
}

export const ircPlatform: PlatformDefinition = {
  name: 'irc',
  summary:
    'an IRC bot: --instance irc://server:6667 or ircs://server:6697, credentials { nick, channels?, password?, saslAccount?, saslPassword? }',
  instance: 'required',
  instanceSchemes: ['irc:', 'ircs:'],
  credentials: ['nick'],
  optionalCredentials: ['channels', 'password', 'saslAccount', 'saslPassword'],
  budgets: { account: LINE_BUDGET },
  connect,
};

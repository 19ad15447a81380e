/** The part of irc-framework (4.x, plain CommonJS without types) the IRC session uses. */
declare module 'irc-framework' {
  export interface ClientOptions {
    host: string;
    port: number;
    tls?: boolean;
    nick: string;
    username?: string;
    gecos?: string;
    password?: string;
    account?: { account?: string; password?: string };
    auto_reconnect?: boolean;
    ping_interval?: number;
    ping_timeout?: number;
    version?: string;
  }

  export class Client {
    constructor(options?: Partial<ClientOptions>);
    readonly connected: boolean;
    readonly user: { nick: string };
    connect(options: ClientOptions): void;
    raw(...args: string[]): void;
    join(channel: string): void;
    changeNick(nick: string): void;
    quit(message?: string): void;
    on(event: string, fn: (e: Record<string, any>) => void): this;
    removeAllListeners(): this;
  }

  const irc: { Client: typeof Client };
  export default irc;
}

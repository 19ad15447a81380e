import net from 'node:net';

/**
 * A TCP relay in front of a server, for outages that only the processes using it see: cut() closes
 * the listening port (new connections are refused, as by a server that is down) and resets every
 * relayed connection on both sides; restore() listens on the same port again. Tests use it to take
 * the shared PostgreSQL away from one hub without touching anyone else's connections.
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<this> {
    await this.listen(0);
    return this;
  }

  /** The URL with its host and port pointed at this relay. */
  url(of: string): string {
    const u = new URL(of);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  private listen(port: number): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => (s === client ? upstream : client).destroy());
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  /** Refuses new connections and resets the open ones; resolves once the port is closed. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const s of this.sockets) s.resetAndDestroy();
    await closed;
  }

  /** Listens again on the same port. */
  restore(): Promise<void> {
    return this.listen(this.port);
  }

  close(): Promise<void> {
    return this.cut();
  }
}

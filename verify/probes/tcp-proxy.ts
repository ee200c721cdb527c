// A TCP proxy in front of a backing service, so a check can make Postgres or Redis
// "go down" for the app without touching the real server: `blackhole()` keeps sockets
// open but passes no bytes (the hardest case: a dependency that hangs), `refuse()`
// drops every connection, `restore()` forwards again.
import net from 'node:net';
import type { Cleanup } from './cleanup.ts';

export type ProxyMode = 'forward' | 'blackhole' | 'refuse';

export class TcpProxy {
  private mode: ProxyMode = 'forward';
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private attempts = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number, cleanup: Cleanup): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.accept(client, targetHost, targetPort));
    cleanup.add(() => proxy.close());
    return proxy;
  }

  private accept(client: net.Socket, host: string, port: number): void {
    this.attempts++;
    client.on('error', () => {});
    if (this.mode === 'refuse') return void client.destroy();
    const upstream = net.connect({ host, port });
    upstream.on('error', () => client.destroy());
    const pair = { client, upstream };
    this.pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        // In black-hole mode bytes are swallowed: the app waits for an answer that never comes.
        if (this.mode === 'forward') to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  }

  /**
   * Connections clients opened so far, refused and black-holed ones included: how a
   * check sees that the app tried to reach the service (a send started, a retry came).
   */
  get connections(): number {
    return this.attempts;
  }

  /** Same host:port URL, pointing at the proxy. */
  static rewrite(url: string, port: number): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return u.href;
  }

  blackhole(): void {
    this.mode = 'blackhole';
  }

  refuse(): void {
    this.mode = 'refuse';
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  /**
   * Forward again. Connections that lived through a black hole are cut: the bytes they
   * lost would leave client and server out of step, and after a real partition such
   * connections end in timeouts or resets too, so clients reconnect.
   */
  restore(): void {
    if (this.mode === 'blackhole') {
      for (const { client, upstream } of this.pairs) {
        client.destroy();
        upstream.destroy();
      }
    }
    this.mode = 'forward';
  }

  close(): Promise<void> {
    this.refuse();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

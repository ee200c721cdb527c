import net from 'node:net';

// Ports handed to apps are picked below the OS's ephemeral ranges (Linux 32768+,
// macOS and Windows 49152+). An app takes a few hundred milliseconds to bind the port
// it was given; had the OS picked it (listen on 0), the OS could hand the same port to
// the next socket that asks in between, such as one of our own proxies.
const RANGE = { from: 20_000, to: 32_000 };
const handedOut = new Set<number>();

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Whether `port` on 127.0.0.1 is free right now (to reuse a port chosen on an earlier start). */
export function portFree(port: number): Promise<boolean> {
  return tryListen(port);
}

/** A port that was free on 127.0.0.1 a moment ago and that this process has not handed out before. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = RANGE.from + Math.floor(Math.random() * (RANGE.to - RANGE.from));
    if (handedOut.has(port)) continue;
    if (await tryListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found between ${RANGE.from} and ${RANGE.to}`);
}

/** True when something accepts TCP connections at host:port within the timeout. */
export async function tcpReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

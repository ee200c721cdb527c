// Is a localhost port free for kind to take? kind (through Docker) binds 127.0.0.1:<port>,
// so we try exactly that bind. A connect test first catches what a bind can miss: on macOS
// a bind to 127.0.0.1 succeeds next to a server listening on every address.
import net from 'node:net';
import { tcpReachable } from '../../verify/probes/ports.ts';

export type PortState =
  | { state: 'free' }
  /** Ports below 1024 need root to bind; Docker binds them for kind, so "nothing answers" is enough. */
  | { state: 'free'; note: string }
  | { state: 'in-use'; note: string };

export async function portState(port: number, host = '127.0.0.1'): Promise<PortState> {
  if (await tcpReachable(host, port, 500)) return { state: 'in-use', note: 'something answers on it' };
  const err = await tryListen(port, host);
  if (!err) return { state: 'free' };
  if (err.code === 'EACCES') return { state: 'free', note: 'nothing answers (binding it needs admin rights; Docker has them)' };
  if (err.code === 'EADDRINUSE') return { state: 'in-use', note: 'another program holds it' };
  return { state: 'in-use', note: `cannot bind it (${err.code ?? err.message})` };
}

function tryListen(port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(undefined)));
  });
}

/**
 * Host ports a container publishes, from `docker port <container>`:
 * `30432/tcp -> 127.0.0.1:5432`, `80/tcp -> 0.0.0.0:80`, `443/tcp -> [::]:443`.
 */
export function parseDockerPort(text: string): number[] {
  const ports = new Set<number>();
  for (const m of text.matchAll(/->\s*\S*:(\d+)\s*$/gm)) ports.add(Number(m[1]));
  return [...ports].sort((a, b) => a - b);
}

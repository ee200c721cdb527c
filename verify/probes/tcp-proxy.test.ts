// The proxy between an app and a backing service, against real sockets: it forwards,
// black-holes and refuses, and counts every connection a client opened (refused ones too).
import net from 'node:net';
import { expect, test } from 'vitest';
import { Cleanup } from './cleanup.ts';
import { TcpProxy } from './tcp-proxy.ts';

/** Connect, send a line, and resolve with what came back (or why nothing did). */
function exchange(port: number, ms = 500): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const done = (why: string) => {
      socket.destroy();
      resolve(got || why);
    };
    socket.setTimeout(ms, () => done('silence'));
    socket.on('data', (d) => (got += d.toString()));
    socket.on('error', () => done('error'));
    socket.on('close', () => done('closed'));
    socket.on('connect', () => socket.write('ping\n'));
  });
}

test('forward, black-hole, refuse: each connection counted', async () => {
  const cleanup = new Cleanup();
  const echo = net.createServer((s) => s.on('data', (d) => s.end(`echo ${d.toString()}`)));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  cleanup.add(() => new Promise((r) => echo.close(r)));
  const proxy = await TcpProxy.start('127.0.0.1', (echo.address() as net.AddressInfo).port, cleanup);

  expect(await exchange(proxy.port)).toBe('echo ping\n');
  proxy.blackhole();
  expect(await exchange(proxy.port)).toBe('silence');
  proxy.refuse();
  expect(await exchange(proxy.port)).toBe('closed');
  proxy.restore();
  expect(await exchange(proxy.port)).toBe('echo ping\n');
  expect(proxy.connections).toBe(4);
  await cleanup.run();
});

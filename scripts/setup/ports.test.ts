// Port checks against real sockets on ports the OS picks: never a well-known port, so the
// test cannot collide with a maintainer's own Postgres or web server.
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { freePort } from '../../verify/probes/ports.ts';
import { parseDockerPort, portState } from './ports.ts';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((sock) => sock.end());
    servers.push(srv);
    srv.once('error', reject);
    srv.listen(0, host, () => resolve((srv.address() as net.AddressInfo).port));
  });
}

describe('portState', () => {
  test('a port with a listener on 127.0.0.1 is in use', async () => {
    const port = await listen('127.0.0.1');
    const s = await portState(port);
    expect(s.state).toBe('in-use');
  });

  test('a listener on every address also blocks it (kind binds 127.0.0.1)', async () => {
    const port = await listen('0.0.0.0');
    expect((await portState(port)).state).toBe('in-use');
  });

  test('a free port is free, and the check leaves it free', async () => {
    const port = await freePort();
    expect(await portState(port)).toEqual({ state: 'free' });
    expect(await portState(port)).toEqual({ state: 'free' });
  });

  test('the port is free again once the listener stops', async () => {
    const port = await listen('127.0.0.1');
    expect((await portState(port)).state).toBe('in-use');
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    expect((await portState(port)).state).toBe('free');
  });
});

describe('parseDockerPort', () => {
  test('reads the host ports of `docker port workshop-control-plane`', () => {
    const out = [
      '30432/tcp -> 127.0.0.1:5432',
      '30379/tcp -> 127.0.0.1:6379',
      '80/tcp -> 0.0.0.0:80',
      '443/tcp -> [::]:443',
      '6443/tcp -> 127.0.0.1:41235',
      '',
    ].join('\n');
    expect(parseDockerPort(out)).toEqual([80, 443, 5432, 6379, 41235]);
  });

  test('nothing published (or an error message) gives no ports', () => {
    expect(parseDockerPort('Error response from daemon: No such container: workshop-control-plane')).toEqual([]);
  });
});

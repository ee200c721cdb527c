// The process probe against real processes: it finds the port an app listens on,
// moves a hard-coded port, reports a failed listen, and stops what it started by PID.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../../test/helpers/workspaces.ts';
import { REPO_ROOT } from '../core/paths.ts';
import { startApp } from './app.ts';
import { Cleanup } from './cleanup.ts';
import { freePort } from './ports.ts';
import { processAlive as alive } from '../core/process-alive.ts';

function toyApp(start: string, server: string): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'toy', scripts: { start } }));
  fs.writeFileSync(path.join(dir, 'server.js'), server);
  return dir;
}

const HARD_CODED = `require('node:http').createServer((q, s) => s.end('hi')).listen(3999);`;
const FROM_ENV = `require('node:http').createServer((q, s) => s.end(process.env.GREETING)).listen(Number(process.env.PORT));`;

describe('startApp', () => {
  test('starts with exactly the env given, reports the port, and stops by PID', async () => {
    const cleanup = new Cleanup();
    const port = await freePort();
    const r = await startApp(toyApp('node server.js', FROM_ENV), { env: { PORT: String(port), GREETING: 'hello' } }, cleanup);
    expect(r.ports).toEqual([port]);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('hello');
    const pid = r.app.pid!;
    expect(alive(pid)).toBe(true);
    await r.app.stop();
    expect(alive(pid)).toBe(false);
    await cleanup.run();
  });

  test('moves a hard-coded port to the one asked for', async () => {
    const cleanup = new Cleanup();
    const port = await freePort();
    const r = await startApp(toyApp('node server.js', HARD_CODED), { env: {}, remapPorts: { 3999: port } }, cleanup);
    expect(r.ports).toEqual([port]);
    await cleanup.run();
    expect(r.app.exitInfo).toBeDefined();
  });

  test('a failed listen is reported with the port the app tried', async () => {
    const cleanup = new Cleanup();
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    const server = `require('node:http').createServer().listen(${taken}, '127.0.0.1');`;
    const r = await startApp(toyApp('node server.js', server), { env: {} }, cleanup);
    expect(r.ports).toEqual([]);
    expect(r.exit?.code).not.toBe(0);
    expect(r.app.listenErrors()).toEqual([{ port: taken, error: 'EADDRINUSE' }]);
    blocker.close();
    await cleanup.run();
  });

  test('an app started through a shell is stopped with all its children', async () => {
    const cleanup = new Cleanup();
    const port = await freePort();
    const r = await startApp(toyApp('echo starting && node server.js', FROM_ENV), { env: { PORT: String(port) } }, cleanup);
    expect(r.app.command.viaShell).toBe(true);
    expect(r.ports).toEqual([port]);
    await cleanup.run();
    // Nothing answers on the port any more: the node child died with its shell.
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  test('an app that exits before listening: exit code and output are kept', async () => {
    const cleanup = new Cleanup();
    const r = await startApp(toyApp('node server.js', `console.error('Missing DATABASE_URL'); process.exit(3);`), { env: {} }, cleanup);
    expect(r.exit).toEqual({ code: 3, signal: null });
    expect(r.app.stderr).toContain('Missing DATABASE_URL');
    await cleanup.run();
  });

  test('an app that has exited leaves no timer behind (a pending timer kept every verify alive 5 s after its report)', () => {
    // In a fresh node process: the test runner's own timers come and go, a child's do not.
    const dir = toyApp('node server.js', `console.log('bye');`);
    const script = `
      import { startApp } from ${JSON.stringify(path.join(import.meta.dirname, 'app.ts'))};
      import { Cleanup } from ${JSON.stringify(path.join(import.meta.dirname, 'cleanup.ts'))};
      const cleanup = new Cleanup();
      const r = await startApp(${JSON.stringify(dir)}, { env: {} }, cleanup);
      await cleanup.run();
      console.log(JSON.stringify({ exit: r.exit, out: r.app.stdout, timers: process.getActiveResourcesInfo().filter((x) => x === 'Timeout') }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: REPO_ROOT });
    expect(JSON.parse(out)).toEqual({ exit: { code: 0, signal: null }, out: 'bye\n', timers: [] });
  });

  test('withoutFiles runs from a copy in which those files are missing', async () => {
    const cleanup = new Cleanup();
    const dir = toyApp('node server.js', `require('node:fs').existsSync('.env') ? process.exit(5) : process.exit(6);`);
    fs.writeFileSync(path.join(dir, '.env'), 'X=1');
    const r = await startApp(dir, { env: {}, withoutFiles: ['.env'] }, cleanup);
    expect(r.exit?.code).toBe(6);
    expect(fs.existsSync(path.join(dir, '.env'))).toBe(true);
    await cleanup.run();
  });

  test('script runs another entry point of the same workspace; one that never listens is waited for until it exits', async () => {
    const cleanup = new Cleanup();
    const dir = toyApp('node server.js', FROM_ENV);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'toy', scripts: { start: 'node server.js', job: 'node --env-file=.env job.js' } }));
    fs.writeFileSync(path.join(dir, 'job.js'), `setTimeout(() => process.exit(Number(process.env.CODE)), 200);`);
    const r = await startApp(dir, { env: { CODE: '4' }, script: 'job', startTimeoutMs: 5000 }, cleanup);
    expect(r.app.command.args).toEqual(['job.js']);
    expect(r.exit).toEqual({ code: 4, signal: null });
    expect(r.timedOut).toBe(false);
    await expect(startApp(dir, { env: {}, script: 'worker' }, cleanup)).rejects.toThrow(/no such script/);
    await cleanup.run();
  });
});

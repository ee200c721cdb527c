// `npm run services` as a learner runs it: a real process with real servers, stopped by
// every way a terminal session ends, with the same URLs on every start.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../verify/core/paths.ts';
import { tcpReachable } from '../verify/probes/ports.ts';
import { CLI_ENTRY, cliEnv } from './helpers/cli.ts';
import { tempDir } from './helpers/workspaces.ts';

function output(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return () => out;
}

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}

function urls(home: string): Record<string, string> {
  const text = fs.readFileSync(path.join(home, 'services.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

const ports = (u: Record<string, string>) => Object.values(u).map((v) => Number(new URL(v).port));
const anyUp = async (list: number[]) => (await Promise.all(list.map((p) => tcpReachable('127.0.0.1', p, 300)))).some(Boolean);

test('services: SIGTERM and SIGHUP stop every server; ports and passwords are the same on the next start', async () => {
  const home = tempDir('l2k-services-');
  const start = () => {
    const child = spawn(process.execPath, [CLI_ENTRY, 'services'], { cwd: REPO_ROOT, env: cliEnv(home) });
    return { child, out: output(child), exited: new Promise((r) => child.once('exit', r)) };
  };
  const first = start();
  await until(() => first.out().includes('Leave this running'), 'services started');
  const firstUrls = urls(home);
  first.child.kill('SIGTERM');
  await first.exited;
  expect(first.out()).toMatch(/Stopped \(SIGTERM\)/);
  expect(await anyUp(ports(firstUrls))).toBe(false);

  const second = start();
  await until(() => second.out().includes('Leave this running'), 'services started again');
  expect(urls(home)).toEqual(firstUrls);
  second.child.kill('SIGHUP');
  await second.exited;
  expect(await anyUp(ports(firstUrls))).toBe(false);
  expect(fs.existsSync(path.join(home, 'services.env'))).toBe(false);
});

test('services: when the process that started it dies (npm killed), the servers stop too', async () => {
  const home = tempDir('l2k-services-');
  // A shell stands in for npm: it starts the command and is then killed outright.
  const shell = spawn('sh', ['-c', `"${process.execPath}" bin/workshop.mjs services & wait`], {
    cwd: REPO_ROOT,
    env: cliEnv(home),
  });
  const out = output(shell);
  await until(() => out().includes('Leave this running'), 'services started');
  const list = ports(urls(home));
  expect(await anyUp(list)).toBe(true);
  shell.kill('SIGKILL');
  await until(async () => !(await anyUp(list)), 'servers stopped after their parent died');
  await until(() => !fs.existsSync(path.join(home, 'services.env')), 'services.env removed');
});

// Real backing services from locally installed binaries, on free loopback ports, in a
// temp dir: Postgres, Redis and an SMTP sink. Used by `npm run services` (learners
// without Docker) and by the test suite, so both exercise the same code.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../core/errors.ts';
import { poll } from '../core/poll.ts';
import { freePort, portFree, tcpReachable } from '../probes/ports.ts';
import type { ServiceUrls } from '../probes/services.ts';
import { findPostgresBin, findRedisServer } from './binaries.ts';
import { tryPostgresLogin } from './postgres-login.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';

export interface BackingServices {
  urls: ServiceUrls;
  smtp: SmtpSink;
  /** PIDs of the server processes, for the curious and for leak checks. */
  pids: number[];
  stop(): Promise<void>;
}

const INSTALL_HINT = 'sudo apt-get install -y postgresql redis-server   (macOS: brew install postgresql@17 redis)';

/** Postgres refuses to run as root; when we are root, run it as an unprivileged user. */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // Try the next candidate.
    }
  }
  throw new EnvironmentError('Postgres cannot run as root and there is no "postgres" or "nobody" user to run it as.', 'sudo useradd --system postgres');
}

async function waitForPort(port: number, child: ChildProcess, name: string, logFile: string, timeoutMs = 30_000): Promise<void> {
  const state = async () => (child.exitCode !== null ? 'exited' : (await tcpReachable('127.0.0.1', port, 300)) ? 'listening' : undefined);
  const { value } = await poll(`${name} to listen on 127.0.0.1:${port}`, state, { timeout: timeoutMs, interval: 100 });
  if (value === 'listening') return;
  const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-10).join('\n  ') : '';
  throw new EnvironmentError(`${name} did not start on 127.0.0.1:${port}.${tail ? `\n  ${tail}` : ''}`, INSTALL_HINT);
}

function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function startPostgres(dir: string, password: string, wantedPort?: number): Promise<{ url: string; child: ChildProcess }> {
  const bin = findPostgresBin();
  if (!bin) throw new EnvironmentError('No Postgres server binaries (initdb, postgres) were found.', INSTALL_HINT);
  const owner = unprivilegedUser();
  const data = path.join(dir, 'pg');
  const pwFile = path.join(dir, 'pgpass');
  fs.mkdirSync(data, { mode: 0o700 });
  fs.writeFileSync(pwFile, password);
  if (owner) {
    for (const p of [dir, data, pwFile]) fs.chownSync(p, owner.uid, owner.gid);
  }
  try {
    execFileSync(path.join(bin, 'initdb'), ['-D', data, '-U', 'workshop', `--pwfile=${pwFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-sync'], {
      stdio: 'pipe',
      ...owner,
    });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '')
      .trim()
      .split('\n')
      .slice(-3)
      .join(' ');
    throw new EnvironmentError(`initdb failed: ${stderr}`, INSTALL_HINT);
  }
  const port = await portOr(wantedPort);
  const logFile = path.join(dir, 'postgres.log');
  const log = fs.openSync(logFile, 'a');
  if (owner) fs.chownSync(logFile, owner.uid, owner.gid);
  // fsync off and a socket dir of our own: a throwaway server, fast and isolated.
  const child = spawn(
    path.join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    {
      stdio: ['ignore', log, log],
      // Own process group: a Ctrl-C in the terminal reaches us, and we stop the servers in order.
      detached: true,
      ...owner,
    },
  );
  fs.closeSync(log);
  await waitForPort(port, child, 'Postgres', logFile);
  // Ready for TCP does not mean ready for queries yet; the first client retries.
  return { url: `postgres://workshop:${password}@127.0.0.1:${port}/postgres`, child };
}

async function startRedis(dir: string, password: string, wantedPort?: number): Promise<{ url: string; child: ChildProcess }> {
  const bin = findRedisServer();
  if (!bin) throw new EnvironmentError('No redis-server binary was found.', INSTALL_HINT);
  const port = await portOr(wantedPort);
  const logFile = path.join(dir, 'redis.log');
  const child = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--requirepass', password, '--logfile', logFile],
    {
      stdio: 'ignore',
      detached: true,
    },
  );
  await waitForPort(port, child, 'Redis', logFile);
  return { url: `redis://:${password}@127.0.0.1:${port}`, child };
}

/** The ports and passwords of one start, kept so the next start reuses them (a learner's .env stays right). */
export interface ServicesIdentity {
  postgres: { port: number; password: string };
  redis: { port: number; password: string };
  smtp: { port: number };
}

/** The port used last time when it is still free, else a new one. */
async function portOr(wanted: number | undefined): Promise<number> {
  return wanted !== undefined && (await portFree(wanted)) ? wanted : freePort();
}

function readIdentity(file: string | undefined): Partial<ServicesIdentity> {
  if (!file) return {};
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ServicesIdentity>;
  } catch {
    return {};
  }
}

/**
 * Start the three services. With `identityFile` (what `npm run services` passes), the
 * ports and passwords of the previous start are reused whenever those ports are free, and
 * saved for the next one: the URLs a learner copied into their .env keep working.
 */
export async function startBackingServices(opts: { identityFile?: string } = {}): Promise<BackingServices> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-services-'));
  const secret = () => randomBytes(12).toString('hex');
  const saved = readIdentity(opts.identityFile);
  const pgPassword = saved.postgres?.password ?? secret();
  const redisPassword = saved.redis?.password ?? secret();
  const children: ChildProcess[] = [];
  let smtp: SmtpSink | undefined;
  const stop = async () => {
    await Promise.all(children.map((c) => stopProcess(c)));
    await smtp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [pg, redis, sink] = await Promise.all([
      startPostgres(dir, pgPassword, saved.postgres?.port),
      startRedis(dir, redisPassword, saved.redis?.port),
      startSmtpSink(saved.smtp?.port),
    ]);
    children.push(pg.child, redis.child);
    smtp = sink;
    await waitForPostgresQueries(pg.url);
    if (opts.identityFile) {
      const identity: ServicesIdentity = {
        postgres: { port: Number(new URL(pg.url).port), password: pgPassword },
        redis: { port: Number(new URL(redis.url).port), password: redisPassword },
        smtp: { port: Number(new URL(sink.url).port) },
      };
      fs.mkdirSync(path.dirname(opts.identityFile), { recursive: true });
      fs.writeFileSync(opts.identityFile, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
    }
    return {
      urls: { DATABASE_URL: pg.url, REDIS_URL: redis.url, SMTP_URL: sink.url },
      smtp: sink,
      pids: children.map((c) => c.pid!).filter(Boolean),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitForPostgresQueries(url: string): Promise<void> {
  const query = () => tryPostgresLogin(url, 1000);
  const answered = await poll('Postgres to answer SELECT 1', query, { until: (r) => r.error === undefined, timeout: 15_000, interval: 200 });
  if (!answered.ok) throw new EnvironmentError(`Postgres accepts connections but not queries: ${answered.value.error}`, INSTALL_HINT);
}

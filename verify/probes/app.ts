// The process probe: starts the learner's app with an environment we choose, on a port
// we choose, waits until it listens, captures its output, and stops it by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveAppCommand, type AppCommand } from './app-command.ts';
import type { Cleanup } from './cleanup.ts';
import { dependenciesOf } from '../core/workspace.ts';
import { isolatedCopy } from './workspace-copy.ts';

const SPY = fileURLToPath(new URL('./listen-spy.cjs', import.meta.url));
const OUTPUT_LIMIT = 256 * 1024;
/** Variables worth passing through from the verifier's own environment; everything else is chosen by the check. */
const PASS_THROUGH = ['PATH', 'HOME', 'USER', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'LC_ALL', 'TZ', 'SystemRoot', 'ComSpec', 'PATHEXT'];

export interface StartOptions {
  /** The app's whole configuration. `undefined` values are left out (that is how a check removes a variable). */
  env: Record<string, string | undefined>;
  /** Move a port the app hard-codes to a free one: `{ 3000: 41234 }`. */
  remapPorts?: Record<number, number>;
  /** Run from a temporary copy without these files (e.g. `.env`), so a local file cannot mask missing config. */
  withoutFiles?: string[];
  /**
   * Run from a private copy of the workspace, like a pod with its own filesystem (implied by
   * withoutFiles). The copy also gets a TMPDIR and a HOME of its own: in a pod, /tmp and the
   * home folder are private too, so two copies must not find each other's files there.
   */
  isolated?: boolean;
  /** How long to wait for the first listening socket. */
  startTimeoutMs?: number;
  /**
   * Run this package.json script instead of `start` (e.g. `worker`: another entry point
   * of the same workspace, started the same way). A process that never listens (a
   * one-off job) is waited for until it exits or `startTimeoutMs` runs out.
   */
  script?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartResult {
  /** The folder the app runs in (a private copy when started isolated). */
  cwd: string;
  /** The private TMPDIR and HOME of an isolated copy: with cwd, every place of its own it can write to. */
  privateDirs?: { tmp: string; home: string };
  /** Listening ports, in the order they opened; empty if the app exited or timed out first. */
  ports: number[];
  /** Set when the app exited before it listened. */
  exit?: ExitInfo;
  timedOut: boolean;
  app: RunningApp;
}

/** How long an exited app's output may take to drain (a grandchild can hold its pipes open). */
const OUTPUT_DRAIN_MS = 5000;

/**
 * Resolves when `done` does, or after `ms` at the latest. The timer is cleared as soon as
 * `done` wins: a pending timer keeps Node's event loop alive (every verify that started the
 * app used to sit idle for the full 5 s drain cap after printing its result).
 */
export function untilOrAfter(done: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([done.then(() => undefined), cap]).finally(() => clearTimeout(timer));
}

export class RunningApp {
  private out = '';
  private err = '';
  readonly exited: Promise<ExitInfo>;
  exitInfo?: ExitInfo;
  /** The process is gone (its output may still be draining; exitInfo follows). */
  private gone = false;

  constructor(
    private readonly child: ChildProcess,
    readonly command: AppCommand,
    private readonly reportFile: string,
  ) {
    const keep = (buf: string, chunk: Buffer) => (buf + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    child.stdout?.on('data', (c: Buffer) => (this.out = keep(this.out, c)));
    child.stderr?.on('data', (c: Buffer) => (this.err = keep(this.err, c)));
    // Node documents that a child's stdio streams may still be open when 'exit' fires, so
    // its last lines (the one naming a missing variable) may not have been read yet; a
    // busy CI machine showed it (01.fails-fast-on-missing-config, once). Wait for both
    // streams to end, but not forever: a grandchild (a shell's background job) may hold
    // them open. No test reproduces the race on demand, so none pretends to.
    const ended = (stream: NodeJS.ReadableStream | null) =>
      new Promise<void>((r) =>
        !stream || (stream as { readableEnded?: boolean }).readableEnded ? r() : (stream.once('end', () => r()), stream.once('close', () => r())),
      );
    const outputDone = Promise.all([ended(child.stdout), ended(child.stderr)]);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.gone = true;
        // exitInfo is set only once the output is in: callers that see it read the full tail.
        void untilOrAfter(outputDone, OUTPUT_DRAIN_MS).then(() => {
          this.exitInfo = { code, signal };
          resolve(this.exitInfo);
        });
      });
      child.once('error', () => {
        this.gone = true;
        this.exitInfo = { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /**
   * The last lines of stdout and stderr, for evidence in a message. Stack frames
   * (`    at …`) are dropped: the error line above them is what a learner acts on.
   */
  tail(lines = 8): string[] {
    return `${this.out}\n${this.err}`
      .split('\n')
      .filter((l) => l.trim() && !/^\s+at /.test(l))
      .slice(-lines);
  }

  private reports(): Array<{ port: number; error?: string }> {
    try {
      return fs
        .readFileSync(this.reportFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { port: number; error?: string });
    } catch {
      return [];
    }
  }

  /** Ports the process (or its children) reported listening on. */
  listeningPorts(): number[] {
    return this.reports()
      .filter((r) => !r.error)
      .map((r) => r.port);
  }

  /** Listens that failed: `{ port: 3000, error: 'EADDRINUSE' }`. */
  listenErrors(): Array<{ port: number; error: string }> {
    return this.reports().flatMap((r) => (r.error ? [{ port: r.port, error: r.error }] : []));
  }

  /** Send a signal to the app (its process group when it runs under a shell). */
  signal(sig: NodeJS.Signals): void {
    if (this.gone || this.child.pid === undefined) return;
    try {
      if (this.command.viaShell && process.platform !== 'win32') process.kill(-this.child.pid, sig);
      else this.child.kill(sig);
    } catch {
      // Already gone: nothing to stop.
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process has exited. */
  async stop(graceMs = 3000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

function buildEnv(opts: StartOptions, reportFile: string, privateDirs?: StartResult['privateDirs']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of PASS_THROUGH) if (process.env[key] !== undefined) env[key] = process.env[key];
  if (privateDirs) Object.assign(env, { TMPDIR: privateDirs.tmp, TEMP: privateDirs.tmp, TMP: privateDirs.tmp, HOME: privateDirs.home });
  for (const [key, value] of Object.entries(opts.env)) if (value !== undefined) env[key] = value;
  env.NODE_OPTIONS = `--require "${SPY}"`;
  env.VERIFY_LISTEN_REPORT = reportFile;
  const remap = Object.entries(opts.remapPorts ?? {}).map(([from, to]) => `${from}:${to}`);
  if (remap.length) env.VERIFY_REMAP_PORTS = remap.join(',');
  return env;
}

/**
 * Start the app and wait until it listens, exits, or runs out of time. Never throws for
 * something the app does; the caller decides what a crash or a timeout means.
 */
export async function startApp(workspace: string, opts: StartOptions, cleanup: Cleanup, signal?: AbortSignal): Promise<StartResult> {
  signal?.throwIfAborted();
  const isolated = opts.isolated || Boolean(opts.withoutFiles?.length);
  const cwd = isolated ? await isolatedCopy(workspace, opts.withoutFiles ?? [], cleanup) : workspace;
  // Packages resolve the same way in place as in a copy; a workspace with none is said once (exit 2).
  if (!isolated) dependenciesOf(workspace);
  const privateDirs = isolated ? makePrivateDirs(cleanup) : undefined;
  const command = resolveAppCommand(cwd, opts.script);
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-listen-'));
  cleanup.add(() => fs.rmSync(reportDir, { recursive: true, force: true }));
  const reportFile = path.join(reportDir, 'ports.jsonl');

  const child = spawn(command.file, command.args, {
    cwd,
    env: buildEnv(opts, reportFile, privateDirs),
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: command.viaShell,
    // Its own process group, so a shell-started app can be stopped with all its children.
    detached: command.viaShell && process.platform !== 'win32',
  });
  const app = new RunningApp(child, command, reportFile);
  cleanup.add(() => app.stop(1000));
  if (signal) stopOnAbort(app, signal);

  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    const ports = app.listeningPorts();
    if (ports.length) return { cwd, privateDirs, ports, timedOut: false, app };
    if (app.exitInfo) return { cwd, privateDirs, ports: [], exit: app.exitInfo, timedOut: false, app };
    await untilOrAfter(app.exited, 25);
  }
  return { cwd, privateDirs, ports: app.listeningPorts(), timedOut: true, app };
}

/**
 * The check (or scenario) that started `app` is over or out of time: stop the app now, not
 * at the end of the run. A short grace: nobody waits for its answers any more, and an app
 * that drains for seconds on SIGTERM (as lesson 03 teaches) would otherwise hold on.
 */
const ABORT_GRACE_MS = 250;

function stopOnAbort(app: RunningApp, signal: AbortSignal): void {
  const stop = () => void app.stop(ABORT_GRACE_MS);
  if (signal.aborted) return stop();
  signal.addEventListener('abort', stop, { once: true });
  // A scenario's signal lives for the whole run: forget an app that is gone.
  void app.exited.then(() => signal.removeEventListener('abort', stop));
}

function makePrivateDirs(cleanup: Cleanup): NonNullable<StartResult['privateDirs']> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-pod-'));
  cleanup.add(() => fs.rmSync(root, { recursive: true, force: true }));
  const dirs = { tmp: path.join(root, 'tmp'), home: path.join(root, 'home') };
  fs.mkdirSync(dirs.tmp);
  fs.mkdirSync(dirs.home);
  return dirs;
}

/** "exited with code 1", "was killed by SIGKILL". */
export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `was stopped by ${exit.signal}` : `exited with code ${exit.code}`;
}

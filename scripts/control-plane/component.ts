// One control-plane process: spawned with its output in a log file, stopped by PID
// (SIGTERM, then SIGKILL after a bounded wait). Never by name: other clusters may run on the same machine.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Component {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** undefined while running. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Throws (with the log tail) if the process has exited; used inside waits to fail fast. */
  assertRunning(): void;
  tail(lines?: number): string;
  stop(graceMs?: number): Promise<void>;
  /** Last resort from a synchronous `exit` handler: no waiting possible there. */
  killNow(): void;
}

export function tailFile(file: string, lines = 20): string {
  try {
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function startComponent(name: string, bin: string, args: string[], dir: string, env?: NodeJS.ProcessEnv): Component {
  const logFile = path.join(dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { cwd: dir, stdio: ['ignore', fd, fd], env: env ?? process.env });
  } finally {
    // The child has its own copy of the descriptor now.
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not start ${bin}`);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  child.on('error', () => {
    exited ??= { code: -1, signal: null };
  });

  const tail = (lines = 20): string => tailFile(logFile, lines);
  const waitExit = (ms: number): Promise<boolean> =>
    Promise.race([exitedPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);

  return {
    name,
    pid,
    logFile,
    exit: () => exited,
    tail,
    assertRunning() {
      if (exited) {
        const how = exited.signal ? `signal ${exited.signal}` : `exit code ${exited.code}`;
        throw new ComponentExitedError(name, `${name} (pid ${pid}) exited with ${how}. Last lines of ${logFile}:\n${tail()}`);
      }
    },
    async stop(graceMs = 5_000) {
      if (exited) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return; // already gone
      }
      if (await waitExit(graceMs)) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
      await waitExit(2_000);
    },
    killNow() {
      if (exited) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

export class ComponentExitedError extends Error {
  constructor(
    readonly component: string,
    message: string,
  ) {
    super(message);
    this.name = 'ComponentExitedError';
  }
}

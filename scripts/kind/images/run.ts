// Running the host commands a stand-in build needs (npm pack, go, tar, debootstrap, docker save |
// zstd). Failures reject with the command and the tail of its output: a build step that fails is the
// machine's problem (exit 2 in the CLI), and the message must say which step.
import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Lines of output go here as they come (long builds should show life); otherwise only kept. */
  onLine?: (line: string) => void;
}

export class BuildStepError extends Error {
  override name = 'BuildStepError';
}

/** Run `cmd args…`; resolves with stdout. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    const lines = (b: Buffer) => {
      if (!opts.onLine) return;
      partial += b.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) if (l.trim()) opts.onLine(l);
    };
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      lines(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      lines(b);
    });
    child.on('error', (e) => reject(new BuildStepError(`could not start ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(out);
      const tail = (err.trim() || out.trim()).split('\n').slice(-8).join('\n');
      reject(new BuildStepError(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail}`));
    });
  });
}

/** A shell pipeline (docker save | zstd), with pipefail so a failure on the left is not lost. */
export function pipeline(script: string, opts: RunOptions = {}): Promise<string> {
  return run('bash', ['-o', 'pipefail', '-c', script], opts);
}

/** Single-quote a value for a bash script. */
export function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

// Run a command to completion, streaming its output, and fail loudly with the command line on error.
// Shared by the generator and the build so both report the same way.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Capture stdout and return it instead of passing it through. */
  capture?: boolean;
}

export function runCmd(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', opts.capture ? 'pipe' : 'inherit', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}) in ${opts.cwd ?? process.cwd()}`));
    });
  });
}

/**
 * The go command: $GO, else `go` on PATH, else the standard install location. A non-login shell (CI)
 * may not have /usr/local/go/bin on PATH even where Go is installed.
 */
export function goBinary(): string {
  if (process.env.GO) return process.env.GO;
  const onPath = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(`${d}/go`));
  if (onPath) return 'go';
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error('Go not found: install Go >= 1.26 (the control-plane binaries are built from Go modules) or set $GO');
}

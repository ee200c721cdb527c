// Run a command to completion for the kind build, with output captured to a log tail on failure
// (debootstrap and go are chatty; a failure must still say what went wrong).
import { spawn } from 'node:child_process';

export interface RunOpts {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Return stdout. Default false (stdout goes to the tail buffer only). */
  capture?: boolean;
  /** Stream output to our stderr (long builds). Default false. */
  stream?: boolean;
}

const children = new Set<ReturnType<typeof spawn>>();
/** Stop every build child we started (Ctrl-C during a build). */
export function killChildren(): void {
  for (const c of children) c.kill('SIGTERM');
}

export function run(cmd: string, args: string[], opts: RunOpts = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let tail = '';
    const keep = (b: Buffer): void => {
      tail = (tail + b.toString()).slice(-4000);
      if (opts.stream) process.stderr.write(b);
    };
    child.stdout.on('data', (b: Buffer) => {
      if (opts.capture) out += b.toString();
      else keep(b);
    });
    child.stderr.on('data', keep);
    child.on('error', (err) => {
      children.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      if (code === 0) resolve(out);
      else {
        const last = tail.trimEnd().split('\n').slice(-12).join('\n');
        reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})${opts.cwd ? ` in ${opts.cwd}` : ''}:\n${last}`));
      }
    });
  });
}

/** `sh -c` for the few steps that are pipelines (tar | zstd). Arguments are quoted by the caller via q(). */
export function sh(script: string, opts: RunOpts = {}): Promise<string> {
  return run('/bin/sh', ['-ec', script], opts);
}

export function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

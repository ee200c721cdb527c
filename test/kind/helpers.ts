// Small helpers for tests on the real kind cluster: kubectl and docker against the private daemon.
import { spawn } from 'node:child_process';
import { inject } from 'vitest';

export function kindEnv(): NodeJS.ProcessEnv {
  const k = inject('kind');
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: k.dockerHost, KUBECONFIG: k.kubeconfig };
  delete env.DOCKER_CONTEXT;
  return env;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function exec(cmd: string, args: string[], input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: kindEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Run and require exit 0; the error carries the command and its stderr. */
export async function must(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await exec(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

export function kubectl(args: string[], input?: string): Promise<string> {
  const k = inject('kind');
  return must(k.kubectlBin, ['--context', k.context, ...args], input);
}

export function docker(args: string[]): Promise<string> {
  return must('docker', args);
}

/** Poll `fn` until it returns a value (not undefined) or the budget runs out; the last error explains why. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 2000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last = 'no attempt finished';
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
      last = 'condition not met yet';
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000}s (${last})`);
}

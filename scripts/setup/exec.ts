// The one place setup shells out. zx with `nothrow` and `quiet`: a failing docker/kind/
// kubectl command is a result to explain, never an exception with a stack trace.
import { $, usePowerShell, which } from 'zx';

export interface Result {
  ok: boolean;
  /** null when the command could not be started or was killed by the timeout. */
  code: number | null;
  stdout: string;
  stderr: string;
}

// zx drives commands through bash. Native Windows without Git Bash has none; PowerShell
// quoting keeps the same commands working there.
if (process.platform === 'win32' && !$.shell) {
  try {
    usePowerShell();
  } catch {
    // No PowerShell either: every command then fails and the doctor reports the tools as missing.
  }
}

const quiet = $({ nothrow: true, quiet: true });

/** Run `cmd args…` to completion and capture its output. Bounded: `timeoutMs` kills it. */
export async function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<Result> {
  try {
    const out = await quiet({ timeout: timeoutMs })`${cmd} ${args}`;
    return { ok: out.exitCode === 0, code: out.exitCode, stdout: out.stdout, stderr: out.stderr };
  } catch (err) {
    return { ok: false, code: null, stdout: '', stderr: (err as Error).message };
  }
}

/**
 * Run with the tool's own output shown (kind's progress lines, docker pull's layers),
 * indented under ours. Still captured, so a failure can quote the last lines.
 */
export async function runShown(cmd: string, args: string[], timeoutMs: number, write: (text: string) => void): Promise<Result> {
  let stdout = '';
  let stderr = '';
  try {
    const p = quiet({ timeout: timeoutMs })`${cmd} ${args}`;
    const relay = (chunk: Buffer | string) => write(indent(String(chunk)));
    p.stdout.on('data', (c: Buffer) => {
      stdout += c;
      relay(c);
    });
    p.stderr.on('data', (c: Buffer) => {
      stderr += c;
      relay(c);
    });
    const out = await p;
    return { ok: out.exitCode === 0, code: out.exitCode, stdout, stderr };
  } catch (err) {
    return { ok: false, code: null, stdout, stderr: stderr || (err as Error).message };
  }
}

function indent(text: string): string {
  // Spinners redraw with \r; keep only what a log can show.
  return text
    .split(/\r?\n/)
    .map((l) => l.split('\r').pop() ?? '')
    .filter((l) => l.trim())
    .map((l) => `    ${l}\n`)
    .join('');
}

/** The full path of a command on PATH, or undefined. */
export async function find(cmd: string): Promise<string | undefined> {
  return (await which(cmd, { nothrow: true })) ?? undefined;
}

/** The last few non-empty lines of a command's output, for an error message. */
export function tail(r: Result, lines = 5): string {
  return `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join('\n');
}

// Runs the real CLI in a child process, the way a learner or another tool would.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import { REPO_ROOT } from '../../verify/core/paths.ts';
import { tempDir } from './workspaces.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Leave out the backing services (to test the "no services" path). */
  withoutServices?: boolean;
  env?: Record<string, string>;
}

/** Each call gets its own state file and .workshop dir unless the test shares one through `env`. */
export function cli(args: string[], opts: CliOptions = {}): CliResult {
  const home = tempDir('l2k-home-');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    WORKSHOP_HOME: home,
    WORKSHOP_STATE_FILE: path.join(home, 'state.json'),
    ...(opts.withoutServices ? {} : inject('services')),
    ...opts.env,
  };
  // The real entry point, as `npm run` uses it (compiled copy, rebuilt when sources change).
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/workshop.mjs'), ...args], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** No stack trace: no `    at fn (file:line)` frames anywhere in the output. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(]/m.test(text);
}

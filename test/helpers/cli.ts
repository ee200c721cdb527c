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

/** The real entry point, as `npm run` uses it (compiled copy, rebuilt when sources change). */
export const CLI_ENTRY = path.join(REPO_ROOT, 'bin/workshop.mjs');

/**
 * The environment a learner's shell gives the CLI, and nothing else from this process: PATH,
 * HOME, NO_COLOR=1, WORKSHOP_HOME = home with the state file in it; then `extra` (backing
 * services, KUBECONFIG, a state file elsewhere). With no home neither is set: the CLI uses the
 * repo's .workshop/ and, unless `extra` names one, the repo's state file.
 */
export function cliEnv(home: string | undefined, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    ...(home === undefined ? {} : { WORKSHOP_HOME: home, WORKSHOP_STATE_FILE: path.join(home, 'state.json') }),
    ...extra,
  };
}

/** Each call gets its own state file and .workshop dir unless the test shares one through `env`. */
export function cli(args: string[], opts: CliOptions = {}): CliResult {
  const env = cliEnv(tempDir('l2k-home-'), { ...(opts.withoutServices ? {} : inject('services')), ...opts.env });
  const r = spawnSync(process.execPath, [CLI_ENTRY, ...args], {
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

// How to start the learner's app: from `scripts.start` (or another script a lesson
// names, e.g. a worker's) when it is a plain `node …` command (so we hold the real node
// PID and signals reach it directly), otherwise through the shell in its own process
// group (so stopping it stops every child).
import fs from 'node:fs';
import path from 'node:path';
import { parseLearnerJson } from '../core/code-frame.ts';
import { EnvironmentError, LearnerFileError } from '../core/errors.ts';

export interface AppCommand {
  file: string;
  args: string[];
  /** Started through a shell: stop the whole process group. */
  viaShell: boolean;
  /** What we show to the learner: the command as written in package.json. */
  display: string;
}

interface PackageJson {
  main?: string;
  scripts?: Record<string, string>;
}

function readPackageJson(workspace: string): PackageJson {
  let text: string;
  try {
    text = fs.readFileSync(path.join(workspace, 'package.json'), 'utf8');
  } catch {
    throw new LearnerFileError(
      'There is no package.json: nothing says how to start the app.',
      'package.json',
      undefined,
      [],
      'create package.json with a "start" script (npm run solution 0 -- --diff-workspace shows what differs from the original)',
    );
  }
  // Named relative to the workspace: the app may run from a private copy, the file to fix is the learner's.
  return parseLearnerJson<PackageJson>(text, 'package.json');
}

/**
 * The command for `scripts[script]` (default `start`). Without a start script the app is
 * `node <main>`; another script that is missing is an EnvironmentError here, so a check
 * looks in package.json first and reports a missing script as the learner's to add.
 */
export function resolveAppCommand(workspace: string, script = 'start'): AppCommand {
  const pkg = readPackageJson(workspace);
  const start = pkg.scripts?.[script]?.trim();
  if (start) {
    const words = start.split(/\s+/);
    if (words[0] === 'node' && words.every((w) => !/["'`$|&;<>]/.test(w))) {
      // The verifier injects the whole environment itself: an --env-file would let a
      // local .env hide a missing variable, so it is dropped here on purpose.
      const args = words.slice(1).filter((w) => !w.startsWith('--env-file'));
      return { file: process.execPath, args, viaShell: false, display: start };
    }
    return { file: start, args: [], viaShell: true, display: start };
  }
  if (script !== 'start') {
    throw new EnvironmentError(`Cannot start "${script}": package.json has no such script.`, `add "${script}" to "scripts" in package.json`);
  }
  const main = pkg.main ?? 'index.js';
  return { file: process.execPath, args: [main], viaShell: false, display: `node ${main}` };
}

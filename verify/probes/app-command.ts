// How to start the learner's app: from `scripts.start` when it is a plain `node …`
// command (so we hold the real node PID and signals reach it directly), otherwise
// through the shell in its own process group (so stopping it stops every child).
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../core/errors.ts';

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

export function resolveAppCommand(workspace: string): AppCommand {
  const pkgPath = path.join(workspace, 'package.json');
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as PackageJson;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not valid JSON';
    throw new EnvironmentError(
      `Cannot start the app: ${pkgPath} ${why}.`,
      'npm run reset 0   (restores the legacy app, after backing up your workspace)',
    );
  }
  const start = pkg.scripts?.start?.trim();
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
  const main = pkg.main ?? 'index.js';
  return { file: process.execPath, args: [main], viaShell: false, display: `node ${main}` };
}

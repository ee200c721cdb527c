// `npm run reset N`: put the workspace back to the starting state of lesson N (the
// reference solution of lesson N-1; lesson 0 starts from the legacy app), after a backup.
import path from 'node:path';
import { EXIT, type ExitCode, UsageError } from '../core/errors.ts';
import { findLesson, listLessons, startStateDir } from '../core/lessons.ts';
import { DEFAULT_WORKSPACE, displayPath } from '../core/paths.ts';
import { forgetFrom } from '../core/progress.ts';
import { updateState } from '../core/state.ts';
import { backupWorkspace, replaceWorkspace, workspaceToReplace } from '../core/workspace.ts';
import { lessonArg, parse } from './args.ts';

const USAGE = 'reset N [--workspace DIR]';

export async function run(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(args, { workspace: { type: 'string' } }, USAGE);
  const query = lessonArg(positionals, USAGE);
  if (query === undefined) throw new UsageError(`Which lesson's starting state? Usage: npm run ${USAGE}`);
  const lessons = listLessons();
  const lesson = findLesson(lessons, query);
  const workspace = workspaceToReplace(values.workspace, DEFAULT_WORKSPACE);
  const backup = backupWorkspace(workspace, `before-reset-${lesson.number}`);
  replaceWorkspace(workspace, startStateDir(lessons, lesson));
  // Results from this lesson on described the code just replaced: forget them.
  if (workspace === path.resolve(DEFAULT_WORKSPACE)) {
    updateState((s) => {
      s.current = lesson.slug;
      forgetFrom(s, lessons, lesson);
    });
  }
  if (backup) process.stdout.write(`Backed up your work to ${displayPath(backup)}\n`);
  process.stdout.write(
    `${displayPath(workspace)} is back at the start of lesson ${lesson.number} (your .env files were kept).\nNext: npm run lesson ${lesson.index}\n`,
  );
  return EXIT.ok;
}

// `npm run hint`: progressive hints for the first failing check of the current lesson.
// Each call climbs one rung of that check's ladder (symptom → concept → snippet).
import pc from 'picocolors';
import { selectLayers } from '../core/check.ts';
import { EXIT, type ExitCode } from '../core/errors.ts';
import { findLesson, listLessons, loadChecks } from '../core/lessons.ts';
import { DEFAULT_WORKSPACE } from '../core/paths.ts';
import { currentLesson } from '../core/progress.ts';
import { fullId, runLesson } from '../core/runner.ts';
import { readState, updateState } from '../core/state.ts';
import { resolveWorkspace } from '../core/workspace.ts';
import { lessonArg, parse } from './args.ts';

const USAGE = 'hint [N] [--workspace DIR] [--no-cluster]';

export async function run(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(args, { workspace: { type: 'string' }, 'no-cluster': { type: 'boolean' }, context: { type: 'string' } }, USAGE);
  const lessons = listLessons();
  const query = lessonArg(positionals, USAGE);
  const lesson = query === undefined ? currentLesson(lessons, readState()) : findLesson(lessons, query);
  const workspace = resolveWorkspace(values.workspace ?? DEFAULT_WORKSPACE);
  const checks = await loadChecks(lesson);
  const c = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);

  process.stdout.write(c.dim(`Checking lesson ${lesson.number} to find where you are…\n`));
  const report = await runLesson({
    lesson,
    checks,
    workspace,
    kube: { context: values.context },
    ...selectLayers(values['no-cluster'] ?? false),
  });
  if (report.broken) throw report.broken;
  const failing =
    report.checks.find((r) => r.outcome.status === 'fail' && r.severity === 'required') ??
    report.checks.find((r) => r.outcome.status === 'fail');
  if (!failing) {
    process.stdout.write(`${c.green('✔')} Every check of lesson ${lesson.number} passes: no hint needed. Next: npm run lesson ${lesson.index + 1}\n`);
    return EXIT.ok;
  }
  const check = checks.find((ch) => fullId(lesson, ch) === failing.id)!;
  const shown = readState().hints[failing.id] ?? 0;
  const level = Math.min(shown + 1, check.hints.length);
  updateState((s) => void (s.hints[failing.id] = level));

  process.stdout.write(`\n${c.bold(failing.id)}  ${failing.title}\n${c.dim('found')}  ${failing.outcome.message}\n\n`);
  check.hints.slice(0, level).forEach((hint, i) => {
    const text = `Hint ${i + 1}/${check.hints.length}: ${hint}`;
    process.stdout.write(`${i + 1 === level ? text : c.dim(text)}\n\n`);
  });
  process.stdout.write(
    level < check.hints.length
      ? `Still stuck? Run ${c.bold('npm run hint')} again for a more specific hint.\n`
      : `That was the last hint. Read ${failing.learn}, or compare with the reference: ${c.bold(`npm run solution ${lesson.index} -- --diff`)}\n`,
  );
  return EXIT.learnerHasWork;
}

// `npm run hint`: progressive hints for the first failing check of the current lesson.
// Each call climbs one rung of that check's ladder (symptom → concept → snippet).
import pc from 'picocolors';
import { selectLayers, type Outcome } from '../core/check.ts';
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
  const ladder = hintLadder(check.hints, failing.outcome);
  const shown = readState().hints[failing.id] ?? 0;
  const level = Math.min(shown + 1, ladder.length);
  updateState((s) => void (s.hints[failing.id] = level));

  process.stdout.write(`\n${c.bold(failing.id)}  ${failing.title}\n${c.dim('found')}  ${failing.outcome.message}\n`);
  if (failing.outcome.where) process.stdout.write(`${c.dim('where')}  ${failing.outcome.where}\n`);
  process.stdout.write('\n');
  ladder.slice(0, level).forEach((hint, i) => {
    const text = `Hint ${i + 1}/${ladder.length}: ${hint}`;
    process.stdout.write(`${i + 1 === level ? text : c.dim(text)}\n\n`);
  });
  process.stdout.write(
    level < ladder.length
      ? `Still stuck? Run ${c.bold('npm run hint')} again for a more specific hint.\n`
      : `That was the last hint. Read ${failing.learn}, or compare with the reference: ${c.bold(`npm run solution ${lesson.index} -- --diff`)}\n`,
  );
  return EXIT.learnerHasWork;
}

/**
 * The check's own rungs (symptom → concept → snippet), then a last one written from this
 * very failure. The written rungs describe the usual mistake, and the learner may have
 * fixed that one already while another remains; the last rung only repeats what the
 * current run found (where, observed, expected, evidence, fix), so it cannot go stale.
 * (The `where` line is also printed above every hint.)
 */
export function hintLadder(hints: string[], outcome: Outcome): string[] {
  const fromEvidence = evidenceRung(outcome);
  return fromEvidence ? [...hints, fromEvidence] : hints;
}

/** "Right now, at src/db.js:4: <found>. Expected: <expected>. Evidence: … Do this: <fix>" */
export function evidenceRung(outcome: Outcome): string | undefined {
  if (outcome.status !== 'fail') return undefined;
  const sentence = (s: string) => s.trim().replace(/[.:;,]*$/, '.');
  const parts = [sentence(`Right now${outcome.where ? `, at ${outcome.where}` : ''}: ${outcome.message}`)];
  if (outcome.observed) parts.push(sentence(`Observed: ${outcome.observed}`));
  if (outcome.expected) parts.push(sentence(`Expected: ${outcome.expected}`));
  const evidence = (outcome.evidence ?? []).map((e) => e.trim()).filter(Boolean).slice(0, 3);
  if (evidence.length) parts.push(`Evidence: ${evidence.join(' | ')}`);
  if (outcome.fix) parts.push(`Do this: ${outcome.fix.trim()}`);
  return parts.join(' ');
}

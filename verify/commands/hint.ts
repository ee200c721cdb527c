// `npm run hint`: progressive hints for the first failing check of the current lesson.
// Each call climbs one rung of that check's ladder (symptom → concept → snippet).
import pc from 'picocolors';
import { selectLayers, type Outcome } from '../core/check.ts';
import { EXIT, type ExitCode } from '../core/errors.ts';
import { findLesson, listLessons, loadChecks, type Lesson } from '../core/lessons.ts';
import { DEFAULT_WORKSPACE } from '../core/paths.ts';
import { currentLesson } from '../core/progress.ts';
import { lastReport, saveLastReport } from '../core/last-report.ts';
// The runner (and every probe it loads) is imported only when a run is needed: a hint from
// the saved report skips that cost.
import type { LessonReport } from '../core/runner.ts';
import { readState, updateState } from '../core/state.ts';
import { resolveWorkspace } from '../core/workspace.ts';
import { sendToRoom, toRoomLesson } from '../classroom/client.ts';
import { lessonArg, parse } from './args.ts';

const USAGE = 'hint [N] [--workspace DIR] [--no-cluster]';

export async function run(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(args, { workspace: { type: 'string' }, 'no-cluster': { type: 'boolean' }, context: { type: 'string' } }, USAGE);
  const lessons = listLessons();
  const query = lessonArg(positionals, USAGE);
  const lesson = query === undefined ? currentLesson(lessons, readState()) : findLesson(lessons, query);
  const workspace = resolveWorkspace(values.workspace ?? DEFAULT_WORKSPACE);
  const c = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);

  const report = await reportForHint(lesson, workspace, values['no-cluster'] ?? false, values.context, async () => {
    process.stdout.write(c.dim(`Checking lesson ${lesson.number} to find where you are…\n`));
    const [{ runLesson }, checks] = await Promise.all([import('../core/runner.ts'), loadChecks(lesson)]);
    const hints = Object.fromEntries(checks.map((ch) => [`${lesson.number}.${ch.id}`, ch.hints]));
    return { hints, ...(await runLesson({ lesson, checks, workspace, kube: { context: values.context }, ...selectLayers(values['no-cluster'] ?? false) })) };
  });
  if (report.broken) throw report.broken;
  const failing = report.checks.find((r) => r.outcome.status === 'fail' && r.severity === 'required') ?? report.checks.find((r) => r.outcome.status === 'fail');
  if (!failing) {
    process.stdout.write(`${c.green('✔')} Every check of lesson ${lesson.number} passes: no hint needed. Next: npm run lesson ${lesson.index + 1}\n`);
    return EXIT.ok;
  }
  const ladder = hintLadder(report.hints[failing.id] ?? [], failing.outcome);
  const shown = readState().hints[failing.id] ?? 0;
  const level = Math.min(shown + 1, ladder.length);
  const state = updateState((s) => void (s.hints[failing.id] = level));
  // A learner climbing the hint ladder is what the instructor's "stuck" flag watches for.
  if (workspace === resolveWorkspace(DEFAULT_WORKSPACE)) {
    sendToRoom([toRoomLesson(lesson.number, failing.severity !== 'required', report.checks)], state.hints);
  }

  process.stdout.write(`\n${c.bold(failing.id)}  ${failing.title}\n${c.dim('found')}  ${failing.outcome.message}\n`);
  if (failing.outcome.where) process.stdout.write(`${c.dim('where')}  ${failing.outcome.where}\n`);
  process.stdout.write('\n');
  ladder.slice(0, level).forEach((hint, i) => {
    const text = `Hint ${i + 1}/${ladder.length}: ${hint}`;
    process.stdout.write(`${i + 1 === level ? text : c.dim(text)}\n\n`);
  });
  process.stdout.write(
    level < ladder.length
      ? `Still stuck? Run ${c.bold(`npm run hint${sameFlags(query, values)}`)} again for a more specific hint.\n`
      : `That was the last hint. Read ${failing.learn}, or see what this lesson changes in the reference solution: ${c.bold(`npm run solution ${lesson.index} -- --diff`)}\n`,
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
  const evidence = (outcome.evidence ?? [])
    .map((e) => e.trim())
    .filter(Boolean)
    .slice(0, 3);
  if (evidence.length) parts.push(`Evidence: ${evidence.join(' | ')}`);
  if (outcome.fix) parts.push(`Do this: ${outcome.fix.trim()}`);
  return parts.join(' ');
}

/** A report to hint from, with each check's hint ladder. */
type HintSource = Pick<LessonReport, 'checks' | 'broken'> & { hints: Record<string, string[]> };

/**
 * The report to hint from: the last verify's while the workspace is unchanged (a hint in
 * milliseconds instead of a whole run), else a fresh run, saved for the next call.
 */
async function reportForHint(
  lesson: Lesson,
  workspace: string,
  noCluster: boolean,
  context: string | undefined,
  runNow: () => Promise<HintSource>,
): Promise<HintSource> {
  const key = { lesson: lesson.slug, workspace, layers: selectLayers(noCluster).layers, context };
  const saved = lastReport(key);
  if (saved?.hints) {
    process.stdout.write(pc.dim(`(from your last verify of lesson ${lesson.number}; nothing in the workspace changed since)\n`));
    return { checks: saved.checks, hints: saved.hints };
  }
  const report = await runNow();
  if (!report.broken) saveLastReport(key, report.checks, report.hints);
  return report;
}

/** ` -- 3 --workspace DIR --no-cluster`: the same run again, so a learner without a cluster is never sent to one. */
function sameFlags(query: string | undefined, v: { workspace?: string; 'no-cluster'?: boolean; context?: string }): string {
  const words = [query, v.workspace && `--workspace ${v.workspace}`, v['no-cluster'] && '--no-cluster', v.context && `--context ${v.context}`].filter(Boolean);
  return words.length ? ` -- ${words.join(' ')}` : '';
}

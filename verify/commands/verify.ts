// `npm run verify [N]`: run a lesson's checks against the workspace and report them.
import path from 'node:path';
import pc from 'picocolors';
import { selectLayers, type Layer } from '../core/check.ts';
import { EXIT, type ExitCode } from '../core/errors.ts';
import { findLesson, listLessons, loadChecks, type Lesson } from '../core/lessons.ts';
import { DEFAULT_WORKSPACE, displayPath } from '../core/paths.ts';
import { saveLastReport } from '../core/last-report.ts';
import { currentLesson, nextLesson, recordOf } from '../core/progress.ts';
import { fullId, runLesson, type LessonReport } from '../core/runner.ts';
import { readState, updateState } from '../core/state.ts';
import { resolveWorkspace } from '../core/workspace.ts';
import { interruptCleanly } from '../probes/cleanup.ts';
import { combine, isReporterName, REPORTERS, type ReporterName } from '../reporters/registry.ts';
import { UsageError } from '../core/errors.ts';
import { lessonArg, parse } from './args.ts';

const USAGE = 'verify [N] [--all] [--watch] [--json | --reporter human|json|jsonl|room] [--workspace DIR] [--no-cluster] [--context NAME] [--disruptive]';

export interface VerifyOptions {
  /** Every lesson of the workshop (to name the next one). */
  all: Lesson[];
  /** The lessons to verify, in order. */
  lessons: Lesson[];
  workspace: string;
  json: boolean;
  /** How the run is reported (`--json` is `json`). The room also hears about legacy-app/ runs after `npm run join`. */
  reporter: ReporterName;
  color: boolean;
  layers: ReadonlySet<Layer>;
  layersReason?: string;
  context?: string;
  disruptive: boolean;
  rerun: string;
  /** `npm run hint` with the same lesson, workspace and cluster flags. */
  hint: string;
  recordProgress: boolean;
}

export async function run(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(
    args,
    {
      workspace: { type: 'string' },
      json: { type: 'boolean' },
      reporter: { type: 'string' },
      watch: { type: 'boolean' },
      all: { type: 'boolean' },
      'no-cluster': { type: 'boolean' },
      context: { type: 'string' },
      disruptive: { type: 'boolean' },
    },
    USAGE,
  );
  const all = listLessons();
  const state = readState();
  const query = lessonArg(positionals, USAGE);
  const target = query === undefined ? currentLesson(all, state) : findLesson(all, query);
  const reporter = values.reporter ?? (values.json ? 'json' : 'human');
  if (!isReporterName(reporter))
    throw new UsageError(`There is no reporter "${reporter}"; choose one of ${Object.keys(REPORTERS).join(', ')}. Usage: npm run ${USAGE}`);
  if (values.json && reporter !== 'json')
    throw new UsageError(`--json is the json reporter; it cannot be combined with --reporter ${reporter}. Usage: npm run ${USAGE}`);
  const workspace = resolveWorkspace(values.workspace ?? DEFAULT_WORKSPACE);
  const lessons = values.all ? all.slice(0, all.indexOf(target) + 1) : [target];
  const opts: VerifyOptions = {
    all,
    lessons,
    workspace,
    json: reporter === 'json',
    reporter,
    color: reporter === 'human' && process.stdout.isTTY === true && !process.env.NO_COLOR,
    ...selectLayers(values['no-cluster'] ?? false),
    context: values.context,
    disruptive: values.disruptive ?? false,
    rerun: `npm run verify${rerunArgs(query, values)}`,
    hint: `npm run hint${rerunArgs(query, values, ['workspace', 'no-cluster', 'context'])}`,
    recordProgress: workspace === path.resolve(DEFAULT_WORKSPACE),
  };
  if (!values.watch)
    interruptCleanly('✖ Interrupted: verify stopped. The apps it started and its temporary databases and folders are removed; nothing was recorded.');
  if (values.watch) {
    const { watch } = await import('./watch.ts');
    return watch(workspace, () => verifyLessons(opts));
  }
  return verifyLessons(opts);
}

type Flags = { all?: boolean; json?: boolean; workspace?: string; 'no-cluster'?: boolean; context?: string; disruptive?: boolean };

/** The flags in force, for every command we suggest: a learner with --no-cluster is never sent to one that needs a cluster. */
export function rerunArgs(query: string | undefined, v: Flags, only: Array<keyof Flags> = ['all', 'workspace', 'no-cluster', 'context', 'disruptive']): string {
  const extra = [
    query,
    only.includes('all') && v.all && '--all',
    only.includes('workspace') && v.workspace && `--workspace ${v.workspace}`,
    only.includes('no-cluster') && v['no-cluster'] && '--no-cluster',
    only.includes('context') && v.context && `--context ${v.context}`,
    only.includes('disruptive') && v.disruptive && '--disruptive',
  ].filter(Boolean);
  return extra.length ? ` -- ${extra.join(' ')}` : '';
}

export async function verifyLessons(opts: VerifyOptions): Promise<ExitCode> {
  const reports: LessonReport[] = [];
  const ctx = { workspace: opts.workspace, color: opts.color, rerun: opts.rerun, hint: opts.hint, write: (t: string) => void process.stdout.write(t) };
  // The instructor's room (after `npm run join`) hears about the learner's own workspace only.
  const reporter = combine([REPORTERS[opts.reporter].create(ctx), ...(opts.recordProgress && opts.reporter !== 'room' ? [REPORTERS.room.create()] : [])]);
  reporter.runStart(opts.lessons);
  for (const lesson of opts.lessons) {
    const checks = await loadChecks(lesson);
    const next = nextLesson(opts.all, lesson);
    const report = await runLesson({
      lesson,
      checks,
      workspace: opts.workspace,
      layers: opts.layers,
      layersReason: opts.layersReason,
      kube: { context: opts.context },
      disruptive: opts.disruptive,
      onEvent: reporter.lesson(
        lesson,
        checks.map((c) => fullId(lesson, c)),
        next && `npm run lesson ${next.index}`,
      ),
    });
    reports.push(report);
    if (!report.broken)
      saveLastReport(
        { lesson: lesson.slug, workspace: opts.workspace, layers: opts.layers, context: opts.context },
        report.checks,
        Object.fromEntries(checks.map((c) => [fullId(lesson, c), c.hints])),
      );
    // Every verdict is recorded, a failure too: progress shows the last thing verify found, never an old pass.
    if (opts.recordProgress && !report.broken) updateState((s) => void (s.lessons[lesson.slug] = recordOf(report, opts.layers)));
    if (report.broken) break;
  }
  const code = reports.some((r) => r.broken) ? EXIT.broken : reports.every((r) => r.ok) ? EXIT.ok : EXIT.learnerHasWork;
  reporter.runDone(reports, code);
  if (opts.reporter === 'human' && !opts.recordProgress) {
    process.stdout.write(pc.dim(`(workspace ${displayPath(opts.workspace)}; progress is only recorded for legacy-app/)\n`));
  }
  return code;
}

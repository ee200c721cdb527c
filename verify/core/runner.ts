// Runs one lesson's checks: dependencies first (a failed dependency skips its
// dependents instead of cascading failures), independent checks in parallel, each
// within its time budget and with a context of its own (its probes stop when its budget
// runs out). Scenarios the checks share run once, under their own signal (scenario.ts).
// Emits events; reporters turn them into text or JSON.
import path from 'node:path';
import type { CheckContext, CheckDefinition, Layer, Outcome, Severity } from './check.ts';
import { capabilitySkip, missingCapabilities, type ClusterBackend } from './cluster-backend.ts';
import { checkContext } from './context.ts';
import { EnvironmentError, LearnerFileError } from './errors.ts';
import { outcomeForWorkspace, workspaceText } from './message-paths.ts';
import { LESSONS_DIR, REPO_ROOT } from './paths.ts';
import type { Lesson } from './lessons.ts';
import { ScenarioRun } from './scenario.ts';
import { Cleanup, createProbes, type ProbeOptions } from '../probes/index.ts';

export interface CheckReport {
  /** `01.honours-port` */
  id: string;
  title: string;
  severity: Severity;
  layer: Layer;
  outcome: Outcome;
  /** The first rung of the hint ladder. */
  hint: string;
  /** `lessons/01-extract-config/README.md#4-honour-port` */
  learn: string;
  durationMs: number;
  /**
   * Why it did not run: a dependency failed, its layer was left out (or a dependency
   * skipped for a reason of its own), the cluster's backend cannot serve what it
   * `requires`, or the environment broke.
   */
  skippedBecause?: SkipReason;
}

export type SkipReason = 'dependency' | 'layer' | 'capability' | 'environment';

export interface LessonReport {
  lesson: Lesson;
  ok: boolean;
  checks: CheckReport[];
  /** Set when the tool or the environment, not the learner's work, stopped the run (exit 2). */
  broken?: EnvironmentError;
}

export type RunEvent =
  | { kind: 'lesson-start'; lesson: Lesson; total: number }
  /** A check begins to run (after its dependencies, within the concurrency limit). */
  | { kind: 'check-start'; lesson: Lesson; id: string; title: string }
  | { kind: 'check-done'; report: CheckReport }
  | { kind: 'lesson-done'; report: LessonReport };

export interface RunOptions extends ProbeOptions {
  lesson: Lesson;
  checks: CheckDefinition[];
  /** Layers to run; checks of other layers are skipped with the reason. Default: all. */
  layers?: ReadonlySet<Layer>;
  /** Why layers were left out, for the skip message (e.g. "--no-cluster"). */
  layersReason?: string;
  concurrency?: number;
  /** Allow checks that delete or scale things (`--disruptive`). */
  disruptive?: boolean;
  /**
   * The cluster's backend, for checks that declare `requires`. Default: detected from the
   * nodes of the run's kube context, once, when the first such check is reached.
   */
  backend?: ClusterBackend;
  onEvent?: (event: RunEvent) => void;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export function fullId(lesson: Lesson, check: CheckDefinition): string {
  return `${lesson.number}.${check.id}`;
}

export async function runLesson(opts: RunOptions): Promise<LessonReport> {
  const { lesson, checks } = opts;
  const emit = opts.onEvent ?? (() => {});
  emit({ kind: 'lesson-start', lesson, total: checks.length });

  const cleanup = new Cleanup();
  const probes = createProbes(opts, cleanup);
  const limit = semaphore(opts.concurrency ?? 4);
  const byId = new Map(checks.map((c) => [c.id, c]));
  const running = new Map<string, Promise<CheckReport>>();
  let broken: EnvironmentError | undefined;
  /** `package.json:4` → the check that reported it first. */
  const fileProblems = new Map<string, string>();
  let backend: Promise<ClusterBackend> | undefined;
  const clusterBackend = () => (backend ??= opts.backend ? Promise.resolve(opts.backend) : probes.kube.backend());
  const scenarios: ScenarioRun = new ScenarioRun(checks, (signal, obtain) => checkContext(probes, opts.workspace, signal, obtain));

  const report = (check: CheckDefinition, outcome: Outcome, durationMs: number, skippedBecause?: CheckReport['skippedBecause']): CheckReport => {
    const r: CheckReport = {
      id: fullId(lesson, check),
      title: check.title,
      severity: check.severity,
      layer: check.layer,
      outcome,
      hint: check.hints[0] ?? '',
      // Relative to the repo, from wherever the course lives (lessons/, or a test course).
      learn: `${path.relative(REPO_ROOT, LESSONS_DIR).split(path.sep).join('/')}/${lesson.number}-${lesson.slug}/README.md${check.learn}`,
      durationMs,
      skippedBecause,
    };
    scenarios.checkFinished(check.id);
    emit({ kind: 'check-done', report: r });
    return r;
  };

  const execute = async (check: CheckDefinition): Promise<CheckReport> => {
    const deps = await Promise.all((check.dependsOn ?? []).map((d) => schedule(byId.get(d)!)));
    const blocker = deps.find((d) => d.outcome.status !== 'pass');
    if (blocker) {
      // Only a failure upstream blocks the lesson. A dependency that skipped for a reason
      // of its own (its layer left out, a capability the cluster lacks, not --disruptive)
      // passes that reason on: nothing is wrong with the learner's work.
      const failedUpstream = blocker.outcome.status === 'fail' || blocker.skippedBecause === 'dependency';
      const inherited = blocker.skippedBecause === 'environment' || blocker.skippedBecause === 'capability' ? blocker.skippedBecause : 'layer';
      const because = failedUpstream ? 'dependency' : inherited;
      const message = failedUpstream
        ? `needs ${blocker.id} to pass first`
        : `needs ${blocker.id}, which was skipped: ${blocker.outcome.message.replace(/^needs \S+, which was skipped: /, '')}`;
      return report(check, { status: 'skip', message }, 0, because);
    }
    if (opts.layers && !opts.layers.has(check.layer)) {
      return report(check, { status: 'skip', message: `${check.layer} checks are not run${opts.layersReason ? ` (${opts.layersReason})` : ''}` }, 0, 'layer');
    }
    if (broken) return report(check, { status: 'skip', message: 'not run: the environment is broken (see above)' }, 0, 'environment');
    if (check.requires?.length && opts.layers && !opts.layers.has('cluster')) {
      // What it requires is the cluster's to serve: without the cluster it cannot run either.
      return report(
        check,
        { status: 'skip', message: `needs the cluster, whose checks are not run${opts.layersReason ? ` (${opts.layersReason})` : ''}` },
        0,
        'layer',
      );
    }
    if (check.requires?.length) {
      // Detection talks to the API server: an unreachable cluster breaks the run (exit 2),
      // exactly as it would inside the check.
      const found = await clusterBackend().then(
        (b) => ({ b }),
        (err: unknown) => ({ err }),
      );
      if ('err' in found) {
        broken ??= found.err instanceof EnvironmentError ? found.err : internalError(fullId(lesson, check), found.err);
        return report(check, { status: 'skip', message: `not run: ${(found.err as Error).message}` }, 0, 'environment');
      }
      const missing = missingCapabilities(found.b, check.requires);
      if (missing.length) return report(check, { status: 'skip', ...capabilitySkip(found.b, missing) }, 0, 'capability');
    }
    if (check.disruptive && !opts.disruptive) {
      return report(check, { status: 'skip', message: 'disruptive (deletes or scales something, then restores it): run with --disruptive' }, 0, 'layer');
    }
    return limit(async () => {
      emit({ kind: 'check-start', lesson, id: fullId(lesson, check), title: check.title });
      const started = performance.now();
      try {
        const context = (signal: AbortSignal): CheckContext => checkContext(probes, opts.workspace, signal, (s) => scenarios.obtain(s, check.id));
        const outcome = await withTimeout(check, (signal) => check.run(context(signal)));
        return report(check, outcomeForWorkspace(outcome, opts.workspace), performance.now() - started);
      } catch (err) {
        if (err instanceof LearnerFileError) {
          // The learner's file cannot be read: their mistake (exit 1), told once. The first
          // check that meets it fails with the code frame; the others point at that one.
          const first = fileProblems.get(err.where);
          if (first)
            return report(check, { status: 'skip', message: `needs ${err.where} fixed first (see ${first})` }, performance.now() - started, 'dependency');
          fileProblems.set(err.where, fullId(lesson, check));
          return report(check, { status: 'fail', message: err.message, where: err.where, evidence: err.frame, fix: err.fix }, performance.now() - started);
        }
        if ((err as Error)?.name === 'TimeoutError') {
          // A request the check made (to the learner's app, mostly) ran out of time: what the
          // learner sees as a hung page. Their app's to answer, not a bug in the workshop.
          return report(
            check,
            {
              status: 'fail',
              message: `no answer in time: ${(err as Error).message}`,
              why: 'A request the check sent to your app (or to a service it uses) did not finish within its time limit; users and probes would see the same hang.',
              fix: 'Start the app yourself and make the same request; if it answers quickly, the machine was busy: run the check again.',
            },
            performance.now() - started,
          );
        }
        const env =
          err instanceof EnvironmentError
            ? new EnvironmentError(workspaceText(err.message, opts.workspace), err.next)
            : internalError(fullId(lesson, check), err);
        broken ??= env;
        return report(
          check,
          { status: 'skip', message: `not run: ${err instanceof EnvironmentError ? env.message : (err as Error).message}` },
          performance.now() - started,
          'environment',
        );
      }
    });
  };

  const schedule = (check: CheckDefinition): Promise<CheckReport> => {
    let p = running.get(check.id);
    if (!p) {
      p = execute(check);
      running.set(check.id, p);
    }
    return p;
  };

  let reports: CheckReport[];
  try {
    reports = await Promise.all(checks.map(schedule));
  } finally {
    scenarios.releaseAll();
    await cleanup.run();
  }
  const blocking = reports.filter((r) => r.severity === 'required' && (r.outcome.status === 'fail' || r.skippedBecause === 'dependency'));
  const result: LessonReport = { lesson, ok: !broken && blocking.length === 0, checks: reports, broken };
  emit({ kind: 'lesson-done', report: result });
  return result;
}

/**
 * Run the check against its budget. Its signal fires when the budget runs out, and also
 * once it has its verdict: whatever it started and left running (a request, a poll, an
 * app) is no longer anyone's, so it stops now rather than at the end of the run.
 */
async function withTimeout(check: CheckDefinition, run: (signal: AbortSignal) => Promise<Outcome>): Promise<Outcome> {
  const ms = check.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(Object.assign(new Error(`check ${check.id} ran out of its ${ms} ms budget`), { name: 'AbortError' }));
      resolve({
        status: 'fail',
        message: `did not finish within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}`,
        why: 'The check waits a bounded time for your app; it usually means the app hung (a request that never answers, a start-up that never listens).',
        fix: 'Start the app yourself (`cd legacy-app && npm start`) and watch its output, then run `npm run verify` again.',
      });
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
    if (!controller.signal.aborted) controller.abort(Object.assign(new Error(`check ${check.id} has its verdict`), { name: 'AbortError' }));
  }
}

function internalError(id: string, err: unknown): EnvironmentError {
  if (process.env.DEBUG) console.error(err);
  return new EnvironmentError(
    `Internal error in check ${id}: ${(err as Error)?.message ?? String(err)}. This is a bug in the workshop, not in your code.`,
    'DEBUG=1 npm run verify   (prints the stack trace; please paste it to your instructor)',
  );
}

function semaphore(max: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

// The JSON contract other tools rely on (docs/architecture.md, Contracts): keep these field names stable.
import type { CheckReport, LessonReport, SkipReason } from './runner.ts';

export interface JsonCheck {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'skip';
  severity: string;
  layer: string;
  message: string;
  hint: string;
  // Extra detail; consumers may ignore it.
  where?: string;
  observed?: string;
  expected?: string;
  why?: string;
  fix?: string;
  learn: string;
  evidence?: string[];
  durationMs: number;
  /** Why a skipped check did not run: dependency, layer, capability (the cluster cannot serve what it requires) or environment. */
  reason?: SkipReason;
}

export interface JsonLessonReport {
  lesson: string;
  ok: boolean;
  checks: JsonCheck[];
  /** Present when the environment, not the learner's work, stopped the run (exit 2). */
  error?: { message: string; next?: string };
}

export function toJson(report: LessonReport): JsonLessonReport {
  return {
    lesson: report.lesson.number,
    ok: report.ok,
    checks: report.checks.map(checkToJson),
    ...(report.broken ? { error: { message: report.broken.message, next: report.broken.next } } : {}),
  };
}

/** One check as the contract shows it (also streamed on its own by the jsonl reporter). */
export function checkToJson(r: CheckReport): JsonCheck {
  return {
    id: r.id,
    title: r.title,
    status: r.outcome.status,
    severity: r.severity,
    layer: r.layer,
    message: r.outcome.message,
    hint: r.hint,
    where: r.outcome.where,
    observed: r.outcome.observed,
    expected: r.outcome.expected,
    why: r.outcome.why,
    fix: r.outcome.fix,
    learn: r.learn,
    evidence: r.outcome.evidence,
    durationMs: Math.round(r.durationMs),
    ...(r.outcome.status === 'skip' && r.skippedBecause ? { reason: r.skippedBecause } : {}),
  };
}

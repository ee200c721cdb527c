import { inject } from 'vitest';
import type { Layer } from '../../verify/core/check.ts';
import { loadChecks, type Lesson } from '../../verify/core/lessons.ts';
import { runLesson, type LessonReport } from '../../verify/core/runner.ts';

/** The cluster layer runs in `npm run test:cluster`, against a real API server. */
export const OFFLINE_LAYERS: ReadonlySet<Layer> = new Set(['env', 'code', 'manifest', 'behaviour']);

export async function verifyIn(lesson: Lesson, workspace: string, layers: ReadonlySet<Layer> = OFFLINE_LAYERS): Promise<LessonReport> {
  return runLesson({
    lesson,
    checks: await loadChecks(lesson),
    workspace,
    layers,
    layersReason: 'cluster checks run in npm run test:cluster',
    serviceEnv: inject('services'),
  });
}

/** `01.id: fail — message` lines, so an assertion failure shows what happened. */
export function summary(report: LessonReport): string[] {
  return report.checks.map(
    (c) =>
      `${c.id}: ${c.outcome.status}${c.skippedBecause ? ` (${c.skippedBecause})` : ''} — ${c.outcome.message}` +
      (c.outcome.status === 'fail' && c.outcome.evidence?.length ? `\n    ${c.outcome.evidence.slice(-6).join('\n    ')}` : ''),
  );
}

// What progress means: a lesson is done when its last verify passed with every layer it
// has checks in (a pass with --no-cluster is not done for a lesson that checks the cluster).
import type { Layer } from './check.ts';
import type { Lesson } from './lessons.ts';
import type { LessonRecord, WorkshopState } from './state.ts';

export function isDone(record: LessonRecord | undefined): boolean {
  return record?.verdict === 'pass' && record.notRun.length === 0;
}

/** The lesson marked current, else the first one not done yet, else the last one. */
export function currentLesson(lessons: Lesson[], state: WorkshopState): Lesson {
  return lessons.find((l) => l.slug === state.current) ?? lessons.find((l) => !isDone(state.lessons[l.slug])) ?? lessons.at(-1)!;
}

export function nextLesson(lessons: Lesson[], lesson: Lesson): Lesson | undefined {
  return lessons[lessons.findIndex((l) => l.slug === lesson.slug) + 1];
}

/** Forget what was verified or caught up from `lesson` on: after a reset those results describe code that is gone. */
export function forgetFrom(state: WorkshopState, lessons: Lesson[], lesson: Lesson): void {
  for (const l of lessons.filter((x) => x.index >= lesson.index)) {
    delete state.lessons[l.slug];
    delete state.applied[l.slug];
  }
}

export type Mark = 'done' | 'partial' | 'failed' | 'current' | 'todo';

/** One lesson's standing, for the menu, `status` and `status -- --json`. */
export interface LessonStanding {
  lesson: string;
  slug: string;
  title: string;
  mark: Mark;
  current: boolean;
  done: boolean;
  /** The last verify: verdict, time, layers that ran and did not. */
  last?: LessonRecord;
  /** When the code came from `solution --apply` rather than the learner's own work. */
  appliedFromSolution?: string;
}

export function standings(lessons: Lesson[], state: WorkshopState): LessonStanding[] {
  const current = currentLesson(lessons, state);
  return lessons.map((l) => {
    const last = state.lessons[l.slug];
    const done = isDone(last);
    const mark: Mark = done ? 'done' : last?.verdict === 'pass' ? 'partial' : last?.verdict === 'fail' ? 'failed' : l === current ? 'current' : 'todo';
    return { lesson: l.number, slug: l.slug, title: l.title, mark, current: l === current, done, last, appliedFromSolution: state.applied[l.slug] };
  });
}

/** The record of one verify: its verdict, and which of the lesson's layers ran. */
export function recordOf(report: { ok: boolean; checks: Array<{ layer: Layer }> }, ran: ReadonlySet<Layer>, at = new Date()): LessonRecord {
  const layers = [...new Set(report.checks.map((c) => c.layer))];
  return {
    verdict: report.ok ? 'pass' : 'fail',
    at: at.toISOString(),
    layers: layers.filter((l) => ran.has(l)),
    notRun: layers.filter((l) => !ran.has(l)),
  };
}

import type { Lesson } from './lessons.ts';
import type { WorkshopState } from './state.ts';

/** The lesson marked current, else the first one not passed yet, else the last one. */
export function currentLesson(lessons: Lesson[], state: WorkshopState): Lesson {
  return (
    lessons.find((l) => l.slug === state.current) ??
    lessons.find((l) => !state.passed[l.slug]) ??
    lessons.at(-1)!
  );
}

export function nextLesson(lessons: Lesson[], lesson: Lesson): Lesson | undefined {
  return lessons[lessons.findIndex((l) => l.slug === lesson.slug) + 1];
}

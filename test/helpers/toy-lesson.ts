// A lesson that exists only in memory, and checks defined inline: for the engine's own tests
// (runner, check context), which need a lesson to run but none of the course's.
import { defineCheck, type CheckDefinition } from '../../verify/core/check.ts';
import type { Lesson } from '../../verify/core/lessons.ts';

/** Lesson 42, "Toy": no folder, no README, no solution. */
export function toyLesson(summary: string): Lesson {
  return {
    format_version: 1,
    title: 'Toy',
    summary,
    number: '42',
    index: 42,
    slug: 'toy',
    dir: '/nonexistent',
    readmePath: '/nonexistent/README.md',
    solutionDir: '/nonexistent',
  };
}

/** A required check `id` of `layer` that runs `run`; `extra` overrides anything else. */
export function toyCheck(layer: CheckDefinition['layer'], id: string, run: CheckDefinition['run'], extra: Partial<CheckDefinition> = {}): CheckDefinition {
  return defineCheck({ id, title: id, severity: 'required', layer, hints: ['h'], learn: '#x', run, ...extra });
}

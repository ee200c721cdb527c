// `npm run status`: where you are, what is done, what to run next.
import pc from 'picocolors';
import { EXIT, type ExitCode } from '../core/errors.ts';
import { listLessons, type Lesson } from '../core/lessons.ts';
import { currentLesson, nextLesson } from '../core/progress.ts';
import { readState, type WorkshopState } from '../core/state.ts';
import { parse } from './args.ts';

export function progressLines(lessons: Lesson[], state: WorkshopState, color: boolean): string[] {
  const c = pc.createColors(color);
  const current = currentLesson(lessons, state);
  const done = lessons.filter((l) => state.passed[l.slug]).length;
  return [
    `Progress: ${done}/${lessons.length} lessons verified`,
    '',
    ...lessons.map((l) => {
      const mark = state.passed[l.slug] ? c.green('✔') : l === current ? c.cyan('▶') : c.dim('·');
      const title = l === current ? c.bold(`${l.title}  ← current`) : l.title;
      return `  ${mark} ${l.number}  ${title}`;
    }),
  ];
}

export async function run(args: string[]): Promise<ExitCode> {
  parse(args, {}, 'status');
  const lessons = listLessons();
  const state = readState();
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const current = currentLesson(lessons, state);
  const next = nextLesson(lessons, current);
  const command = !state.passed[current.slug] ? `npm run verify ${current.index}` : next ? `npm run lesson ${next.index}` : 'nothing: every lesson is verified';
  process.stdout.write(`${progressLines(lessons, state, color).join('\n')}\n\nNext: ${command}\n`);
  return EXIT.ok;
}

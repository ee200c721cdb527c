// `npm run lesson [N]`: render a lesson in the terminal and make it current. Without N:
// a menu on a terminal, a plain list when piped (scripts and CI never hang on a prompt).
import fs from 'node:fs';
import { EXIT, type ExitCode } from '../core/errors.ts';
import { findLesson, listLessons, type Lesson } from '../core/lessons.ts';
import { currentLesson } from '../core/progress.ts';
import { readState, updateState } from '../core/state.ts';
import { renderTerminal } from '../render/markdown.ts';
import { lessonArg, parse } from './args.ts';
import { progressLines } from './status.ts';

const USAGE = 'lesson [N]';

export async function run(args: string[]): Promise<ExitCode> {
  const { positionals } = parse(args, {}, USAGE);
  const query = lessonArg(positionals, USAGE);
  const lessons = listLessons();
  let lesson: Lesson;
  if (query !== undefined) lesson = findLesson(lessons, query);
  else if (process.stdin.isTTY && process.stdout.isTTY) lesson = await pickLesson(lessons);
  else {
    process.stdout.write(`${progressLines(lessons, readState(), false).join('\n')}\n\nShow one with: npm run lesson <N>\n`);
    return EXIT.ok;
  }
  show(lesson);
  return EXIT.ok;
}

export function show(lesson: Lesson): void {
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const width = Math.min(process.stdout.columns || 88, 100) - 2;
  process.stdout.write(renderTerminal(fs.readFileSync(lesson.readmePath, 'utf8'), { color, width }));
  updateState((s) => void (s.current = lesson.slug));
  process.stdout.write(`\nWhen you are done: npm run verify   ·   stuck: npm run hint\n`);
}

async function pickLesson(lessons: Lesson[]): Promise<Lesson> {
  const { select } = await import('@inquirer/prompts');
  const state = readState();
  const current = currentLesson(lessons, state);
  const slug = await select({
    message: 'Which lesson?',
    default: current.slug,
    pageSize: lessons.length,
    choices: lessons.map((l) => ({
      value: l.slug,
      name: `${state.passed[l.slug] ? '✔' : l === current ? '▶' : ' '} ${l.number} ${l.title}`,
      description: l.summary,
    })),
  }).catch(() => {
    // Ctrl-C in the menu: leave quietly, as if nothing was asked.
    process.exit(EXIT.ok);
  });
  return lessons.find((l) => l.slug === slug)!;
}

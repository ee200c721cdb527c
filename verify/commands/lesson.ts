// `npm run lesson [N]`: read a lesson in the terminal. Reading does not switch lessons:
// `npm run verify` keeps checking the lesson you are on. A lesson becomes current when you
// start it: `--start`, picking it in the menu, or reading the next one after finishing yours.
// Without N: a menu on a terminal, a plain list when piped (scripts and CI never hang on a prompt).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { EXIT, type ExitCode } from '../core/errors.ts';
import { findLesson, listLessons, type Lesson } from '../core/lessons.ts';
import { currentLesson, isDone, nextLesson, standings } from '../core/progress.ts';
import { readState, updateState, type WorkshopState } from '../core/state.ts';
import { renderTerminal } from '../render/markdown.ts';
import { lessonArg, parse } from './args.ts';
import { progressLines, standingDetail } from './status.ts';

const USAGE = 'lesson [N] [--start]';
const MARKS = { done: '✔', partial: '◐', failed: '✖', current: '▶', todo: ' ' } as const;

export async function run(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(args, { start: { type: 'boolean' } }, USAGE);
  const query = lessonArg(positionals, USAGE);
  const lessons = listLessons();
  const state = readState();
  if (query !== undefined) {
    const lesson = findLesson(lessons, query);
    const start = values.start || startsNaturally(lessons, state, lesson);
    await show(lesson, start, lessons, state);
    return EXIT.ok;
  }
  if (process.stdin.isTTY && process.stdout.isTTY) {
    // Picking a lesson in the menu is choosing to work on it.
    await show(await pickLesson(lessons, state), true, lessons, state);
    return EXIT.ok;
  }
  process.stdout.write(
    `${progressLines(lessons, state, false).join('\n')}\n\nRead one with: npm run lesson <N>   ·   work on it: npm run lesson <N> -- --start\n`,
  );
  return EXIT.ok;
}

/** Reading a lesson starts it only when nothing is started yet, or it is the next one after a finished current lesson. */
function startsNaturally(lessons: Lesson[], state: WorkshopState, lesson: Lesson): boolean {
  if (!state.current) return true;
  const current = currentLesson(lessons, state);
  return current.slug === lesson.slug || (isDone(state.lessons[current.slug]) && nextLesson(lessons, current)?.slug === lesson.slug);
}

export async function show(lesson: Lesson, start: boolean, lessons: Lesson[], state: WorkshopState): Promise<void> {
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const width = Math.min(process.stdout.columns || 80, 100) - 2;
  await page(renderTerminal(fs.readFileSync(lesson.readmePath, 'utf8'), { color, width }));
  if (start) {
    updateState((s) => void (s.current = lesson.slug));
    process.stdout.write(`\nWhen you are done: npm run verify   ·   stuck: npm run hint\n`);
  } else {
    const current = currentLesson(lessons, state);
    process.stdout.write(
      `\nYou read lesson ${lesson.number}; you are still on lesson ${current.number} (npm run verify checks that one).\n` +
        `Work on ${lesson.number} instead: npm run lesson ${lesson.index} -- --start\n`,
    );
  }
}

/**
 * Long text on a terminal goes through a pager ($PAGER, else `less`), which quits at once
 * when it fits one screen. Piped output, or no pager installed: printed as it is.
 */
async function page(text: string): Promise<void> {
  const rows = process.stdout.rows || 24;
  if (!process.stdout.isTTY || !process.stdin.isTTY || text.split('\n').length < rows) {
    process.stdout.write(text);
    return;
  }
  const [cmd, ...args] = (process.env.PAGER || 'less -FRX').split(/\s+/);
  // less: -R keeps the colours, -F quits when one screen holds it all, -X leaves it on screen.
  const env = { ...process.env, LESS: process.env.LESS ?? 'FRX' };
  const ok = await new Promise<boolean>((resolve) => {
    const pager = spawn(cmd!, args, { stdio: ['pipe', 'inherit', 'inherit'], env });
    pager.once('error', () => resolve(false));
    pager.once('exit', () => resolve(true));
    pager.stdin.on('error', () => {}); // q before the end closes the pipe: not an error.
    pager.stdin.end(text);
  });
  if (!ok) process.stdout.write(text);
}

async function pickLesson(lessons: Lesson[], state: WorkshopState): Promise<Lesson> {
  const { select } = await import('@inquirer/prompts');
  const current = currentLesson(lessons, state);
  const slug = await select({
    message: 'Which lesson do you want to work on?',
    default: current.slug,
    pageSize: lessons.length,
    choices: standings(lessons, state).map((s) => ({
      value: s.slug,
      name: `${s.current && s.mark === 'todo' ? MARKS.current : MARKS[s.mark]} ${s.lesson} ${s.title}`,
      // Shown under the list for the highlighted lesson, so each row stays one line at 80 columns.
      description: [lessons.find((l) => l.slug === s.slug)!.summary, standingDetail(s)].filter(Boolean).join('\n'),
    })),
  }).catch(() => {
    // Ctrl-C in the menu: leave quietly, as if nothing was asked.
    process.exit(EXIT.ok);
  });
  return lessons.find((l) => l.slug === slug)!;
}

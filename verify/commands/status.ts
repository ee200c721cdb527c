// `npm run status`: where you are, what is done, what to run next. `--json` for instructors'
// tools: one object with every lesson's last verdict, its time, the layers that ran, and
// whether the code came from `solution --apply`.
import pc from 'picocolors';
import { EXIT, type ExitCode } from '../core/errors.ts';
import { listLessons, type Lesson } from '../core/lessons.ts';
import { currentLesson, nextLesson, standings, type LessonStanding } from '../core/progress.ts';
import { readState, type WorkshopState } from '../core/state.ts';
import { parse } from './args.ts';

const MARKS = { done: '✔', partial: '◐', failed: '✖', current: '▶', todo: '·' } as const;

/** `2026-12-03 14:05` in the learner's time zone. */
function when(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** What the mark means, in words: "passed 2026-12-03 14:05, without the cluster checks · code from solution --apply". */
export function standingDetail(s: LessonStanding): string {
  const parts: string[] = [];
  if (s.last) {
    const without = s.last.notRun.length ? `, without the ${s.last.notRun.join(', ')} checks (not done until they run)` : '';
    parts.push(`${s.last.verdict === 'pass' ? 'passed' : 'failed'} ${when(s.last.at)}${s.last.verdict === 'pass' ? without : ''}`);
  }
  if (s.appliedFromSolution) parts.push('code from solution --apply');
  return parts.join(' · ');
}

export function progressLines(lessons: Lesson[], state: WorkshopState, color: boolean): string[] {
  const c = pc.createColors(color);
  const all = standings(lessons, state);
  const paint = { done: c.green, partial: c.yellow, failed: c.red, current: c.cyan, todo: c.dim } as const;
  return [
    `Progress: ${all.filter((s) => s.done).length}/${lessons.length} lessons done`,
    '',
    ...all.flatMap((s) => {
      const title = s.current ? c.bold(`${s.title}  ← current`) : s.title;
      const detail = standingDetail(s);
      return [`  ${paint[s.mark](MARKS[s.mark])} ${s.lesson}  ${title}`, ...(detail ? [c.dim(`        ${detail}`)] : [])];
    }),
    '',
    c.dim(`  ${MARKS.done} done  ${MARKS.partial} passed, some layers not run  ${MARKS.failed} last verify failed  ${MARKS.current} current`),
  ];
}

export async function run(args: string[]): Promise<ExitCode> {
  const { values } = parse(args, { json: { type: 'boolean' } }, 'status [--json]');
  const lessons = listLessons();
  const state = readState();
  const current = currentLesson(lessons, state);
  const all = standings(lessons, state);
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ current: current.number, done: all.filter((s) => s.done).length, total: lessons.length, lessons: all }, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const standing = all.find((s) => s.slug === current.slug)!;
  const next = nextLesson(lessons, current);
  const command = !standing.done ? `npm run verify ${current.index}` : next ? `npm run lesson ${next.index}` : 'nothing: every lesson is done';
  process.stdout.write(`${progressLines(lessons, state, color).join('\n')}\n\nNext: ${command}\n`);
  return EXIT.ok;
}

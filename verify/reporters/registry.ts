// Every way a verify run can be reported, in one table: `--reporter NAME` picks one
// (`--json` is the `json` reporter). A reporter sees the run's events as they happen and
// the finished reports at the end; it never decides the exit code.
import pc from 'picocolors';
import { sendToRoom, toRoomLesson } from '../classroom/client.ts';
import { toWire, EVENTS_VERSION, type WireEvent } from '../core/events.ts';
import { humanReporter } from '../core/report-human.ts';
import { toJson } from '../core/report-json.ts';
import type { Lesson } from '../core/lessons.ts';
import type { LessonReport, RunEvent } from '../core/runner.ts';
import { readState } from '../core/state.ts';

export interface ReporterContext {
  workspace: string;
  color: boolean;
  rerun: string;
  hint: string;
  write: (text: string) => void;
}

export interface Reporter {
  runStart(lessons: Lesson[]): void;
  /** The event sink for one lesson's run; `ids` is the definition order, `next` the command after it. */
  lesson(lesson: Lesson, ids: string[], next: string | undefined): (event: RunEvent) => void;
  runDone(reports: LessonReport[], exitCode: number): void;
}

const nothing = () => {};

function human(ctx: ReporterContext): Reporter {
  return {
    runStart: nothing,
    lesson: (_lesson, ids, next) => humanReporter(ids, { color: ctx.color, rerun: ctx.rerun, hint: ctx.hint, next, write: ctx.write }),
    runDone: nothing,
  };
}

/** The contract: one JSON object (one lesson) or `{ ok, lessons }` (--all), printed at the end. */
function json(ctx: ReporterContext): Reporter {
  return {
    runStart: nothing,
    lesson: () => nothing,
    runDone: (reports) => {
      const out = reports.length === 1 ? toJson(reports[0]!) : { ok: reports.every((r) => r.ok), lessons: reports.map(toJson) };
      ctx.write(`${JSON.stringify(out, null, 2)}\n`);
    },
  };
}

/** One event per line, as it happens: what the web viewer and other live tools read. */
function jsonl(ctx: ReporterContext): Reporter {
  const line = (e: WireEvent) => ctx.write(`${JSON.stringify(e)}\n`);
  return {
    runStart: (lessons) =>
      line({ v: EVENTS_VERSION, type: 'run-start', lessons: lessons.map((l) => l.number), workspace: ctx.workspace, at: new Date().toISOString() }),
    lesson: () => (event) => line(toWire(event)),
    runDone: (reports, exitCode) => line({ v: EVENTS_VERSION, type: 'run-done', ok: reports.length > 0 && reports.every((r) => r.ok), exitCode }),
  };
}

/** Queues ids, statuses, durations and hint levels for the joined classroom; prints nothing. */
function room(): Reporter {
  return {
    runStart: nothing,
    lesson: () => nothing,
    runDone: (reports) =>
      sendToRoom(
        reports.filter((r) => !r.broken).map((r) => toRoomLesson(r.lesson.number, r.ok, r.checks)),
        readState().hints,
      ),
  };
}

export const REPORTERS = {
  human: { summary: 'readable ✔/✖ lines with found, expected, why, fix and learn (default)', create: human },
  json: { summary: 'one JSON object at the end: the --json contract', create: json },
  jsonl: { summary: 'one JSON event per line as it happens (run-start … run-done, v: 1)', create: jsonl },
  room: { summary: 'only tell the joined classroom (npm run join) which checks pass', create: room },
} as const;

export type ReporterName = keyof typeof REPORTERS;

export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(REPORTERS, name);
}

/** Several reporters as one. */
export function combine(reporters: Reporter[]): Reporter {
  return {
    runStart: (lessons) => reporters.forEach((r) => r.runStart(lessons)),
    lesson: (lesson, ids, next) => {
      const sinks = reporters.map((r) => r.lesson(lesson, ids, next));
      return (event) => sinks.forEach((s) => s(event));
    },
    runDone: (reports, code) => reporters.forEach((r) => r.runDone(reports, code)),
  };
}

export function reporterNote(ctx: ReporterContext, text: string): void {
  ctx.write(pc.createColors(ctx.color).dim(text));
}

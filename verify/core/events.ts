// The verify run as a stream of serialisable events, for anything outside this process:
// the `jsonl` reporter, the web viewer's live Verify button, the room. Each event carries
// the protocol version `v`, so a consumer can refuse a stream it does not understand.
// A finished check is the same object as in the `--json` contract (report-json.ts).
import { checkToJson, toJson, type JsonCheck, type JsonLessonReport } from './report-json.ts';
import type { RunEvent } from './runner.ts';

export const EVENTS_VERSION = 1;

export type WireEvent =
  | { v: 1; type: 'run-start'; lessons: string[]; workspace: string; at: string }
  | { v: 1; type: 'lesson-start'; lesson: string; title: string; total: number }
  | { v: 1; type: 'check-start'; lesson: string; id: string; title: string }
  | { v: 1; type: 'check-done'; lesson: string; check: JsonCheck }
  | { v: 1; type: 'lesson-done'; report: JsonLessonReport }
  | { v: 1; type: 'run-done'; ok: boolean; exitCode: number };

/** The runner's in-process events (which hold Lesson objects) as plain JSON-able objects. */
export function toWire(event: RunEvent): WireEvent {
  switch (event.kind) {
    case 'lesson-start':
      return { v: EVENTS_VERSION, type: 'lesson-start', lesson: event.lesson.number, title: event.lesson.title, total: event.total };
    case 'check-start':
      return { v: EVENTS_VERSION, type: 'check-start', lesson: event.lesson.number, id: event.id, title: event.title };
    case 'check-done':
      // Through the contract's own mapping, so the stream and --json can never disagree.
      return { v: EVENTS_VERSION, type: 'check-done', lesson: event.report.id.slice(0, 2), check: checkToJson(event.report) };
    case 'lesson-done':
      return { v: EVENTS_VERSION, type: 'lesson-done', report: toJson(event.report) };
  }
}

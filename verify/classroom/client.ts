// The learner's side of the room: after `npm run join`, every verify (and every hint)
// queues a small report and a detached process sends it. The verify itself never waits on
// the network, so a room server that is down, slow or unreachable over the venue Wi-Fi
// cannot make a verify slower or fail it: the queue is sent with the next report.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKSHOP_DIR } from '../core/paths.ts';
import type { RoomReport } from './protocol.ts';

export const ROOM_FILE = path.join(WORKSHOP_DIR, 'room.json');
export const QUEUE_FILE = path.join(WORKSHOP_DIR, 'room-queue.jsonl');
/** A laptop offline all day keeps the latest reports, not an ever-growing file. */
export const QUEUE_LIMIT = 100;

export interface RoomMembership {
  url: string;
  name: string;
  token: string;
}

export function readMembership(file = ROOM_FILE): RoomMembership | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<RoomMembership>;
    return typeof m.url === 'string' && typeof m.name === 'string' && typeof m.token === 'string' ? (m as RoomMembership) : undefined;
  } catch {
    return undefined;
  }
}

/** The minimum a room needs from a lesson run: no message, evidence or file content. */
export interface RoomLessonInput {
  lesson: string;
  ok: boolean;
  checks: Array<{ id: string; status: 'pass' | 'fail' | 'skip'; severity: 'required' | 'recommended' | 'info'; durationMs: number }>;
}

/** A lesson run as the room sees it: ids, statuses, severities and durations, nothing else. */
export function toRoomLesson(
  lesson: string,
  ok: boolean,
  checks: Array<{
    id: string;
    severity: RoomLessonInput['checks'][number]['severity'];
    durationMs: number;
    outcome: { status: RoomLessonInput['checks'][number]['status'] };
  }>,
): RoomLessonInput {
  return { lesson, ok, checks: checks.map((c) => ({ id: c.id, status: c.outcome.status, severity: c.severity, durationMs: c.durationMs })) };
}

export function buildReport(name: string, lessons: RoomLessonInput[], hints: Record<string, number>, at = new Date()): RoomReport {
  const ids = new Set(lessons.flatMap((l) => l.checks.map((c) => c.id)));
  return {
    v: 1,
    name,
    at: at.toISOString(),
    lesson: lessons.at(-1)!.lesson,
    lessons: lessons.map((l) => ({
      lesson: l.lesson,
      ok: l.ok,
      checks: l.checks.map((c) => ({ id: c.id, status: c.status, severity: c.severity, durationMs: Math.round(c.durationMs) })),
    })),
    // Only the hint levels of the checks in this report: the rest is none of the room's business.
    hints: Object.fromEntries(Object.entries(hints).filter(([id]) => ids.has(id))),
  };
}

/** Queue a report for the room (if this laptop joined one) and start a sender. Never throws. */
export function sendToRoom(lessons: RoomLessonInput[], hints: Record<string, number>): void {
  try {
    const membership = readMembership();
    if (!membership || !lessons.length) return;
    enqueue(JSON.stringify(buildReport(membership.name, lessons, hints)));
    startFlusher();
  } catch {
    // The room is a convenience for the instructor; it must never break the learner's loop.
  }
}

export function enqueue(line: string, file = QUEUE_FILE): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `${line}\n`);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  if (lines.length > QUEUE_LIMIT) fs.writeFileSync(file, `${lines.slice(-QUEUE_LIMIT).join('\n')}\n`);
}

/** A detached `node flush.js`: the verify exits at once; the sender finishes on its own. */
function startFlusher(): void {
  const self = fileURLToPath(import.meta.url);
  const flusher = path.join(path.dirname(self), `flush${path.extname(self)}`);
  // Run as TypeScript (tests, tsx) the child needs the same loader; compiled, it needs none.
  const loader = self.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, flusher], { detached: true, stdio: 'ignore', env: { ...process.env, WORKSHOP_HOME: WORKSHOP_DIR } });
  child.unref();
}

// What a learner's laptop sends to the instructor's room, and nothing more. The payload is
// deliberately poor: lesson, check ids, statuses, durations and hint levels. Never a
// message, evidence, file content or environment value, so no password in a learner's
// workspace can reach the projector. The schema is strict: an extra field is refused,
// not stored, which keeps that promise even against a modified client.
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

const checkId = z
  .string()
  .regex(/^\d{2}\.[a-z0-9]+(?:-[a-z0-9]+)*$/)
  .max(80);
const lessonNumber = z.string().regex(/^\d{2}$/);

/** A display name: letters, digits, spaces and a few punctuation marks; escaped on every page anyway. */
export const learnerName = z
  .string()
  .trim()
  .min(1, 'a name is required')
  .max(40, 'at most 40 characters')
  .regex(/^[\p{L}\p{N} ._'-]+$/u, "letters, digits, spaces and . _ ' - only");

export const roomCheck = z.strictObject({
  id: checkId,
  status: z.enum(['pass', 'fail', 'skip']),
  severity: z.enum(['required', 'recommended', 'info']),
  durationMs: z.number().int().min(0).max(3_600_000),
});

export const roomLessonReport = z.strictObject({
  lesson: lessonNumber,
  ok: z.boolean(),
  checks: z.array(roomCheck).max(60),
});

export const roomReport = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  name: learnerName,
  /** When the verify ran on the laptop (ISO); a queued report arrives later but keeps its time. */
  at: z.iso.datetime(),
  /** The lesson the learner is on (the last one verified). */
  lesson: lessonNumber,
  lessons: z.array(roomLessonReport).min(1).max(20),
  /** Full check id → how many hints of its ladder the learner has seen. */
  hints: z.record(checkId, z.number().int().min(0).max(20)).default({}),
});

export type RoomCheck = z.infer<typeof roomCheck>;
export type RoomReport = z.infer<typeof roomReport>;

/** One row of GET /api/learners (the contract tools and tests use). */
export interface LearnerSummary {
  name: string;
  /** The lesson the learner is on. */
  lesson: string;
  /** Whether that lesson's required checks all passed in the last report. */
  ok: boolean;
  /** Required checks failing in the last report, in the order the lesson runs them. */
  failing: string[];
  /** ISO time since when the first failing check has been failing (absent when nothing fails). */
  since?: string;
  /** Hints seen for the first failing check (0 when nothing fails). */
  hints: number;
  /** ISO time of the last report. */
  lastSeen: string;
  /** Lesson number → whether it passed the last time it was verified. */
  lessons: Record<string, boolean>;
  /** Stuck: the same check failing for too long, or too many hints for it. */
  stuck: boolean;
}

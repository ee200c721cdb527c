// The room's state: one record per learner, built from their reports, kept in a small JSON
// file so that restarting the classroom server (a laptop going to sleep, Ctrl-C by
// mistake) keeps the room and its token.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { LearnerSummary, RoomReport } from './protocol.ts';

export interface StuckRule {
  /** The same check failing for longer than this is "stuck". */
  minutes: number;
  /** More hints than this for the failing check is "stuck". */
  hints: number;
}

interface LearnerRecord {
  name: string;
  lesson: string;
  ok: boolean;
  failing: string[];
  /** The first failing check, and since when it has been the first failing one. */
  firstFailing?: { id: string; since: string };
  hints: Record<string, number>;
  lastSeen: string;
  lessons: Record<string, boolean>;
}

interface RoomFile {
  format_version: 1;
  token: string;
  learners: Record<string, LearnerRecord>;
}

export class Room {
  private data: RoomFile;
  private saveTimer?: NodeJS.Timeout;

  private constructor(
    private readonly file: string,
    data: RoomFile,
    readonly stuck: StuckRule,
  ) {
    this.data = data;
  }

  /** Opens the room file, or starts a new room with a fresh token when there is none. */
  static open(file: string, stuck: StuckRule): Room {
    let data: RoomFile | undefined;
    try {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<RoomFile>;
      if (raw.format_version === 1 && typeof raw.token === 'string' && raw.learners) data = raw as RoomFile;
    } catch {
      // No file yet, or a damaged one: a new room. The old token stops working, which is
      // what an instructor expects after deleting the file.
    }
    const room = new Room(file, data ?? { format_version: 1, token: crypto.randomBytes(12).toString('base64url'), learners: {} }, stuck);
    if (!data) room.saveNow();
    return room;
  }

  get token(): string {
    return this.data.token;
  }

  tokenMatches(candidate: string | undefined): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.data.token);
    return a.length === b.length && crypto.timingSafeEqual(a, b);
  }

  /** Applies a report. Older reports (a queue flushed late) never overwrite newer ones. */
  ingest(report: RoomReport): LearnerSummary {
    const key = report.name.toLowerCase();
    const prev = this.data.learners[key];
    if (prev && prev.lastSeen > report.at) return this.summary(prev, new Date());
    const current = report.lessons.find((l) => l.lesson === report.lesson) ?? report.lessons.at(-1)!;
    const failing = current.checks.filter((c) => c.status === 'fail' && c.severity === 'required').map((c) => c.id);
    const lessons = { ...prev?.lessons };
    for (const l of report.lessons) lessons[l.lesson] = l.ok;
    const first = failing[0];
    const firstFailing = first ? (prev?.firstFailing?.id === first ? prev.firstFailing : { id: first, since: report.at }) : undefined;
    const record: LearnerRecord = {
      name: report.name,
      lesson: current.lesson,
      ok: current.ok,
      failing,
      firstFailing,
      hints: { ...prev?.hints, ...report.hints },
      lastSeen: report.at,
      lessons,
    };
    this.data.learners[key] = record;
    this.scheduleSave();
    return this.summary(record, new Date());
  }

  learners(now = new Date()): LearnerSummary[] {
    return Object.values(this.data.learners)
      .map((r) => this.summary(r, now))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private summary(r: LearnerRecord, now: Date): LearnerSummary {
    const hints = r.firstFailing ? (r.hints[r.firstFailing.id] ?? 0) : 0;
    const failingFor = r.firstFailing ? now.getTime() - Date.parse(r.firstFailing.since) : 0;
    return {
      name: r.name,
      lesson: r.lesson,
      ok: r.ok,
      failing: r.failing,
      ...(r.firstFailing ? { since: r.firstFailing.since } : {}),
      hints,
      lastSeen: r.lastSeen,
      lessons: r.lessons,
      stuck: !!r.firstFailing && (failingFor > this.stuck.minutes * 60_000 || hints > this.stuck.hints),
    };
  }

  /** Batches writes: 200 learners reporting every 5 s must not mean 40 file writes a second. */
  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveNow();
    }, 500);
  }

  saveNow(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}

/** "Which check is the room failing now": learners whose first failing check is each id. */
export function failingNow(learners: LearnerSummary[]): Array<{ id: string; learners: number }> {
  const counts = new Map<string, number>();
  for (const l of learners) if (l.failing[0]) counts.set(l.failing[0], (counts.get(l.failing[0]) ?? 0) + 1);
  return [...counts].map(([id, n]) => ({ id, learners: n })).sort((a, b) => b.learners - a.learners || a.id.localeCompare(b.id));
}

/** The room as CSV, one row per learner; every field quoted, and formula-looking cells defused. */
export function toCsv(learners: LearnerSummary[]): string {
  const cell = (v: string | number | boolean) => {
    let s = String(v);
    // A name like "=HYPERLINK(…)" would run as a formula in a spreadsheet.
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return `"${s.replace(/"/g, '""')}"`;
  };
  const rows = learners.map((l) => [l.name, l.lesson, l.ok, l.failing.join(' '), l.since ?? '', l.hints, l.stuck, l.lastSeen].map(cell).join(','));
  return `${['name', 'lesson', 'ok', 'failing', 'since', 'hints', 'stuck', 'lastSeen'].join(',')}\n${rows.join('\n')}${rows.length ? '\n' : ''}`;
}

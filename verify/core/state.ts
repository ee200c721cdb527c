// Progress: one small, human-readable, gitignored file keyed by lesson slugs (stable
// across renumbering). A missing or damaged file means "nothing done yet", never a crash.
import fs from 'node:fs';
import type { Layer } from './check.ts';
import { STATE_FILE } from './paths.ts';

export const STATE_FORMAT_VERSION = 2;

/** What the last `npm run verify` of a lesson found, so progress never claims more than was checked. */
export interface LessonRecord {
  verdict: 'pass' | 'fail';
  /** ISO time of that verify. */
  at: string;
  /** The layers whose checks ran (`--no-cluster` leaves out `cluster`). */
  layers: Layer[];
  /** Layers the lesson has checks in that did not run: a pass with any of these is not "done". */
  notRun: Layer[];
}

export interface WorkshopState {
  format_version: number;
  /** Slug of the lesson the learner is on. */
  current?: string;
  /** Slug → the last verify of that lesson. */
  lessons: Record<string, LessonRecord>;
  /** Slug → ISO time `solution N -- --apply` put the reference code in the workspace. */
  applied: Record<string, string>;
  /** Full check id → how many hints of its ladder were shown. */
  hints: Record<string, number>;
}

function empty(): WorkshopState {
  return { format_version: STATE_FORMAT_VERSION, lessons: {}, applied: {}, hints: {} };
}

export function readState(file = STATE_FILE): WorkshopState {
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<WorkshopState> & { passed?: Record<string, string> };
    if (raw.format_version === 1) return fromVersion1(raw);
    if (raw.format_version !== STATE_FORMAT_VERSION) return empty();
    return { ...empty(), ...raw, lessons: { ...raw.lessons }, applied: { ...raw.applied }, hints: { ...raw.hints } };
  } catch {
    return empty();
  }
}

/** Version 1 kept only "passed at": which layers ran is unknown, so those passes are not "done" until verified again. */
function fromVersion1(raw: { current?: string; passed?: Record<string, string>; hints?: Record<string, number> }): WorkshopState {
  const lessons = Object.fromEntries(
    Object.entries(raw.passed ?? {}).map(([slug, at]) => [
      slug,
      { verdict: 'pass', at, layers: [], notRun: ['env', 'code', 'manifest', 'cluster', 'behaviour'] } satisfies LessonRecord,
    ]),
  );
  return { ...empty(), current: raw.current, lessons, hints: { ...raw.hints } };
}

export function updateState(change: (s: WorkshopState) => void, file = STATE_FILE): WorkshopState {
  const state = readState(file);
  change(state);
  fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

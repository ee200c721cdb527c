// Progress: one small, human-readable, gitignored file keyed by lesson slugs (stable
// across renumbering). A missing or damaged file means "nothing done yet", never a crash.
import fs from 'node:fs';
import { STATE_FILE } from './paths.ts';

export const STATE_FORMAT_VERSION = 1;

export interface WorkshopState {
  format_version: number;
  /** Slug of the lesson the learner is on. */
  current?: string;
  /** Slug → ISO time the lesson's required checks last all passed. */
  passed: Record<string, string>;
  /** Full check id → how many hints of its ladder were shown. */
  hints: Record<string, number>;
}

function empty(): WorkshopState {
  return { format_version: STATE_FORMAT_VERSION, passed: {}, hints: {} };
}

export function readState(file = STATE_FILE): WorkshopState {
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<WorkshopState>;
    if (raw.format_version !== STATE_FORMAT_VERSION) return empty();
    return { ...empty(), ...raw, passed: { ...raw.passed }, hints: { ...raw.hints } };
  } catch {
    return empty();
  }
}

export function updateState(change: (s: WorkshopState) => void, file = STATE_FILE): WorkshopState {
  const state = readState(file);
  change(state);
  fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

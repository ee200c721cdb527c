// The last verify's report, kept so `npm run hint` can answer at once while nothing changed:
// re-running a lesson takes seconds, reading a file milliseconds. "Nothing changed" means the
// same lesson, workspace, layers and context, and every workspace file with the same size
// and modification time. The cluster is not part of that: a hint always says when it is
// from an earlier run, and `npm run verify` re-checks everything.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Layer } from './check.ts';
import { WORKSHOP_DIR } from './paths.ts';
import type { CheckReport } from './runner.ts';
import { isRuntimeEntry } from './workspace.ts';

const FILE = () => path.join(WORKSHOP_DIR, 'last-report.json');

export interface RunKey {
  lesson: string;
  workspace: string;
  layers: ReadonlySet<Layer>;
  context?: string;
}

interface Saved {
  key: string;
  fingerprint: string;
  at: string;
  checks: CheckReport[];
  /** Full check id → its hint ladder, so a hint needs no lesson code loaded. */
  hints: Record<string, string[]>;
}

function keyOf(k: RunKey): string {
  return JSON.stringify([k.lesson, path.resolve(k.workspace), [...k.layers].sort(), k.context ?? null]);
}

/** Size and mtime of every file the app or a check could read (not node_modules, .git, logs/, uploads/). */
export function fingerprint(workspace: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const abs = path.join(dir, entry.name);
      const rel = path.relative(workspace, abs);
      if (isRuntimeEntry(rel)) continue;
      if (entry.isDirectory()) walk(abs);
      else {
        const st = fs.statSync(abs, { throwIfNoEntry: false });
        if (st) hash.update(`${rel}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(workspace);
  return hash.digest('hex');
}

export function saveLastReport(key: RunKey, checks: CheckReport[], hints: Record<string, string[]>): void {
  try {
    fs.mkdirSync(WORKSHOP_DIR, { recursive: true });
    const saved: Saved = { key: keyOf(key), fingerprint: fingerprint(key.workspace), at: new Date().toISOString(), checks, hints };
    fs.writeFileSync(FILE(), JSON.stringify(saved));
  } catch {
    // Only a shortcut for the next hint: failing to save it costs time, nothing else.
  }
}

/** The saved checks when the same run would look at exactly the same files; otherwise undefined. */
export function lastReport(key: RunKey): { checks: CheckReport[]; hints: Record<string, string[]>; at: string } | undefined {
  try {
    const saved = JSON.parse(fs.readFileSync(FILE(), 'utf8')) as Saved;
    if (saved.key !== keyOf(key) || saved.fingerprint !== fingerprint(key.workspace)) return undefined;
    return { checks: saved.checks, hints: saved.hints, at: saved.at };
  } catch {
    return undefined;
  }
}

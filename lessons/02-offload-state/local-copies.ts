// Where an upload's bytes ended up on the local disk, whichever API wrote them (multer's
// dest, fs.writeFile, a stream to os.tmpdir()…). Downloading from the other replica is
// not enough to judge: the copies run on one machine, so a file kept under an absolute
// path is readable by both, although each pod would have its own disk. So we look for the
// bytes themselves in every place a copy can write to: its folder, its TMPDIR and HOME,
// and the machine's temporary folders (an app that hard-codes /tmp bypasses TMPDIR).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StartResult } from '../../verify/lesson-api.ts';

/** Enough for a deep uploads/<year>/<id>/ layout; the walk never follows links (node_modules is one). */
const MAX_DEPTH = 6;
/** A bound on the walk of the shared temporary folders, which other programs fill too. */
const MAX_ENTRIES = 20_000;

/** The folders a started copy of the app could have written a file to. */
export function writablePlaces(started: StartResult): string[] {
  const own = [started.cwd, started.privateDirs?.tmp, started.privateDirs?.home];
  const machine = [os.tmpdir(), '/tmp', '/var/tmp'].filter((d) => fs.existsSync(d));
  return [...new Set([...own, ...machine].filter((d): d is string => Boolean(d)).map((d) => fs.realpathSync(d)))];
}

/**
 * Files changed since `sinceMs` that hold `bytes`, as they are or base64-encoded (a JSON
 * or text file written "temporarily"). A copy the app deleted once the request was done
 * is not found, and that is right: only what stays behind dies with the pod.
 */
export function findLocalCopies(bytes: Buffer, places: string[], sinceMs: number): string[] {
  const needles = [bytes, Buffer.from(bytes.toString('base64'))];
  const found = new Set<string>();
  let seen = 0;
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable (another user's folder): the app could not have written there either
    }
    for (const entry of entries) {
      if (++seen > MAX_ENTRIES) return;
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory() && depth < MAX_DEPTH) walk(abs, depth + 1);
      else if (entry.isFile() && holds(abs, needles, sinceMs)) found.add(abs);
    }
  };
  for (const place of places) walk(place, 0);
  return [...found];
}

function holds(file: string, needles: Buffer[], sinceMs: number): boolean {
  try {
    const st = fs.statSync(file);
    // Filesystems round mtimes; a second of slack keeps a file written right at the start.
    if (st.mtimeMs < sinceMs - 1000 || st.size < needles[0]!.length || st.size > 64 * 1024 * 1024) return false;
    const content = fs.readFileSync(file);
    return needles.some((n) => content.includes(n));
  } catch {
    return false;
  }
}

/** `A's folder › uploads/3f9c…`, `A's TMPDIR › teamnotes/4`, or the absolute path elsewhere. */
export function describePlace(file: string, started: StartResult): string {
  const named: Array<[string | undefined, string]> = [
    [started.privateDirs?.tmp, "A's TMPDIR"],
    [started.privateDirs?.home, "A's HOME"],
    [started.cwd, "A's copy of your workspace"],
  ];
  for (const [dir, name] of named) {
    if (!dir) continue;
    const rel = path.relative(fs.existsSync(dir) ? fs.realpathSync(dir) : dir, file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return `${name} › ${rel}`;
  }
  return file;
}

/** Delete what a stopped isolated copy wrote, as a replaced pod's disk would vanish. Never the learner's own folder. */
export function forgetDisk(started: StartResult): void {
  if (!started.privateDirs) return; // not isolated: cwd is the workspace itself
  for (const dir of [started.cwd, started.privateDirs.tmp, started.privateDirs.home]) fs.rmSync(dir, { recursive: true, force: true });
}

// Reference solutions are authored as overlays: `solutions/changes/NN-slug/` holds only what
// lesson NN changes over the solution of the lesson before it (`files/`: every added or changed
// file, whole; `solution.yaml`: `delete:` the paths it removes). The first lesson's overlay is
// the whole legacy app. The full snapshots `solutions/NN-slug/` stay, for learners to browse and
// for `solution --diff`, but they are generated from the overlays (`npm run gen:solutions`):
// a fix to code that lives through nine lessons is made once, in the lesson that wrote it.
//
// Files are compared and copied as bytes, with the executable bit, so lockfiles, images and
// scripts come out exactly as authored.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { UsageError } from './errors.ts';
import type { Lesson } from './lessons.ts';
import { isLocalConfig, isRuntimeEntry } from './workspace.ts';

/** The overlay folder's name under solutions/. Not `NN-slug`, so it never looks like a snapshot. */
export const CHANGES_FOLDER = 'changes';
export const OVERLAY_FILE = 'solution.yaml';

/** solution.yaml. Strict, like fixture.yaml: a misspelt `deletes:` would silently keep a file. */
const overlaySchema = z.strictObject({
  /** Files (or folders) of the previous lesson's solution that this lesson removes. */
  delete: z.array(z.string().min(1)).default([]),
});

/** A file of a tree: where its bytes are read from, and whether it is executable. */
interface Entry {
  source: string;
  executable: boolean;
}
/** Workspace-relative `/`-separated path → entry. */
export type Tree = Map<string, Entry>;

export interface Overlay {
  lesson: Lesson;
  dir: string;
  /** Added or changed files, relative to `files/`, `/`-separated. */
  files: string[];
  delete: string[];
}

export function changesRoot(lessons: Lesson[]): string {
  return path.join(path.dirname(lessons[0]!.solutionDir), CHANGES_FOLDER);
}

export function overlayDir(lesson: Lesson): string {
  return path.join(path.dirname(lesson.solutionDir), CHANGES_FOLDER, path.basename(lesson.solutionDir));
}

const shown = (p: string) => path.relative(process.cwd(), p) || p;

export function readOverlay(lesson: Lesson): Overlay {
  const dir = overlayDir(lesson);
  const file = path.join(dir, OVERLAY_FILE);
  if (!fs.existsSync(file))
    throw new UsageError(`${shown(file)} is missing: every lesson's solution is written as an overlay there (files/ plus ${OVERLAY_FILE} with delete: [...]).`);
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${shown(file)} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = overlaySchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = [...issue.path, ...('keys' in issue ? issue.keys : [])].join('.');
    throw new UsageError(`${shown(file)}: ${key ? `${key}: ` : ''}${issue.message} (the only key is delete: [paths]).`);
  }
  return { lesson, dir, files: [...readTree(path.join(dir, 'files')).keys()], delete: parsed.data.delete };
}

/** Every file under `dir` (none when it does not exist), without what the app or a learner writes locally. */
export function readTree(dir: string): Tree {
  const tree: Tree = new Map();
  if (!fs.existsSync(dir)) return tree;
  for (const d of fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]) {
    if (!d.isFile()) continue;
    const abs = path.join(d.parentPath, d.name);
    const rel = path.relative(dir, abs).split(path.sep).join('/');
    if (isRuntimeEntry(rel) || isLocalConfig(rel)) continue;
    tree.set(rel, { source: abs, executable: (fs.statSync(abs).mode & 0o111) !== 0 });
  }
  return new Map([...tree].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The tree after `overlay`, applied over `before`: deletions first, then the overlay's files. */
export function applyOverlay(before: Tree, overlay: Overlay): Tree {
  const after: Tree = new Map(before);
  for (const gone of overlay.delete) {
    const matches = [...after.keys()].filter((rel) => rel === gone || rel.startsWith(`${gone.replace(/\/$/, '')}/`));
    // Deleting nothing means the overlay describes a tree that no longer exists: say so.
    if (!matches.length)
      throw new UsageError(
        `${shown(path.join(overlay.dir, OVERLAY_FILE))}: delete: ${gone} is not in the solution before lesson ${overlay.lesson.number}; remove it from the list.`,
      );
    for (const rel of matches) after.delete(rel);
  }
  const files = readTree(path.join(overlay.dir, 'files'));
  for (const [rel, entry] of files) after.set(rel, entry);
  return new Map([...after].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Every lesson's full solution tree, composed from the overlays in lesson order. */
export function composeSolutions(lessons: Lesson[]): Map<Lesson, Tree> {
  const out = new Map<Lesson, Tree>();
  let tree: Tree = new Map();
  for (const lesson of lessons) {
    tree = applyOverlay(tree, readOverlay(lesson));
    out.set(lesson, tree);
  }
  return out;
}

export function sameFile(a: Entry, b: Entry): boolean {
  return a.executable === b.executable && fs.readFileSync(a.source).equals(fs.readFileSync(b.source));
}

/** What differs between the tree the overlays produce and the snapshot on disk, as snapshot-relative paths. */
export function snapshotDrift(wanted: Tree, snapshotDir: string): Array<{ rel: string; how: 'missing' | 'differs' | 'extra' }> {
  const actual = readTree(snapshotDir);
  const drift: Array<{ rel: string; how: 'missing' | 'differs' | 'extra' }> = [];
  for (const [rel, entry] of wanted) {
    const there = actual.get(rel);
    if (!there) drift.push({ rel, how: 'missing' });
    else if (!sameFile(entry, there)) drift.push({ rel, how: 'differs' });
  }
  for (const rel of actual.keys()) if (!wanted.has(rel)) drift.push({ rel, how: 'extra' });
  return drift.sort((a, b) => (a.rel < b.rel ? -1 : 1));
}

/** Make the snapshot equal to `wanted` (bytes and executable bit); leaves runtime output (logs/, .env) alone. */
export function writeSnapshot(wanted: Tree, snapshotDir: string): number {
  const drift = snapshotDrift(wanted, snapshotDir);
  for (const { rel, how } of drift) {
    const dest = path.join(snapshotDir, rel);
    if (how === 'extra') {
      fs.rmSync(dest, { force: true });
      removeEmptyParents(path.dirname(dest), snapshotDir);
      continue;
    }
    const entry = wanted.get(rel)!;
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.rmSync(dest, { force: true });
    fs.copyFileSync(entry.source, dest);
    fs.chmodSync(dest, entry.executable ? 0o755 : 0o644);
  }
  return drift.length;
}

function removeEmptyParents(dir: string, stop: string): void {
  for (let d = dir; d !== stop && d.startsWith(stop) && fs.existsSync(d) && fs.readdirSync(d).length === 0; d = path.dirname(d)) fs.rmdirSync(d);
}

/**
 * The overlay that turns `before` into `after`: the files that are new or differ, and the
 * files that are gone. Used once to convert the hand-kept snapshots, and again whenever a
 * snapshot was edited by hand and that edit should be adopted.
 */
export function deriveOverlay(before: Tree, after: Tree): { files: Tree; delete: string[] } {
  const files: Tree = new Map();
  for (const [rel, entry] of after) {
    const old = before.get(rel);
    if (!old || !sameFile(old, entry)) files.set(rel, entry);
  }
  return { files, delete: [...before.keys()].filter((rel) => !after.has(rel)) };
}

/** Write an overlay folder from scratch (its previous content is replaced). */
export function writeOverlay(lesson: Lesson, overlay: { files: Tree; delete: string[] }): void {
  const dir = overlayDir(lesson);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, entry] of overlay.files) {
    const dest = path.join(dir, 'files', rel);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(entry.source, dest);
    fs.chmodSync(dest, entry.executable ? 0o755 : 0o644);
  }
  const header = [
    `# Lesson ${lesson.number}'s reference solution, as a change over the lesson before it:`,
    '# files/ holds every file it adds or changes (whole), delete lists the files it removes.',
    '# solutions/' + path.basename(lesson.solutionDir) + '/ is generated from this: npm run gen:solutions',
  ].join('\n');
  fs.writeFileSync(path.join(dir, OVERLAY_FILE), `${header}\n${YAML.stringify({ delete: overlay.delete }, { flow: false }).trimEnd()}\n`);
}

// Where things live. Everything is resolved from the repository root so the CLI
// works from any current directory.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Root of the code tree this module runs from: the repository when run as TypeScript
 * (tests, tsx), or the compiled copy bin/workshop.mjs runs (node_modules/.cache/…).
 */
export const CODE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The repository: the nearest folder up from the code with this project's package.json. */
export const REPO_ROOT = findRepoRoot(CODE_ROOT);

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'legacy-to-k8s') return dir;
    } catch {
      // No package.json here: keep walking up.
    }
    if (path.dirname(dir) === dir) return from;
  }
}
/**
 * The course: `lessons/`, and its solutions beside it. WORKSHOP_LESSONS_DIR is for tests only:
 * it points the engine at another course (test/fake-course/lessons, solutions in the sibling
 * test/fake-course/solutions) so engine and CLI tests do not depend on what a real lesson checks.
 */
export const LESSONS_DIR = process.env.WORKSHOP_LESSONS_DIR ? path.resolve(REPO_ROOT, process.env.WORKSHOP_LESSONS_DIR) : path.join(REPO_ROOT, 'lessons');
export const SOLUTIONS_DIR = path.join(path.dirname(LESSONS_DIR), 'solutions');
/** The learner's workspace; tests point it at a scratch copy (progress is recorded for this one only). */
export const DEFAULT_WORKSPACE = process.env.WORKSHOP_WORKSPACE ? path.resolve(process.env.WORKSHOP_WORKSPACE) : path.join(REPO_ROOT, 'legacy-app');
/** Personal, gitignored: service URLs, backups. */
// Tests point these elsewhere so they never touch a maintainer's own progress or backups.
export const WORKSHOP_DIR = process.env.WORKSHOP_HOME ?? path.join(REPO_ROOT, '.workshop');
export const STATE_FILE = process.env.WORKSHOP_STATE_FILE ?? path.join(REPO_ROOT, '.workshop-state.json');
export const SERVICES_ENV_FILE = path.join(WORKSHOP_DIR, 'services.env');
export const BACKUPS_DIR = path.join(WORKSHOP_DIR, 'backups');

/** A path for humans: relative to the current directory when that is shorter. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && rel.length < p.length ? rel : p;
}

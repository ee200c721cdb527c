// Copying, backing up and restoring workspaces. Anything that would overwrite a
// learner's files goes through `backupWorkspace` first.
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError, UsageError } from './errors.ts';
import { BACKUPS_DIR, REPO_ROOT, displayPath } from './paths.ts';

/** Never copied: installed packages and VCS data (anywhere), and what the app writes at run time (at its top level). */
const GENERATED_DIRS = new Set(['node_modules', '.git']);
const APP_OUTPUT_DIRS = new Set(['logs', 'uploads']);
/** Local configuration that belongs to the learner, never to a solution: .env, .env.cluster… but not the committed *.example templates. */
const LOCAL_FILES = /^\.env(\.[^/]+)?$/;

export function isRuntimeEntry(rel: string): boolean {
  const parts = rel.split(/[\\/]/);
  // A learner's own src/logs/ module is code; only the app's top-level logs/ is output.
  return parts.some((part) => GENERATED_DIRS.has(part)) || APP_OUTPUT_DIRS.has(parts[0]!);
}

export function isLocalConfig(rel: string): boolean {
  const name = path.basename(rel);
  return LOCAL_FILES.test(name) && !name.endsWith('.example');
}

/** Resolve `--workspace`, or exit 2 with one clear line when it is not a directory. */
export function resolveWorkspace(dir: string): string {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) {
    throw new UsageError(`Workspace ${abs} does not exist. Pass an existing folder with --workspace, or leave it out to use legacy-app/.`);
  }
  if (!fs.statSync(abs).isDirectory()) {
    throw new UsageError(`Workspace ${abs} is a file, not a folder. Pass the app's folder with --workspace.`);
  }
  return abs;
}

/**
 * The workspace a command is about to overwrite. The default legacy-app/ is created
 * when it was deleted (reset and --apply are how a learner gets it back); a folder
 * named with --workspace must exist.
 */
export function workspaceToReplace(named: string | undefined, fallback: string): string {
  if (named === undefined && !fs.existsSync(fallback)) fs.mkdirSync(fallback, { recursive: true });
  return resolveWorkspace(named ?? fallback);
}

export function copyTree(src: string, dest: string, skip: (rel: string) => boolean = isRuntimeEntry): void {
  fs.mkdirSync(dest, { recursive: true });
  fs.cpSync(src, dest, {
    recursive: true,
    filter: (from) => {
      const rel = path.relative(src, from);
      return rel === '' || !skip(rel);
    },
  });
}

/**
 * Make a workspace outside the repository runnable: packages resolve by walking up from
 * the app's folder, so a copy in /tmp gets a `node_modules` link (to the repository's, or
 * to `source`: the folder the original workspace loads its packages from).
 */
export function linkDependencies(dir: string, source = path.join(REPO_ROOT, 'node_modules')): void {
  const target = path.join(dir, 'node_modules');
  if (fs.existsSync(target) || (isInside(dir, REPO_ROOT) && source === path.join(REPO_ROOT, 'node_modules'))) return;
  if (!fs.existsSync(source)) {
    throw new EnvironmentError("The workshop's packages are not installed (no node_modules/).", 'npm install');
  }
  fs.symlinkSync(source, target, process.platform === 'win32' ? 'junction' : 'dir');
}

/** The node_modules folder Node would load the workspace's packages from: its own, or the nearest one above it. */
export function findNodeModules(workspace: string): string | undefined {
  for (let dir = path.resolve(workspace); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Whether package.json lists packages to load (an app without any needs no node_modules). */
function declaresDependencies(workspace: string): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(workspace, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    return Object.keys(pkg.dependencies ?? {}).length > 0;
  } catch {
    // Unreadable package.json: starting the app says so, with the line.
    return false;
  }
}

/**
 * Where the app's packages come from, the same for the workspace itself and for every
 * private copy of it; a workspace with none at all is said once (exit 2), instead of some
 * checks failing with "Cannot find module 'express'" while others pass.
 */
export function dependenciesOf(workspace: string): string | undefined {
  const found = findNodeModules(workspace);
  if (found || !declaresDependencies(workspace)) return found;
  const shown = displayPath(workspace);
  throw new EnvironmentError(
    `${shown} has no node_modules/ (nor has any folder above it), so the app cannot load its packages (express and the rest).`,
    `ln -s ${path.join(REPO_ROOT, 'node_modules')} ${path.join(path.resolve(workspace), 'node_modules')}   (or: cd ${shown} && npm install)`,
  );
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function hasUserFiles(dir: string): boolean {
  return fs.existsSync(dir) && fs.readdirSync(dir).some((name) => name !== 'node_modules');
}

/** Copy the workspace (with its local .env, without node_modules) to `.workshop/backups/<time>-<reason>/`. */
export function backupWorkspace(workspace: string, reason: string): string | undefined {
  if (!hasUserFiles(workspace)) return undefined;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dest = path.join(BACKUPS_DIR, `${stamp}-${reason}`);
  copyTree(workspace, dest, (rel) => rel.split(/[\\/]/).some((p) => p === 'node_modules' || p === '.git'));
  return dest;
}

/**
 * Replace the workspace's files with `source`'s. Keeps node_modules and the learner's
 * local .env files (they are configuration, not code). Call backupWorkspace first.
 */
export function replaceWorkspace(workspace: string, source: string): void {
  if (!fs.existsSync(source)) throw new EnvironmentError(`${displayPath(source)} is missing from this repository.`, 'git status');
  fs.mkdirSync(workspace, { recursive: true });
  for (const name of fs.readdirSync(workspace)) {
    if (name === 'node_modules' || isLocalConfig(name)) continue;
    fs.rmSync(path.join(workspace, name), { recursive: true, force: true });
  }
  copyTree(source, workspace, (rel) => isRuntimeEntry(rel) || isLocalConfig(rel));
}

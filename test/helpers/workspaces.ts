// Throwaway workspaces for tests: a copy of a solution (or fixture) in a temp dir,
// runnable (dependencies linked), removed when the test file is done.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { copyTree, linkDependencies } from '../../verify/core/workspace.ts';

// Removed after the whole file, not per test: with describe.concurrent the global
// onTestFinished hook can attach to whichever test is current, which once deleted a
// running app's folder from under it.
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'l2k-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function workspaceFrom(source: string): string {
  const dir = tempDir();
  copyTree(source, dir);
  linkDependencies(dir);
  return dir;
}

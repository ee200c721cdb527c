// Throwaway workspaces for tests: a copy of a solution (or fixture) in a temp dir,
// runnable (dependencies linked), removed after the test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { copyTree, linkDependencies } from '../../verify/core/workspace.ts';

export function tempDir(prefix = 'l2k-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function workspaceFrom(source: string): string {
  const dir = tempDir();
  copyTree(source, dir);
  linkDependencies(dir);
  return dir;
}

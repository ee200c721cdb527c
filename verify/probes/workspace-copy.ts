import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyTree, dependenciesOf, isRuntimeEntry, linkDependencies } from '../core/workspace.ts';
import type { Cleanup } from './cleanup.ts';

/** A throwaway copy of the workspace without `without` (e.g. `.env`), runnable, removed at cleanup. */
export async function isolatedCopy(workspace: string, without: string[], cleanup: Cleanup): Promise<string> {
  // Resolved before copying: the copy loads exactly the packages the workspace itself would.
  const packages = dependenciesOf(workspace);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-ws-'));
  cleanup.add(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dropped = new Set(without);
  copyTree(workspace, dir, (rel) => isRuntimeEntry(rel) || dropped.has(rel));
  if (packages) linkDependencies(dir, packages);
  return dir;
}

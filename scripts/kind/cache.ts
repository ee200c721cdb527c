// Cached artifacts of the real-kind tier. Each artifact has a key: every pin and the hash of every
// script or file that shapes it. `<artifactDir>/<name>.key` records the key it was built with; an
// artifact is rebuilt only when it is missing or its key changed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { artifactDir, repoRoot } from './paths.ts';

/** sha256 of files (repo-relative or absolute), for keys: an edit to a build script rebuilds what it builds. */
export function hashFiles(...files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    const abs = path.isAbsolute(f) ? f : path.join(repoRoot, f);
    h.update(path.relative(repoRoot, abs)).update('\0').update(readFileSync(abs)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** A stable text for a key object (sorted properties), written next to the artifact for humans to read. */
export function keyText(parts: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.entries(parts).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

export function artifactPath(name: string): string {
  return path.join(artifactDir(), name);
}

const keyFile = (name: string): string => path.join(artifactDir(), `${name}.key`);

export function isFresh(name: string, key: string): boolean {
  if (!existsSync(artifactPath(name))) return false;
  try {
    return readFileSync(keyFile(name), 'utf8') === key;
  } catch {
    return false;
  }
}

/** What happened to each artifact in this run, for the summary `kind:build` prints. */
export interface StepRecord {
  name: string;
  result: 'cached' | 'built' | 'loaded';
  ms: number;
}
export const steps: StepRecord[] = [];

export function fmtMs(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export const log = (msg: string): void => console.error(`[kind build] ${msg}`);

/**
 * Build `name` into `<artifactDir>/<name>` unless it is fresh. `build` writes to the temp path it is
 * given; the rename and the key are written only after it succeeds, so an interrupted build never
 * leaves something that counts as present.
 */
export async function cached(name: string, key: string, build: (tmpPath: string) => Promise<void>): Promise<string> {
  const dest = artifactPath(name);
  if (isFresh(name, key)) {
    steps.push({ name, result: 'cached', ms: 0 });
    return dest;
  }
  await mkdir(artifactDir(), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  const started = Date.now();
  log(`${name}: building`);
  try {
    await rm(tmp, { recursive: true, force: true });
    await build(tmp);
    await rm(keyFile(name), { force: true });
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
    await writeFile(keyFile(name), key);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const ms = Date.now() - started;
  steps.push({ name, result: 'built', ms });
  log(`${name}: built in ${fmtMs(ms)}`);
  return dest;
}

export async function readKey(name: string): Promise<string | undefined> {
  return readFile(keyFile(name), 'utf8').catch(() => undefined);
}

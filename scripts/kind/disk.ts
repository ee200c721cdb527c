// Free-disk check before the real-kind tier builds or starts anything. Measured on 3 December 2026,
// a fresh machine running .ci/run cold: the Go build and module caches grew to 12 + 6.7 GB (the
// control plane's share included), the private Docker data root peaked at 16 GB during the full
// rehearsal (3 nodes, every lesson's app image, the add-ons), the artifacts and cached images take
// 1.5 GB: ~35 GB in all. Warm, only the data root comes back (~16 GB). Running out halfway leaves a
// broken daemon and a confusing error, so we refuse early and say how much is missing.
import { existsSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { KindEnvironmentError } from './dockerd.ts';
import { cacheRoot } from './paths.ts';

const GB = 1024 ** 3;

export interface DiskNeed {
  /** True when the node image must be built (Go caches will grow); false when only a cluster runs. */
  cold: boolean;
}

/** GB needed on the cache's filesystem. Exported for the message and the tests. */
export function neededGb(need: DiskNeed): number {
  return need.cold ? 36 : 18;
}

function existingParent(p: string): string {
  let dir = p;
  while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function freeGb(dir: string): number {
  const s = statfsSync(existingParent(dir));
  return (s.bavail * s.bsize) / GB;
}

/** Throws KindEnvironmentError (exit 2) with the numbers when the cache's disk is too full. */
export function checkDisk(need: DiskNeed, dir: string = cacheRoot()): void {
  const want = neededGb(need);
  const have = freeGb(dir);
  if (have >= want) return;
  const what = need.cold
    ? 'a cold build (Go caches ~19 GB, the private Docker data root up to 16 GB during the rehearsal, artifacts ~1.5 GB)'
    : 'a cluster from the cached node image (the private Docker data root grows to ~16 GB with 3 nodes, the app images and the add-ons)';
  throw new KindEnvironmentError(
    `only ${have.toFixed(1)} GB free on the disk of ${existingParent(dir)}; the real-kind tier needs about ${want} GB there for ${what}. ` +
      'Free some space (e.g. `go clean -cache`), or point LEGACY_TO_K8S_CACHE at a bigger disk, then run it again.',
  );
}

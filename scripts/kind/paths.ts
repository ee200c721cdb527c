// Where the real-kind tier keeps things. Artifacts (binaries, rootfs and image tarballs) live in the
// same cache as the control plane, under kind/; the private dockerd's sockets live in a short /tmp
// path, because unix socket paths are limited to 108 bytes and containerd nests its own below it.
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { cacheRoot, repoRoot } from '../control-plane/paths.ts';

export { cacheRoot, repoRoot };

export function kindCacheDir(): string {
  return path.join(cacheRoot(), 'kind');
}

/** Built artifacts, one file or folder per artifact plus its `<name>.key` (see cache-key.ts). */
export function artifactDir(): string {
  return path.join(kindCacheDir(), 'artifacts');
}

/** Scratch space for builds (rootfs trees, build contexts); safe to delete between runs. */
export function workDir(): string {
  return path.join(kindCacheDir(), 'work');
}

/** One private dockerd per cache root, so two checkouts with different caches never share a daemon. */
function cacheTag(): string {
  return createHash('sha256').update(cacheRoot()).digest('hex').slice(0, 8);
}

export function dockerdRunDir(): string {
  return path.join(os.tmpdir(), `l2k-dockerd-${cacheTag()}`);
}

/** On the cache's disk (it grows to several GB with a cluster up); removed when the daemon stops. */
export function dockerdDataRoot(): string {
  return path.join(kindCacheDir(), 'docker-data');
}

export const kindFilesDir = path.join(repoRoot, 'scripts/kind/files');

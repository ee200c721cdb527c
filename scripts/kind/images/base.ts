// The base every stand-in image starts from: the tier's Debian tools image (scripts/kind/base-images.ts,
// `debootstrap --variant=minbase bookworm` plus a few network tools), the same base as kube-proxy and
// the kindnetd stand-in, so a kind node stores that layer once. The packages a stand-in needs on top
// (redis-server, the PostgreSQL client) come from Debian in that stand-in's own Dockerfile.
import { createHash } from 'node:crypto';
import { TOOLS_IMAGE, ensureToolsImage } from '../base-images.ts';
import type { PrivateDockerd } from '../dockerd.ts';
import { TOOLS_ROOTFS, rootfsKey } from '../rootfs.ts';

export const BASE_IMAGE = TOOLS_IMAGE;

/** What the base is made of (its packages, suite, mirror, build script); part of every stand-in's key. */
export function baseKey(): string {
  return createHash('sha256').update(rootfsKey(TOOLS_ROOTFS)).digest('hex').slice(0, 16);
}

/** The base in the daemon: loaded from the tier's cached rootfs, debootstrapped on first use. */
export async function ensureBase(d: PrivateDockerd): Promise<void> {
  await ensureToolsImage(d);
}

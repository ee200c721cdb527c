// Base images built without any registry, loaded into the private dockerd.
//
//   workshop-tools:bookworm  Debian minbase + iptables, conntrack, iproute2, curl, jq, ca-certificates.
//                            Base of kube-proxy, the kindnetd stand-in and the Node.js stand-in image.
import { type PrivateDockerd } from './dockerd.ts';
import { log, steps } from './cache.ts';
import { TOOLS_ROOTFS, ensureRootfsTarball } from './rootfs.ts';
import { q, sh } from './run.ts';

export const TOOLS_IMAGE = 'workshop-tools:bookworm';

export async function hasImage(d: PrivateDockerd, ref: string): Promise<boolean> {
  return d.docker(['image', 'inspect', '--format', '{{.Id}}', ref]).then(
    () => true,
    () => false,
  );
}

/** `docker import` a cached rootfs tarball as `ref` (idempotent: skipped when the daemon has it). */
export async function importRootfs(d: PrivateDockerd, tarball: string, ref: string, changes: string[]): Promise<void> {
  if (await hasImage(d, ref)) return;
  const started = Date.now();
  const flags = changes.map((c) => `--change ${q(c)}`).join(' ');
  await sh(`zstd -q -dc ${q(tarball)} | docker import ${flags} - ${q(ref)} >/dev/null`, { env: d.env });
  steps.push({ name: ref, result: 'loaded', ms: Date.now() - started });
  log(`${ref}: imported into the private dockerd`);
}

/** The Debian tools base image in the private dockerd, built (debootstrap) and cached on first use. */
export async function ensureToolsImage(d: PrivateDockerd): Promise<string> {
  const tarball = await ensureRootfsTarball(TOOLS_ROOTFS);
  await importRootfs(d, tarball, TOOLS_IMAGE, ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["/bin/bash"]']);
  return TOOLS_IMAGE;
}

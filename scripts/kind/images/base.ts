// The Debian base every stand-in image starts from: `debootstrap --variant=minbase bookworm`,
// imported as one image. One shared base layer means each kind node stores it once, however many
// stand-ins it runs. The packages a stand-in needs on top (redis-server, the PostgreSQL client)
// come from Debian in that stand-in's own Dockerfile.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, run, sh } from './run.ts';

export const BASE_IMAGE = 'l2k-standin-base:bookworm';
const SUITE = 'bookworm';
const INCLUDE = ['ca-certificates'];

/** What the base is made of; part of every stand-in's cache key. */
export function baseRecipe(): string {
  return JSON.stringify({ image: BASE_IMAGE, suite: SUITE, include: INCLUDE, variant: 'minbase' });
}

/** The Debian mirror apt on this machine already uses (a CI mirror or a proxy), else Debian's CDN. */
export function debianMirror(): string {
  const sources = '/etc/apt/sources.list.d/debian.sources';
  if (existsSync(sources)) {
    const uri = /^URIs:\s*(\S+)/m.exec(readFileSync(sources, 'utf8'))?.[1];
    if (uri) return uri;
  }
  if (existsSync('/etc/apt/sources.list')) {
    const uri = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+\s+main/m.exec(readFileSync('/etc/apt/sources.list', 'utf8'))?.[1];
    if (uri) return uri;
  }
  return 'http://deb.debian.org/debian';
}

/** Build the base into the daemon behind `env` (debootstrap needs root, as in CI). */
export async function buildBase(env: NodeJS.ProcessEnv, scratch: string, label: string, log: (l: string) => void): Promise<void> {
  const rootfs = path.join(scratch, 'rootfs');
  await rm(rootfs, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const mirror = debianMirror();
  log(`debootstrap --variant=minbase ${SUITE} from ${mirror} (1–4 min)`);
  await run('debootstrap', ['--variant=minbase', `--include=${INCLUDE.join(',')}`, SUITE, rootfs, mirror]);
  // apt inside image builds uses the same mirror; no caches or package lists in the layer.
  await writeFile(path.join(rootfs, 'etc/apt/sources.list'), `deb ${mirror} ${SUITE} main\n`);
  await pipeline(`rm -rf ${sh(rootfs)}/var/cache/apt/archives/*.deb ${sh(rootfs)}/var/lib/apt/lists/*`);
  await pipeline(
    `tar -C ${sh(rootfs)} -c . | docker import --change 'CMD ["/bin/bash"]' --change ${sh(`LABEL org.legacy-to-k8s.stand-in-key=${label}`)} - ${sh(BASE_IMAGE)}`,
    { env },
  );
  await rm(rootfs, { recursive: true, force: true });
}

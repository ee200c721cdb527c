// Debian bookworm root filesystems made with `debootstrap --variant=minbase`, from the mirror apt on
// this machine already uses (no image registry needed). Cached as `<name>.tar.zst` (numeric owners).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { cached, hashFiles, keyText } from './cache.ts';
import { KindEnvironmentError } from './dockerd.ts';
import { workDir } from './paths.ts';
import { q, run, sh } from './run.ts';

export const SUITE = 'bookworm';

export interface RootfsSpec {
  name: string;
  packages: readonly string[];
}

/** The node image's OS: systemd, the tools kubelet/kubeadm/containerd call, runc and the CNI plugins. */
export const KIND_BASE_ROOTFS: RootfsSpec = {
  name: 'rootfs-kind-base',
  packages: [
    'systemd',
    'conntrack',
    'iptables',
    'nftables',
    'iproute2',
    'ethtool',
    'util-linux',
    'mount',
    'kmod',
    'libseccomp2',
    'pigz',
    'e2fsprogs',
    'bash',
    'ca-certificates',
    'curl',
    'jq',
    'procps',
    'runc',
    'containernetworking-plugins',
  ],
};

/** A small glibc userland: base of kube-proxy (iptables, conntrack), the kindnetd stand-in and the Node image. */
export const TOOLS_ROOTFS: RootfsSpec = {
  name: 'rootfs-tools',
  packages: ['iptables', 'conntrack', 'iproute2', 'curl', 'jq', 'ca-certificates'],
};

/** The first Debian mirror apt is configured with (deb822 or one-line format). */
export function debianMirror(): string {
  const deb822 = '/etc/apt/sources.list.d/debian.sources';
  if (existsSync(deb822)) {
    const m = /^URIs:\s*(\S+)/m.exec(readFileSync(deb822, 'utf8'));
    if (m?.[1]) return m[1];
  }
  const list = '/etc/apt/sources.list';
  if (existsSync(list)) {
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm/m.exec(readFileSync(list, 'utf8'));
    if (m?.[1]) return m[1];
  }
  return 'http://deb.debian.org/debian';
}

async function unmountUnder(dir: string): Promise<void> {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run('umount', ['-l', p]).catch(() => {});
}

/** A fresh debootstrap tree in the work dir (the caller tars it). Also used by the kind base image. */
export async function debootstrap(spec: RootfsSpec, dir: string): Promise<void> {
  if (process.getuid?.() !== 0) throw new KindEnvironmentError('debootstrap needs root (it creates device nodes and chroots).');
  if (!existsSync('/usr/sbin/debootstrap')) throw new KindEnvironmentError('debootstrap not found (apt-get install debootstrap).');
  await unmountUnder(dir);
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  try {
    await run('/usr/sbin/debootstrap', ['--variant=minbase', `--include=${spec.packages.join(',')}`, SUITE, dir, debianMirror()]);
  } finally {
    await unmountUnder(dir);
  }
  // Package caches and docs are dead weight in an image.
  await sh(`cd ${q(dir)} && rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* usr/share/doc/* usr/share/man/* usr/share/locale/*`);
}

export function rootfsKey(spec: RootfsSpec): string {
  return keyText({
    artifact: spec.name,
    suite: SUITE,
    packages: [...spec.packages].sort(),
    mirror: debianMirror(),
    scripts: hashFiles('scripts/kind/rootfs.ts'),
  });
}

/** `<artifactDir>/<name>.tar.zst`: the tree after debootstrap, for `docker import` or further building. */
export async function ensureRootfsTarball(spec: RootfsSpec): Promise<string> {
  return cached(`${spec.name}.tar.zst`, rootfsKey(spec), async (tmp) => {
    const tree = path.join(workDir(), spec.name);
    await debootstrap(spec, tree);
    await sh(`tar --numeric-owner -C ${q(tree)} -cf - . | zstd -q -3 -T0 -o ${q(tmp)}`);
    await rm(tree, { recursive: true, force: true });
  });
}

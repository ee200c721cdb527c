// The kind node image for KUBE_VERSION, built with no registry: kind's base image from a debootstrap
// tree, one small image per component (tagged exactly as kubeadm and kind ask for them), then
// `kind build node-image --type file` on a Kubernetes "release tarball" that holds every image, so
// kind pulls nothing. Cached as `docker save | zstd` and `docker load`ed on warm runs.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureBinaries } from '../control-plane/build.ts';
import { binPath } from '../control-plane/paths.ts';
import { KUBE_VERSION } from '../control-plane/versions.ts';
import { ensureToolsImage, hasImage, TOOLS_IMAGE } from './base-images.ts';
import { artifactPath, cached, fmtMs, hashFiles, isFresh, keyText, log, readKey, steps } from './cache.ts';
import { type PrivateDockerd } from './dockerd.ts';
import { containerdBins, corednsBin, crictlBin, kindCli, localPathBin, moduleDir, nodeBins, pauseBin } from './go-builds.ts';
import { kindFilesDir, workDir } from './paths.ts';
import { KIND_BASE_ROOTFS, TOOLS_ROOTFS, ensureRootfsTarball } from './rootfs.ts';
import { q, run, sh } from './run.ts';
import { KIND_VERSION, NODE_IMAGE_REPO } from './versions.ts';

export const NODE_IMAGE = `${NODE_IMAGE_REPO}:${KUBE_VERSION}`;
const KIND_BASE_IMAGE = 'workshop-kindbase:bookworm';
const ARTIFACT = 'node-image.tar.zst';
const SCRIPTS = [
  'scripts/kind/node-image.ts',
  'scripts/kind/base-images.ts',
  'scripts/kind/files/kind-base.sh',
  'scripts/kind/files/kindnetd',
  'scripts/kind/files/retag-tarball-images.py',
];

/** Everything the node image is made of; computed from the inputs' own keys so any change rebuilds it. */
async function nodeImageKey(inputs: string[]): Promise<string> {
  const keys = await Promise.all(inputs.map(async (n) => `${n}: ${(await readKey(n)) ?? 'missing'}`));
  return keyText({ artifact: ARTIFACT, image: NODE_IMAGE, kind: KIND_VERSION, inputs: hashOf(keys.join('\n')), scripts: hashFiles(...SCRIPTS) });
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Images kind's node-image build expects besides kubeadm's: its CNI and storage images (module constants). */
async function kindAddonImages(kindDir: string): Promise<{ kindnetd: string; provisioner: string; helper: string }> {
  const cni = await readFile(path.join(kindDir, 'pkg/build/nodeimage/const_cni.go'), 'utf8');
  const storage = await readFile(path.join(kindDir, 'pkg/build/nodeimage/const_storage.go'), 'utf8');
  const konst = (src: string, name: string): string => {
    const m = new RegExp(`${name}\\s*=\\s*"([^"]+)"`).exec(src);
    if (!m?.[1]) throw new Error(`kind ${KIND_VERSION}: constant ${name} not found; did the node-image layout change?`);
    return m[1];
  };
  return {
    kindnetd: konst(cni, 'kindnetdImage'),
    provisioner: konst(storage, 'storageProvisionerImage'),
    helper: konst(storage, 'storageHelperImage'),
  };
}

/** kind's containerd runs pods with this pause image instead of kubeadm's. */
async function sandboxImage(kindDir: string): Promise<string> {
  const toml = await readFile(path.join(kindDir, 'images/base/files/etc/containerd/config.toml'), 'utf8');
  const m = /sandbox_image\s*=\s*"([^"]+)"/.exec(toml);
  if (!m?.[1]) throw new Error(`kind ${KIND_VERSION}: no sandbox_image in its containerd config`);
  return m[1];
}

/** One small image: a Dockerfile plus the files it copies, in a throwaway context dir. */
async function buildImage(d: PrivateDockerd, tag: string, dockerfile: string, files: Record<string, string>): Promise<void> {
  const ctx = path.join(workDir(), 'ctx', tag.replace(/[^a-zA-Z0-9.-]+/g, '_'));
  await rm(ctx, { recursive: true, force: true });
  await mkdir(ctx, { recursive: true });
  for (const [name, src] of Object.entries(files)) await copyFile(src, path.join(ctx, name));
  await writeFile(path.join(ctx, 'Dockerfile'), dockerfile);
  await d.docker(['build', '-q', '-t', tag, ctx]);
  await rm(ctx, { recursive: true, force: true });
}

export async function buildKindBaseImage(d: PrivateDockerd, kindDir: string, containerdDir: string, crictl: string): Promise<void> {
  const started = Date.now();
  const tarball = await ensureRootfsTarball(KIND_BASE_ROOTFS);
  const tree = path.join(workDir(), 'kind-base-tree');
  await rm(tree, { recursive: true, force: true });
  await mkdir(tree, { recursive: true });
  try {
    await sh(`zstd -q -dc ${q(tarball)} | tar --numeric-owner -C ${q(tree)} -xf -`);
    await run('/bin/sh', [path.join(kindFilesDir, 'kind-base.sh'), tree, path.join(kindDir, 'images/base/files'), containerdDir, crictl]);
    const raw = `${KIND_BASE_IMAGE}-raw`;
    await sh(
      `tar --numeric-owner -C ${q(tree)} -cf - . | docker import --change 'ENV container=docker' ` +
        `--change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' - ${q(raw)} >/dev/null`,
      { env: d.env },
    );
    // `docker import --change` rejects STOPSIGNAL; systemd needs SIGRTMIN+3 to shut down cleanly.
    await buildImage(d, KIND_BASE_IMAGE, `FROM ${raw}\nSTOPSIGNAL SIGRTMIN+3\n`, {});
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
  steps.push({ name: KIND_BASE_IMAGE, result: 'built', ms: Date.now() - started });
}

interface Bins {
  nodeDir: string;
  containerdDir: string;
  crictl: string;
  coredns: string;
  localPath: string;
  pause: string;
  kind: string;
}

/** Go builds (CPU) and debootstraps (network, dpkg) at the same time. */
async function buildInputs(): Promise<Bins> {
  const rootfs = Promise.all([ensureRootfsTarball(TOOLS_ROOTFS), ensureRootfsTarball(KIND_BASE_ROOTFS)]);
  // One compile at a time: two of them on 2 cores only fight over the CPU and the build cache.
  await ensureBinaries();
  const kind = await kindCli();
  const nodeDir = await nodeBins();
  const containerdDir = await containerdBins();
  const crictl = await crictlBin();
  const coredns = await corednsBin();
  const localPath = await localPathBin();
  const pause = await pauseBin();
  await rootfs;
  return { nodeDir, containerdDir, crictl, coredns, localPath, pause, kind };
}

const INPUTS = [
  `${TOOLS_ROOTFS.name}.tar.zst`,
  `${KIND_BASE_ROOTFS.name}.tar.zst`,
  'kind-cli',
  'node-bin',
  'containerd-bin',
  'crictl-bin',
  'coredns-bin',
  'local-path-bin',
  'pause-bin',
];

/** The kind CLI path (built if missing). */
export { kindCli };

/**
 * Make NODE_IMAGE present in the private dockerd: already there, `docker load` of the cached tarball,
 * or a full build (cold: tens of minutes, dominated by Go). Returns the image name.
 */
export async function ensureNodeImage(d: PrivateDockerd): Promise<string> {
  const bins = await buildInputs();
  const key = await nodeImageKey(INPUTS);
  if (isFresh(ARTIFACT, key)) {
    if (!(await hasImage(d, NODE_IMAGE))) {
      const started = Date.now();
      await sh(`zstd -q -dc ${q(artifactPath(ARTIFACT))} | docker load -q >/dev/null`, { env: d.env });
      steps.push({ name: NODE_IMAGE, result: 'loaded', ms: Date.now() - started });
      log(`${NODE_IMAGE}: loaded from the cache in ${fmtMs(Date.now() - started)}`);
    }
    steps.push({ name: ARTIFACT, result: 'cached', ms: 0 });
    return NODE_IMAGE;
  }
  await cached(ARTIFACT, key, async (tmp) => {
    await buildNodeImage(d, bins);
    await sh(`docker save ${q(NODE_IMAGE)} | zstd -q -3 -T0 -o ${q(tmp)}`, { env: d.env });
  });
  return NODE_IMAGE;
}

async function buildNodeImage(d: PrivateDockerd, bins: Bins): Promise<void> {
  const kindDir = await moduleDir(`sigs.k8s.io/kind@${KIND_VERSION}`);
  await ensureToolsImage(d);
  await buildKindBaseImage(d, kindDir, bins.containerdDir, bins.crictl);

  // What kubeadm will ask the node for, straight from kubeadm.
  const kubeadm = path.join(bins.nodeDir, 'kubeadm');
  const list = (await run(kubeadm, ['config', 'images', 'list', '--kubernetes-version', KUBE_VERSION], { capture: true }))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const pick = (component: string): string => {
    const ref = list.find((r) => r.split('/').pop()?.split(':')[0] === component);
    if (!ref) throw new Error(`kubeadm ${KUBE_VERSION} lists no ${component} image (got: ${list.join(', ')})`);
    return ref;
  };
  const addons = await kindAddonImages(kindDir);
  const sandbox = await sandboxImage(kindDir);
  const onPath = (bin: string, src: string) => ({ dockerfile: `FROM ${TOOLS_IMAGE}\nCOPY ${bin} /usr/local/bin/${bin}\n`, files: { [bin]: src } });
  const images: { tag: string; dockerfile: string; files: Record<string, string> }[] = [
    ...(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const).map((c) => ({ tag: pick(c), ...onPath(c, binPath(c)) })),
    { tag: pick('kube-proxy'), ...onPath('kube-proxy', path.join(bins.nodeDir, 'kube-proxy')) },
    { tag: pick('etcd'), ...onPath('etcd', binPath('etcd')) },
    { tag: pick('coredns'), dockerfile: `FROM ${TOOLS_IMAGE}\nCOPY coredns /coredns\nENTRYPOINT ["/coredns"]\n`, files: { coredns: bins.coredns } },
    { tag: sandbox, dockerfile: 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n', files: { pause: bins.pause } },
    {
      tag: addons.kindnetd,
      dockerfile: `FROM ${TOOLS_IMAGE}\nCOPY kindnetd /bin/kindnetd\nCMD ["/bin/kindnetd"]\n`,
      files: { kindnetd: path.join(kindFilesDir, 'kindnetd') },
    },
    { tag: addons.provisioner, ...onPath('local-path-provisioner', bins.localPath) },
    // The helper only runs sh, mkdir and rm in a pod to create and delete volume folders.
    { tag: addons.helper, dockerfile: `FROM ${TOOLS_IMAGE}\n`, files: {} },
  ];
  let started = Date.now();
  for (const img of images) await buildImage(d, img.tag, img.dockerfile, img.files);
  steps.push({ name: `${images.length} component images`, result: 'built', ms: Date.now() - started });

  // A release tarball kind accepts: kubernetes/{version,server/bin/{kubeadm,kubelet,kubectl,*.tar}}.
  started = Date.now();
  const root = path.join(workDir(), 'k8s-tarball');
  const serverBin = path.join(root, 'kubernetes/server/bin');
  await rm(root, { recursive: true, force: true });
  await mkdir(serverBin, { recursive: true });
  try {
    await writeFile(path.join(root, 'kubernetes/version'), `${KUBE_VERSION}\n`);
    for (const b of ['kubeadm', 'kubelet', 'kubectl']) await copyFile(path.join(bins.nodeDir, b), path.join(serverBin, b));
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      await d.docker(['save', '-o', path.join(serverBin, `${c}.tar`), pick(c)]);
    }
    // Every other image rides in kube-proxy.tar, so kind counts them all as "built" and fetches nothing.
    const extra = images.map((i) => i.tag).filter((t) => !['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].some((c) => t === pick(c)));
    const proxyTar = path.join(serverBin, 'kube-proxy.tar');
    await d.docker(['save', '-o', proxyTar, ...extra]);
    await run('python3', [path.join(kindFilesDir, 'retag-tarball-images.py'), proxyTar]);
    const tgz = path.join(root, 'kubernetes-server-linux-amd64.tar.gz');
    await sh(`tar -C ${q(root)} -cf - kubernetes | gzip -1 > ${q(tgz)}`);
    await run(bins.kind, ['build', 'node-image', '--type', 'file', '--base-image', KIND_BASE_IMAGE, '--image', NODE_IMAGE, tgz], {
      env: d.env,
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  if (!existsSync(artifactPath(ARTIFACT)) && !(await hasImage(d, NODE_IMAGE))) throw new Error(`kind build node-image did not produce ${NODE_IMAGE}`);
  steps.push({ name: `${NODE_IMAGE} (kind build node-image)`, result: 'built', ms: Date.now() - started });
}

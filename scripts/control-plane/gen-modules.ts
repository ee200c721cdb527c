// Regenerates controlplane/k8s/go.mod and controlplane/etcd/go.mod (+ go.sum) from the pins in versions.ts.
// Run it only when bumping a version; its output is committed, and build.ts only reads it.
//
// Why generate: k8s.io/kubernetes requires each staging repo (k8s.io/api, k8s.io/client-go, …) at the
// fake version v0.0.0 and maps it to ./staging with `replace`. Replace lines only count in the main
// module, so as a dependency every one of them must be re-replaced with the published v0.<minor>.<patch>
// tag. The list changes between releases (1.36 added cri-streaming and streaming), so we read it from
// upstream's own go.mod instead of copying it by hand.
//
//   npx tsx scripts/control-plane/gen-modules.ts
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { goBinary, runCmd } from './run-cmd.ts';
import { ETCD_VERSION, KUBE_VERSION, stagingVersion } from './versions.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const k8sModuleDir = path.join(repoRoot, 'controlplane/k8s');
export const etcdModuleDir = path.join(repoRoot, 'controlplane/etcd');

export const K8S_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
/**
 * The node's commands, built from the same module for the real-kind tier's node image (scripts/kind/).
 * They are not `tool` directives, so go.mod stays what the control plane needs; but go.sum must hold
 * the hashes of the extra modules they import (kubectl's cli-runtime, kubeadm's corefile-migration, …),
 * or `go build` fails with "missing go.sum entry".
 */
export const NODE_COMMANDS = ['kubelet', 'kubeadm', 'kubectl', 'kube-proxy'] as const;
/** The build tags build.ts uses; they decide which files (and so which imports) count. */
export const K8S_BUILD_TAGS = 'selinux,notest';

/** Modules that upstream's go.mod requires at v0.0.0, i.e. the staging repos that need a replace. */
export function stagingModules(goMod: string): string[] {
  const mods = new Set<string>();
  for (const raw of goMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    // Both forms: inside a `require (` block, and a single `require mod v0.0.0` line.
    const m = /^(?:require\s+)?(k8s\.io\/\S+)\s+v0\.0\.0$/.exec(line);
    if (m?.[1]) mods.add(m[1]);
  }
  return [...mods].sort();
}

/** The `godebug default=…` setting upstream pins; dependency godebug lines are ignored, so we copy it. */
export function godebugDefault(goMod: string): string | undefined {
  return /^godebug\s+(default=\S+)/m.exec(goMod)?.[1];
}

async function genK8s(): Promise<void> {
  const dir = k8sModuleDir;
  await rm(path.join(dir, 'go.mod'), { force: true });
  await rm(path.join(dir, 'go.sum'), { force: true });
  await runCmd(goBinary(), ['mod', 'init', 'legacy-to-k8s.local/controlplane/k8s'], { cwd: dir });
  const info = JSON.parse(await runCmd(goBinary(), ['mod', 'download', '-json', `k8s.io/kubernetes@${KUBE_VERSION}`], { cwd: dir, capture: true })) as {
    GoMod: string;
    GoVersion?: string;
  };
  const upstream = await readFile(info.GoMod, 'utf8');
  const goLine = /^go\s+(\S+)/m.exec(upstream)?.[1];
  const staging = stagingModules(upstream);
  if (staging.length < 20) throw new Error(`only ${staging.length} staging modules found in ${info.GoMod}; parser broken?`);
  const sv = stagingVersion(KUBE_VERSION);
  console.log(`k8s.io/kubernetes ${KUBE_VERSION}: ${staging.length} staging modules → ${sv}`);
  const edits = staging.map((m) => `-replace=${m}=${m}@${sv}`);
  if (goLine) edits.push(`-go=${goLine}`);
  const gd = godebugDefault(upstream);
  if (gd) edits.push(`-godebug=${gd}`);
  await runCmd(goBinary(), ['mod', 'edit', ...edits], { cwd: dir });
  // `tool` directives (Go ≥1.24) keep the requirement in go.mod without a tools.go file.
  await runCmd(goBinary(), ['get', '-tool', ...K8S_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}@${KUBE_VERSION}`)], { cwd: dir });
  await runCmd(goBinary(), ['mod', 'tidy'], { cwd: dir });
  // After tidy (which would drop them again): -mod=mod lets `go list` record the node commands' go.sum
  // entries. go.mod does not change (checked: same file before and after).
  await runCmd(goBinary(), ['list', '-mod=mod', `-tags=${K8S_BUILD_TAGS}`, '-deps', ...NODE_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`)], {
    cwd: dir,
    capture: true,
  });
}

async function genEtcd(): Promise<void> {
  // A module of its own so etcd's grpc/otel versions and Kubernetes' never influence each other (MVS).
  const dir = etcdModuleDir;
  await rm(path.join(dir, 'go.mod'), { force: true });
  await rm(path.join(dir, 'go.sum'), { force: true });
  await runCmd(goBinary(), ['mod', 'init', 'legacy-to-k8s.local/controlplane/etcd'], { cwd: dir });
  // `go mod init` writes the local patch version; any Go 1.26.x can build this.
  await runCmd(goBinary(), ['mod', 'edit', '-go=1.26.0'], { cwd: dir });
  await runCmd(goBinary(), ['get', '-tool', `go.etcd.io/etcd/server/v3@${ETCD_VERSION}`], { cwd: dir });
  await runCmd(goBinary(), ['mod', 'tidy'], { cwd: dir });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const which = process.argv[2] ?? 'all';
  if (which === 'all' || which === 'k8s') await genK8s();
  if (which === 'all' || which === 'etcd') await genEtcd();
}

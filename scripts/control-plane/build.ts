// Builds the control-plane binaries into the version-keyed cache (see paths.ts) if any is missing.
// Used by CI and by the harness; a warm run costs a few stat() calls.
//
//   npx tsx scripts/control-plane/build.ts          # build what is missing
//   npx tsx scripts/control-plane/build.ts --force  # rebuild everything
//
// kube-* come from controlplane/k8s (k8s.io/kubernetes as a dependency), etcd from controlplane/etcd,
// kwok from `go install` at a pinned version (its go.mod has no replace lines, so that just works).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { goBinary, runCmd } from './run-cmd.ts';
import { BINARIES, type BinaryName, binDir, binPath, kwokStagesPath, repoRoot } from './paths.ts';
import { ETCD_VERSION, KUBE_VERSION, KWOK_VERSION } from './versions.ts';

const log = (msg: string): void => console.log(`[control-plane build] ${msg}`);

function fmt(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The version each binary was built at, so bumping etcd or kwok alone rebuilds just that one. */
function wantedVersion(name: BinaryName): string {
  if (name === 'etcd') return ETCD_VERSION;
  if (name === 'kwok') return KWOK_VERSION;
  return KUBE_VERSION;
}

const stampPath = (): string => path.join(binDir(), 'versions.json');

async function readStamp(): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(stampPath(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

export async function missingBinaries(): Promise<BinaryName[]> {
  const stamp = await readStamp();
  const missing: BinaryName[] = BINARIES.filter((b) => !existsSync(binPath(b)) || stamp[b] !== wantedVersion(b));
  if (!existsSync(kwokStagesPath()) && !missing.includes('kwok')) missing.push('kwok');
  return missing;
}

/** Same version stamping as upstream's hack/lib/version.sh, so /version reports v1.36.1, not v0.0.0-master. */
export function kubeLdflags(): string {
  const minor = KUBE_VERSION.split('.')[1] ?? '0';
  const vars: Record<string, string> = {
    gitVersion: KUBE_VERSION,
    gitMajor: '1',
    gitMinor: minor,
    gitTreeState: 'clean',
    // Fixed date: a changing -X value would force a relink on every build.
    buildDate: '1970-01-01T00:00:00Z',
  };
  const x = Object.entries(vars).flatMap(([k, v]) => [`-X k8s.io/component-base/version.${k}=${v}`, `-X k8s.io/client-go/pkg/version.${k}=${v}`]);
  return ['-s', '-w', ...x].join(' ');
}

/** Run `go …` and print a heartbeat every 30 s, because a cold kube-apiserver compile is silent for ~10 min. */
function goWithProgress(what: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
  const started = Date.now();
  log(`${what}: go ${args.slice(0, 2).join(' ')} … (cwd ${path.relative(repoRoot, cwd) || '.'})`);
  return new Promise((resolve, reject) => {
    const child = spawn(goBinary(), args, {
      cwd,
      // CGO off like upstream's static kube binaries; no C toolchain needed. No VCS stamping: the main
      // modules are ours and carry no information worth a `git` call (and CI may have a shallow clone).
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim(), ...extraEnv },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const timer = setInterval(() => log(`${what}: still building, ${fmt(Date.now() - started)} elapsed`), 30_000);
    const onSignal = (): void => {
      child.kill('SIGTERM');
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (code === 0) {
        log(`${what}: done in ${fmt(Date.now() - started)}`);
        resolve();
      } else reject(new Error(`${what}: go ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

async function buildOne(name: BinaryName): Promise<void> {
  const dest = binPath(name);
  // Build to a temp name and rename, so an interrupted build never leaves a half binary that counts as present.
  const tmp = `${dest}.tmp-${process.pid}`;
  try {
    if (name === 'etcd') {
      await goWithProgress(name, ['build', '-trimpath', '-ldflags=-s -w', '-o', tmp, 'go.etcd.io/etcd/server/v3'], path.join(repoRoot, 'controlplane/etcd'));
    } else if (name === 'kwok') {
      // go install has no -o; install into a private dir and move the result.
      const gobin = `${tmp}.d`;
      await mkdir(gobin, { recursive: true });
      await goWithProgress(name, ['install', '-trimpath', '-ldflags=-s -w', `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`], repoRoot, {
        GOBIN: gobin,
      });
      await rename(path.join(gobin, 'kwok'), tmp);
      await rm(gobin, { recursive: true, force: true });
      await writeKwokStages();
    } else {
      await goWithProgress(
        name,
        ['build', '-trimpath', '-tags=selinux,notest', `-ldflags=${kubeLdflags()}`, '-o', tmp, `k8s.io/kubernetes/cmd/${name}`],
        path.join(repoRoot, 'controlplane/k8s'),
      );
    }
    await rename(tmp, dest);
    const stamp = await readStamp();
    stamp[name] = wantedVersion(name);
    await writeFile(stampPath(), `${JSON.stringify(stamp, null, 2)}\n`);
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * kwok does nothing without Stage objects. Upstream's default set (what kwokctl uses) ships inside the
 * kwok module; copy it next to the binary so the harness does not depend on GOMODCACHE staying around.
 */
async function writeKwokStages(): Promise<void> {
  const out = await runCmd(goBinary(), ['mod', 'download', '-json', `sigs.k8s.io/kwok@${KWOK_VERSION}`], {
    cwd: repoRoot,
    capture: true,
  });
  const dir = (JSON.parse(out) as { Dir: string }).Dir;
  const files = [
    'kustomize/stage/node/fast/node-initialize.yaml',
    'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
    'kustomize/stage/pod/fast/pod-ready.yaml',
    'kustomize/stage/pod/fast/pod-complete.yaml',
    'kustomize/stage/pod/fast/pod-delete.yaml',
  ];
  const docs = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
  await writeFile(kwokStagesPath(), `${docs.map((d) => d.trim()).join('\n---\n')}\n`);
}

/** kwok v0.8.0 and k8s 1.36 declare `go 1.26.0`; an older go would try to download a toolchain and fail here. */
async function assertGoVersion(): Promise<void> {
  const v = (await runCmd(goBinary(), ['env', 'GOVERSION'], { capture: true })).trim();
  const m = /^go1\.(\d+)/.exec(v);
  if (!m || Number(m[1]) < 26) {
    throw new Error(`need Go >= 1.26 to build the control plane, found ${v || 'unknown'} (${goBinary()})`);
  }
}

export async function ensureBinaries(opts: { force?: boolean } = {}): Promise<void> {
  await mkdir(binDir(), { recursive: true });
  const todo = opts.force ? [...BINARIES] : await missingBinaries();
  if (todo.length === 0) {
    log(`all binaries present in ${binDir()}`);
    return;
  }
  await assertGoVersion();
  const started = Date.now();
  log(`building ${todo.join(', ')} into ${binDir()} (cold build: ~15-30 min on 2 cores)`);
  // One at a time: kube-* share most packages, so the 2nd and 3rd reuse the build cache of the 1st,
  // and a parallel link of two ~100 MB binaries would only fight over 2 cores.
  for (const [i, name] of todo.entries()) {
    log(`[${i + 1}/${todo.length}] ${name}`);
    await buildOne(name);
  }
  log(`all done in ${fmt(Date.now() - started)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await ensureBinaries({ force: process.argv.includes('--force') });
  } catch (err) {
    console.error(`[control-plane build] ${(err as Error).message}`);
    process.exit(1);
  }
}

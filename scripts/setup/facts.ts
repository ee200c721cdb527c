// What the doctor looks at, gathered once: the only impure half of the doctor.
// doctor.ts turns these facts into ✔/✖/▲ items; tests feed it facts directly.
import fs from 'node:fs';
import os from 'node:os';
import { CLUSTER_NAME, CONTROL_PLANE_CONTAINER, PORTS, type PortUse } from './constants.ts';
import { find, run } from './exec.ts';
import { loadImages } from './images.ts';
import { parseDockerPort, portState, type PortState } from './ports.ts';
import { parseKindVersion, parseKubectlVersion } from './versions.ts';

export interface DockerEngine {
  serverVersion: string;
  /** "Docker Desktop", "Ubuntu 24.04.2 LTS", "OrbStack"… */
  os: string;
  arch: string;
  memTotal: number;
  ncpu: number;
  rootDir: string;
}

export type EngineProblem = { kind: 'not-running' | 'permission' | 'timeout' | 'other'; detail: string };

export interface Tool {
  path: string;
  /** Absent when the tool runs but prints something we cannot read. */
  version?: string;
}

export interface Facts {
  os: { platform: NodeJS.Platform; release: string; arch: string };
  node: string;
  docker: { cli?: Tool; engine?: DockerEngine; engineProblem?: EngineProblem };
  kind?: Tool;
  kubectl?: Tool;
  /** Whether kind already has the workshop cluster, and which host ports its control plane publishes. */
  cluster: { exists: boolean; hostPorts: number[] };
  ports: (PortUse & PortState)[];
  memory: { total: number; free: number };
  /** Free space where Docker keeps images (`docker: true`), or in the home folder when that is out of reach. */
  disk?: { path: string; free: number; docker: boolean };
  /** Linux only: fs.inotify.max_user_instances, which three kind nodes can exhaust. */
  inotifyInstances?: number;
  /** The pinned node image, for the kubectl version skew check. */
  nodeImage: string;
}

/** Why `docker info` failed, in the terms a learner can act on. */
export function classifyEngineProblem(stderr: string, timedOut: boolean): EngineProblem {
  const detail = stderr.trim().split('\n').filter(Boolean).pop() ?? '';
  if (timedOut) return { kind: 'timeout', detail: 'docker info did not answer within 20 s' };
  if (/permission denied/i.test(stderr)) return { kind: 'permission', detail };
  if (
    /cannot connect to the docker daemon|is the docker daemon running|error during connect|docker_engine|failed to connect to the docker API|no such file or directory/i.test(
      stderr,
    )
  ) {
    return { kind: 'not-running', detail };
  }
  return { kind: 'other', detail };
}

async function tool(cmd: string, args: string[], parse: (out: string) => string | undefined): Promise<Tool | undefined> {
  const path = await find(cmd);
  if (!path) return undefined;
  const r = await run(cmd, args, 15_000);
  return { path, version: parse(`${r.stdout}\n${r.stderr}`) };
}

async function docker(): Promise<Facts['docker']> {
  const path = await find('docker');
  if (!path) return {};
  // The client answers even without an engine; `docker info` is what needs the engine.
  const [client, info] = await Promise.all([
    run('docker', ['version', '--format', '{{.Client.Version}}'], 15_000),
    run('docker', ['info', '--format', '{{json .}}'], 20_000),
  ]);
  const cli = { path, version: client.stdout.trim().split('\n')[0] || undefined };
  if (info.ok) {
    try {
      const j = JSON.parse(info.stdout) as Record<string, unknown>;
      if (j.ServerVersion) {
        return {
          cli,
          engine: {
            serverVersion: String(j.ServerVersion),
            os: String(j.OperatingSystem ?? ''),
            arch: String(j.Architecture ?? ''),
            memTotal: Number(j.MemTotal ?? 0),
            ncpu: Number(j.NCPU ?? 0),
            rootDir: String(j.DockerRootDir ?? ''),
          },
        };
      }
    } catch {
      // Not JSON: report it as an engine we could not read.
    }
  }
  return { cli, engineProblem: classifyEngineProblem(info.stderr || info.stdout, info.code === null) };
}

async function workshopCluster(canAsk: boolean): Promise<Facts['cluster']> {
  if (!canAsk) return { exists: false, hostPorts: [] };
  const clusters = await run('kind', ['get', 'clusters'], 20_000);
  const exists = clusters.stdout
    .split('\n')
    .map((l) => l.trim())
    .includes(CLUSTER_NAME);
  if (!exists) return { exists, hostPorts: [] };
  const ports = await run('docker', ['port', CONTROL_PLANE_CONTAINER], 15_000);
  return { exists, hostPorts: parseDockerPort(ports.stdout) };
}

function diskFree(engine: DockerEngine | undefined): Facts['disk'] {
  // Native Linux Docker keeps images under its root dir on this disk; Docker Desktop keeps
  // them in a VM disk we cannot measure from here, so the home folder is the next best guess.
  const dockerDir = engine?.rootDir && fs.existsSync(engine.rootDir) ? engine.rootDir : undefined;
  const where = dockerDir ?? os.homedir();
  try {
    const s = fs.statfsSync(where);
    return { path: where, free: s.bavail * s.bsize, docker: Boolean(dockerDir) };
  } catch {
    return undefined;
  }
}

function inotifyInstances(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return Number(fs.readFileSync('/proc/sys/fs/inotify/max_user_instances', 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

export async function gatherFacts(): Promise<Facts> {
  const [dockerFacts, kind, kubectl] = await Promise.all([
    docker(),
    tool('kind', ['version'], parseKindVersion),
    tool('kubectl', ['version', '--client', '-o', 'json'], parseKubectlVersion),
  ]);
  const cluster = await workshopCluster(Boolean(kind && dockerFacts.engine));
  const ports: Facts['ports'] = [];
  // One at a time: each check binds the port for a moment.
  for (const p of PORTS) ports.push({ ...p, ...(await portState(p.port)) });
  return {
    os: { platform: process.platform, release: os.release(), arch: process.arch },
    node: process.versions.node,
    docker: dockerFacts,
    kind,
    kubectl,
    cluster,
    ports,
    memory: { total: os.totalmem(), free: os.freemem() },
    disk: diskFree(dockerFacts.engine),
    inotifyInstances: dockerFacts.engine?.os.includes('Docker Desktop') ? undefined : inotifyInstances(),
    nodeImage: loadImages().kindNode,
  };
}

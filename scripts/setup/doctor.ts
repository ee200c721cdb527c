// The doctor's judgement: facts in, ✔/✖/▲ items out. Pure, so every verdict and every
// message is tested without the tools installed. ✖ = setup cannot work (exit 2);
// ▲ = it will probably work, but here is what to watch.
import { INSTALL, MIN_FREE_DISK_GIB, MIN_FREE_MEMORY_GIB, MIN_INOTIFY_INSTANCES, MIN_NODE, RECOMMENDED_KIND } from './constants.ts';
import type { Facts } from './facts.ts';
import { gib, minorSkew, nodeImageKubernetesVersion, versionAtLeast } from './versions.ts';

export type Status = 'ok' | 'fail' | 'warn';

/** A problem in the house style: found, expected, why it matters, the exact next command. */
export interface Problem {
  title: string;
  found: string;
  expected: string;
  why: string;
  next: string;
  /** The official page for installing or starting the tool. */
  link?: string;
}

export interface Item {
  label: string;
  status: Status;
  detail: string;
  problem?: Problem;
}

const GiB = 1024 ** 3;

export function evaluate(f: Facts): Item[] {
  return [node(f), ...docker(f), kind(f), kubectl(f), ...f.ports.map((p) => port(f, p)), memory(f), disk(f), inotify(f)].filter((i): i is Item => Boolean(i));
}

export function requiredFailures(items: Item[]): Item[] {
  return items.filter((i) => i.status === 'fail');
}

/** Node 20's end of life (no more security releases); it still runs the workshop. */
const NODE_20_EOL = '2026-04-30';

function node(f: Facts): Item {
  if (versionAtLeast(f.node, MIN_NODE) && f.node.startsWith('20.') && new Date() >= new Date(NODE_20_EOL)) {
    return {
      label: 'Node.js',
      status: 'warn',
      detail: `${f.node} (works; past its end of life)`,
      problem: {
        title: `Node.js 20 is past its end of life (${NODE_20_EOL}).`,
        found: `node ${f.node}`,
        expected: 'Node 22 or 24 (LTS, still getting security fixes)',
        why: 'The workshop runs on Node 20, but it no longer gets security fixes, and the app image of lesson 06 uses Node 24.',
        next: 'nvm install 24 && nvm use 24   (or install Node 24 LTS), then npm install',
        link: INSTALL.node,
      },
    };
  }
  if (versionAtLeast(f.node, MIN_NODE)) return { label: 'Node.js', status: 'ok', detail: `${f.node} (needs ${MIN_NODE}+)` };
  return {
    label: 'Node.js',
    status: 'fail',
    detail: `${f.node} (needs ${MIN_NODE}+)`,
    problem: {
      title: `Node.js ${f.node} is too old.`,
      found: `node ${f.node}`,
      expected: `${MIN_NODE} or newer (22 and 24 are fine)`,
      why: 'The workshop tools load ES modules with require(), which Node gained in 20.19; older versions fail with confusing import errors.',
      next: 'nvm install 24 && nvm use 24   (or install Node 24 LTS), then npm install && npm run setup',
      link: INSTALL.node,
    },
  };
}

function docker(f: Facts): Item[] {
  const { cli, engine, engineProblem } = f.docker;
  if (!cli) {
    return [
      {
        label: 'docker CLI',
        status: 'fail',
        detail: 'not installed',
        problem: {
          title: 'Docker is not installed.',
          found: 'no `docker` command on your PATH',
          expected: 'Docker Desktop (macOS, Windows) or Docker Engine (Linux), running',
          why: 'kind runs each Kubernetes node as a Docker container: without Docker there is no cluster. (Lessons 01–05 can run without it: npm run services.)',
          next: `install Docker from ${INSTALL.docker}, start it, then npm run setup`,
          link: INSTALL.docker,
        },
      },
      { label: 'Docker engine', status: 'fail', detail: 'not checked (no docker CLI)' },
    ];
  }
  const cliItem: Item = { label: 'docker CLI', status: 'ok', detail: cli.version ?? 'installed (version unreadable)' };
  if (engine) {
    const where = [engine.os, engine.arch, engine.ncpu ? `${engine.ncpu} CPUs` : '', engine.memTotal ? gib(engine.memTotal) : ''].filter(Boolean).join(', ');
    return [cliItem, { label: 'Docker engine', status: 'ok', detail: `${engine.serverVersion} (${where})` }];
  }
  const p = engineProblem ?? { kind: 'other' as const, detail: '' };
  const desktop = f.os.platform === 'darwin' || f.os.platform === 'win32';
  const problems: Record<typeof p.kind, Problem> = {
    'not-running': {
      title: 'Docker is installed but its engine is not running.',
      found: `the docker command works, but \`docker info\` cannot reach the engine${p.detail ? `: ${p.detail}` : ''}`,
      expected: 'a running Docker engine (`docker info` prints a Server section)',
      why: 'kind creates the cluster by starting containers, and only the engine can start them.',
      next: desktop
        ? 'start Docker Desktop, wait until it says the engine is running, then npm run setup'
        : 'sudo systemctl start docker   (Docker Desktop: start the app), then npm run setup',
      link: INSTALL.dockerStart,
    },
    permission: {
      title: 'Docker is installed but you are not allowed to use its engine.',
      found: p.detail || 'permission denied on the Docker socket',
      expected: 'your user in the `docker` group (or Docker Desktop)',
      why: 'kind talks to the engine as you; without permission it cannot create the cluster. Running setup with sudo would leave root-owned files behind.',
      next: 'sudo usermod -aG docker $USER, log out and back in, then npm run setup',
      link: INSTALL.dockerPermissions,
    },
    timeout: {
      title: "Docker's engine did not answer.",
      found: p.detail,
      expected: '`docker info` answering within a few seconds',
      why: 'An engine that is still starting (or stuck) cannot create the cluster either.',
      next: desktop ? 'wait for Docker Desktop to finish starting (or restart it), then npm run setup' : 'sudo systemctl restart docker, then npm run setup',
      link: INSTALL.dockerStart,
    },
    other: {
      title: "Docker's engine answered with an error.",
      found: p.detail || '`docker info` failed',
      expected: '`docker info` to succeed',
      why: 'kind needs a working engine to create the cluster.',
      next: 'docker info   (read its error), fix it, then npm run setup',
      link: INSTALL.dockerStart,
    },
  };
  const detail = { 'not-running': 'not running', permission: 'permission denied', timeout: 'not answering', other: 'error' }[p.kind];
  return [cliItem, { label: 'Docker engine', status: 'fail', detail, problem: problems[p.kind] }];
}

function kind(f: Facts): Item {
  const mac = f.os.platform === 'darwin';
  if (!f.kind) {
    return {
      label: 'kind',
      status: 'fail',
      detail: 'not installed',
      problem: {
        title: 'kind is not installed.',
        found: 'no `kind` command on your PATH',
        expected: `kind v${RECOMMENDED_KIND} or newer`,
        why: 'kind ("Kubernetes in Docker") creates the workshop cluster from kind-config.yaml.',
        next: mac ? 'brew install kind, then npm run setup' : `install kind v${RECOMMENDED_KIND}+ from ${INSTALL.kind}, then npm run setup`,
        link: INSTALL.kind,
      },
    };
  }
  const v = f.kind.version;
  const pinned = nodeImageKubernetesVersion(f.nodeImage);
  // A newer kind has a newer default node image (v0.33: Kubernetes 1.37), but setup always
  // names the pinned one from kind-config.yaml, so every laptop still runs the same version.
  // kind supports a node image fully with the release it was built for, best effort with others.
  if (v && versionAtLeast(v, RECOMMENDED_KIND)) {
    const nextMinor = RECOMMENDED_KIND.replace(/^(\d+)\.(\d+)\..*$/, (_, major: string, minor: string) => `${major}.${Number(minor) + 1}.0`);
    const newer = pinned && versionAtLeast(v, nextMinor);
    return {
      label: 'kind',
      status: 'ok',
      detail: newer ? `v${v} (creates the pinned Kubernetes ${pinned}, built for kind v${RECOMMENDED_KIND}, not its own default)` : `v${v}`,
    };
  }
  return {
    label: 'kind',
    status: 'warn',
    detail: v ? `v${v} (v${RECOMMENDED_KIND}+ recommended)` : 'installed, version unreadable',
    problem: {
      title: v ? `kind v${v} is older than v${RECOMMENDED_KIND}.` : 'kind is installed but `kind version` printed no version.',
      found: v ? `kind v${v}` : '`kind version` output we could not read',
      expected: `kind v${RECOMMENDED_KIND} or newer`,
      why: `The pinned node image (${pinned ? `Kubernetes ${pinned}` : 'see images.yaml'}) was built for kind v${RECOMMENDED_KIND}; older releases may fail to start it.`,
      next: mac ? 'brew upgrade kind, then npm run setup' : `install kind v${RECOMMENDED_KIND}+ from ${INSTALL.kind}, then npm run setup`,
      link: INSTALL.kind,
    },
  };
}

function kubectl(f: Facts): Item {
  const mac = f.os.platform === 'darwin';
  if (!f.kubectl) {
    return {
      label: 'kubectl',
      status: 'fail',
      detail: 'not installed',
      problem: {
        title: 'kubectl is not installed.',
        found: 'no `kubectl` command on your PATH',
        expected: 'kubectl within one minor version of the cluster',
        why: 'Setup deploys the backing services with kubectl, and every lesson from 07 on uses it.',
        next: mac ? 'brew install kubectl, then npm run setup' : `install kubectl from ${INSTALL.kubectl}, then npm run setup`,
        link: INSTALL.kubectl,
      },
    };
  }
  const v = f.kubectl.version;
  const cluster = nodeImageKubernetesVersion(f.nodeImage);
  if (!v) return { label: 'kubectl', status: 'ok', detail: 'installed (version unreadable)' };
  const skew = cluster ? minorSkew(v, cluster) : 0;
  if (skew <= 1) return { label: 'kubectl', status: 'ok', detail: `v${v}` };
  return {
    label: 'kubectl',
    status: 'warn',
    detail: `v${v} (cluster runs ${cluster}${Number.isFinite(skew) ? `: ${skew} minor versions apart` : ''})`,
    problem: {
      title: `kubectl v${v} is far from the cluster's Kubernetes ${cluster}.`,
      found: `kubectl v${v}`,
      expected: `kubectl 1.${Number(cluster!.split('.')[1]) - 1} to 1.${Number(cluster!.split('.')[1]) + 1}`,
      why: 'kubectl supports one minor version of difference from the cluster; beyond that, some commands in later lessons fail or print odd errors.',
      next: mac ? 'brew upgrade kubectl   (Docker Desktop may ship an old one first on your PATH)' : `install a current kubectl from ${INSTALL.kubectl}`,
      link: INSTALL.kubectl,
    },
  };
}

export function whoHoldsPort(platform: NodeJS.Platform, port: number): string {
  if (platform === 'win32') return `netstat -ano | findstr :${port}`;
  if (platform === 'darwin') return `lsof -nP -iTCP:${port} -sTCP:LISTEN`;
  return `sudo ss -ltnp 'sport = :${port}'`;
}

function port(f: Facts, p: Facts['ports'][number]): Item {
  const label = `port ${p.port}`;
  if (p.state === 'free') return { label, status: 'ok', detail: `free · ${p.what}` };
  if (f.cluster.exists && f.cluster.hostPorts.includes(p.port)) return { label, status: 'ok', detail: `served by the workshop cluster · ${p.what}` };
  const usual: Record<number, string> = {
    5432: ' A local Postgres is the usual suspect: sudo systemctl stop postgresql, or brew services stop postgresql@17.',
    6379: ' A local Redis is the usual suspect: sudo systemctl stop redis-server, or brew services stop redis.',
    3000: ' Often a dev server, or the legacy app itself still running in another terminal.',
    80: ' Often a local web server (Apache, nginx) or another cluster.',
    443: ' Often a local web server (Apache, nginx) or another cluster.',
  };
  return {
    label,
    status: p.required ? 'fail' : 'warn',
    detail: `in use (${p.note}) · ${p.what}`,
    problem: {
      title: `Port ${p.port} (${p.what}) is already in use.`,
      found: `127.0.0.1:${p.port}: ${p.note}`,
      expected: p.required ? `free, so kind can publish ${p.what} there` : `free when you start the app in lesson 00`,
      why:
        (p.required
          ? `kind-config.yaml maps localhost:${p.port} into the cluster, and kind create cluster stops when a mapped port is taken.`
          : 'The legacy app always listens on 3000 (it is written into src/server.js).') + (usual[p.port] ?? ''),
      next: `${whoHoldsPort(f.os.platform, p.port)}   (shows the program), stop it, then npm run setup`,
    },
  };
}

function memory(f: Facts): Item {
  const { total, free } = f.memory;
  const dockerMem = f.docker.engine?.memTotal ?? 0;
  const detail = `${gib(total)} total, ${gib(free)} free${dockerMem ? `; Docker may use ${gib(dockerMem)}` : ''}`;
  const tight = free < MIN_FREE_MEMORY_GIB * GiB;
  const dockerTight = dockerMem > 0 && dockerMem < MIN_FREE_MEMORY_GIB * GiB;
  if (!tight && !dockerTight) return { label: 'memory', status: 'ok', detail };
  return {
    label: 'memory',
    status: 'warn',
    detail,
    problem: {
      title: dockerTight ? `Docker may use only ${gib(dockerMem)} of memory.` : `Only ${gib(free)} of memory is free.`,
      found: detail,
      expected: `at least ${MIN_FREE_MEMORY_GIB} GiB free${dockerTight ? ' for Docker' : ''}`,
      why: 'Three kind nodes, Postgres, Redis and Mailpit take roughly 2–3 GiB; later lessons add Prometheus and a log agent. Short on memory, pods get evicted and lessons fail for no reason of yours. (macOS counts cached memory as used, so this can look worse than it is.)',
      next: dockerTight
        ? 'Docker Desktop → Settings → Resources → Memory: 6 GB or more, Apply & restart, then npm run setup'
        : 'close what you do not need (browsers, IDE indexers), then npm run setup',
    },
  };
}

function disk(f: Facts): Item | undefined {
  if (!f.disk) return undefined;
  const where = f.disk.docker
    ? `at ${f.disk.path}`
    : `in your home folder (${f.docker.engine ? "Docker keeps its images in its VM's disk" : 'Docker did not say where it keeps images'})`;
  const detail = `${gib(f.disk.free)} free ${where}`;
  if (f.disk.free >= MIN_FREE_DISK_GIB * GiB) return { label: 'disk', status: 'ok', detail };
  return {
    label: 'disk',
    status: 'warn',
    detail,
    problem: {
      title: `Only ${gib(f.disk.free)} of disk is free for Docker.`,
      found: detail,
      expected: `at least ${MIN_FREE_DISK_GIB} GiB free`,
      why: 'The node image alone is about 1 GB, three nodes each keep a copy of every image, and lesson 06 builds your own. A full disk makes nodes evict pods.',
      next: 'docker system prune   (removes stopped containers and unused images), then npm run setup',
    },
  };
}

function inotify(f: Facts): Item | undefined {
  if (f.inotifyInstances === undefined) return undefined;
  const detail = `fs.inotify.max_user_instances = ${f.inotifyInstances}`;
  if (f.inotifyInstances >= MIN_INOTIFY_INSTANCES) return { label: 'inotify', status: 'ok', detail };
  return {
    label: 'inotify',
    status: 'warn',
    detail,
    problem: {
      title: 'Linux allows few inotify instances for three kind nodes.',
      found: detail,
      expected: `${MIN_INOTIFY_INSTANCES} or more (kind's own advice for several nodes)`,
      why: 'Every node runs a kubelet and containerd that watch files; below this limit pods fail with "too many open files", and the log agent of lesson 12 needs more still.',
      next: `sudo sysctl fs.inotify.max_user_instances=${MIN_INOTIFY_INSTANCES} fs.inotify.max_user_watches=524288, then npm run setup`,
    },
  };
}

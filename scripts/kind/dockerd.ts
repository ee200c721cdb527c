// A private Docker daemon for the real-kind tier: its own socket, containerd, data root, exec root and
// pidfile, so it never reads, reconfigures or stops any other Docker daemon, container or image on the
// machine. Everything it starts is stopped by PID: by stop(), on SIGINT/SIGTERM/SIGHUP (teardown.ts),
// and by a detached watchdog (dockerd-reaper.mjs) if this process dies without running its handlers.
//
//   const d = await startPrivateDockerd();   // d.env has DOCKER_HOST; kind and docker both honour it
//   await d.docker(['images']);
//   await d.stop();
//
// Flags, and why:
// - own containerd: dockerd 20.10 silently attaches to a system containerd at /run/containerd if one
//   runs, which would mix our containers with another daemon's.
// - --iptables=false --ip-masq=false: a second dockerd with iptables on rewrites the same DOCKER*
//   chains as the first and can break its port mappings. Published ports are then served by
//   docker-proxy on 127.0.0.1, which is all kind needs.
// - --bridge=none: no docker0 to collide with another daemon's; kind uses its own network (below).
// - runc-nosysres as default runtime: see scripts/kind/files/runc-nosysres (kind's --privileged nodes).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { copyFile, chmod, mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerdDataRoot, dockerdRunDir, kindFilesDir } from './paths.ts';
import { onTeardown } from './teardown.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const REAPER = path.join(here, 'dockerd-reaper.mjs');

/** The kind network: a fixed bridge name and subnet, so it is recognisable on the host and never random. */
export const KIND_NETWORK = { name: 'kind', bridge: 'l2kkind0', subnet: '172.30.0.0/24', gateway: '172.30.0.1' } as const;
const ADDRESS_POOL = 'base=172.30.0.0/16,size=24';
const RUNTIME = 'nosysres';

/** The machine lacks something we need (not the learner's fault): CLIs map it to exit 2. */
export class KindEnvironmentError extends Error {
  override name = 'KindEnvironmentError';
}

export interface PrivateDockerd {
  /** `unix:///tmp/l2k-dockerd-…/docker.sock`: what DOCKER_HOST must be for docker and kind. */
  host: string;
  /** process.env with DOCKER_HOST set and DOCKER_CONTEXT removed (a context would win over DOCKER_HOST). */
  env: NodeJS.ProcessEnv;
  pid: number;
  runDir: string;
  dataRoot: string;
  logFile: string;
  /** False when we attached to a daemon another command of ours started (reuse: true); stop() then does nothing. */
  owned: boolean;
  /** Run the docker CLI against this daemon; rejects with the command and its stderr tail on failure. */
  docker(args: string[], opts?: DockerRunOptions): Promise<string>;
  stop(): Promise<void>;
}

export interface DockerRunOptions {
  /** Return stdout instead of streaming it. Default true. */
  capture?: boolean;
  /** Feed this file to stdin (docker load -i is slower for zstd streams than a pipe). */
  stdinFile?: string;
  cwd?: string;
}

export interface StartOptions {
  /** If our daemon is already running (another `npm run kind:*`), use it instead of failing. Default false. */
  reuse?: boolean;
  log?: (line: string) => void;
  /** Budget for the daemon to answer /_ping. Default 60 s. */
  timeoutMs?: number;
}

export function privateDockerHost(runDir: string = dockerdRunDir()): string {
  return `unix://${path.join(runDir, 'docker.sock')}`;
}

export function dockerEnv(host: string = privateDockerHost()): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host };
  delete env.DOCKER_CONTEXT;
  return env;
}

function requireBinary(name: string, hint: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', ...(process.env.PATH ?? '').split(':')]) {
    const p = path.join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  throw new KindEnvironmentError(`${name} not found; the real-kind tier needs it (${hint}).`);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: socket, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Clean up after a run that died hard: stop its processes, unmount, remove its dirs. */
function cleanStale(runDir: string, dataRoot: string): void {
  spawnSync(process.execPath, [REAPER, 'clean', runDir, dataRoot], { stdio: 'inherit' });
}

function containerdConfig(runDir: string, dataRoot: string): string {
  // Only what dockerd needs from containerd; no CRI plugin (this containerd is not a Kubernetes node).
  return `version = 2
root = "${dataRoot}/containerd"
state = "${runDir}/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
oom_score = 0

[grpc]
  address = "${runDir}/containerd.sock"

[ttrpc]
  address = "${runDir}/containerd.sock.ttrpc"

[debug]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "${dataRoot}/containerd-opt"
`;
}

/** Spawn a daemon in its own process group: a Ctrl-C in the terminal must reach only us, so we can
 *  delete the cluster before the daemon goes away. */
function spawnDaemon(bin: string, args: string[], logFile: string): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    if (!child.pid) throw new KindEnvironmentError(`could not start ${bin}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, pid: number, logFile: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    if (!alive(pid)) throw new KindEnvironmentError(`${what} exited during start. Last lines of ${logFile}:\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new KindEnvironmentError(`${what} did not become ready within ${timeoutMs / 1000}s. Last lines of ${logFile}:\n${tail(logFile)}`);
}

export function runDocker(env: NodeJS.ProcessEnv, args: string[], opts: DockerRunOptions = {}): Promise<string> {
  const capture = opts.capture ?? true;
  return new Promise((resolve, reject) => {
    const stdin = opts.stdinFile ? openSync(opts.stdinFile, 'r') : 'ignore';
    const child = spawn('docker', args, { env, cwd: opts.cwd, stdio: [stdin, capture ? 'pipe' : 'inherit', 'pipe'] });
    if (typeof stdin === 'number') closeSync(stdin);
    let out = '';
    let err = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
      if (!capture) process.stderr.write(b);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`docker ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${err.trim().split('\n').slice(-5).join('\n')}`));
    });
  });
}

function handle(runDir: string, dataRoot: string, pid: number, owned: boolean, stop: () => Promise<void>): PrivateDockerd {
  const host = privateDockerHost(runDir);
  const env = dockerEnv(host);
  return {
    host,
    env,
    pid,
    runDir,
    dataRoot,
    logFile: path.join(runDir, 'dockerd.log'),
    owned,
    docker: (args, opts) => runDocker(env, args, opts),
    stop,
  };
}

/** Start the private dockerd (or attach to ours if `reuse`). Never touches /var/run/docker.sock. */
export async function startPrivateDockerd(opts: StartOptions = {}): Promise<PrivateDockerd> {
  const log = opts.log ?? ((line: string) => console.error(`[dockerd] ${line}`));
  const runDir = dockerdRunDir();
  const dataRoot = dockerdDataRoot();
  const socket = path.join(runDir, 'docker.sock');
  const dockerdBin = requireBinary('dockerd', 'apt-get install docker.io');
  const containerdBin = requireBinary('containerd', 'apt-get install docker.io');
  requireBinary('runc', 'apt-get install docker.io');
  requireBinary('docker', 'apt-get install docker.io');

  const running = readPid(path.join(runDir, 'docker.pid'));
  if (running && alive(running) && (await ping(socket))) {
    if (opts.reuse) {
      log(`using the private dockerd already running (pid ${running}, DOCKER_HOST=${privateDockerHost(runDir)})`);
      return handle(runDir, dataRoot, running, false, async () => {});
    }
    throw new KindEnvironmentError(
      `a private dockerd of this repo is already running (pid ${running}, DOCKER_HOST=${privateDockerHost(runDir)}), ` +
        'probably from `npm run kind:dev`. Stop that first (Ctrl-C in its terminal), so two runs do not share one cluster.',
    );
  }
  if (existsSync(runDir) || existsSync(dataRoot)) {
    log(`cleaning up after an earlier run that did not stop (${runDir})`);
    cleanStale(runDir, dataRoot);
  }

  const started = Date.now();
  await mkdir(path.join(runDir, 'bin'), { recursive: true, mode: 0o700 });
  await mkdir(dataRoot, { recursive: true });
  const wrapper = path.join(runDir, 'bin', 'runc-nosysres');
  await copyFile(path.join(kindFilesDir, 'runc-nosysres'), wrapper);
  await chmod(wrapper, 0o755);
  const ctrdConfig = path.join(runDir, 'containerd.toml');
  await writeFile(ctrdConfig, containerdConfig(runDir, dataRoot));

  // The watchdog first: from here on, anything we start is cleaned up even if we are SIGKILLed.
  const watchdog = spawn(process.execPath, [REAPER, 'watch', String(process.pid), runDir, dataRoot], { detached: true, stdio: 'ignore' });
  watchdog.unref();

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const t = Date.now();
    // dockerd stops its containers on SIGTERM; the reaper then stops containerd and removes both dirs.
    await new Promise<void>((resolve) => {
      const c = spawn(process.execPath, [REAPER, 'clean', runDir, dataRoot], { stdio: 'inherit' });
      c.on('close', () => resolve());
      c.on('error', () => resolve());
    });
    log(`stopped and removed its data root in ${Math.round((Date.now() - t) / 1000)}s`);
  };
  const removeTeardown = onTeardown('private dockerd', stop);

  try {
    const ctrdLog = path.join(runDir, 'containerd.log');
    const ctrdPid = spawnDaemon(containerdBin, ['--config', ctrdConfig], ctrdLog);
    await writeFile(path.join(runDir, 'containerd.pid'), `${ctrdPid}\n`);
    await waitFor('containerd', async () => existsSync(path.join(runDir, 'containerd.sock')), ctrdPid, ctrdLog, 30_000);

    const logFile = path.join(runDir, 'dockerd.log');
    const pid = spawnDaemon(
      dockerdBin,
      [
        `--host=unix://${socket}`,
        `--containerd=${path.join(runDir, 'containerd.sock')}`,
        `--data-root=${dataRoot}`,
        `--exec-root=${path.join(runDir, 'exec')}`,
        `--pidfile=${path.join(runDir, 'docker.pid')}`,
        '--iptables=false',
        '--ip-masq=false',
        '--bridge=none',
        `--default-address-pool=${ADDRESS_POOL}`,
        `--add-runtime=${RUNTIME}=${wrapper}`,
        `--default-runtime=${RUNTIME}`,
      ],
      logFile,
    );
    await waitFor('dockerd', () => ping(socket), pid, logFile, opts.timeoutMs ?? 60_000);
    const d = handle(runDir, dataRoot, pid, true, async () => {
      removeTeardown();
      await stop();
    });
    await ensureKindNetwork(d);
    log(`up in ${Math.round((Date.now() - started) / 1000)}s: DOCKER_HOST=${d.host} (log ${logFile})`);
    return d;
  } catch (err) {
    removeTeardown();
    await stop();
    throw err;
  }
}

/**
 * kind puts its nodes on a network called `kind` and reuses one that exists. Creating it ourselves
 * gives it a fixed bridge name and subnet, and masquerading on (nodes' own traffic to the outside).
 */
export async function ensureKindNetwork(d: PrivateDockerd): Promise<void> {
  try {
    await d.docker(['network', 'inspect', KIND_NETWORK.name]);
    return;
  } catch {
    // not there yet
  }
  await d.docker([
    'network',
    'create',
    '-d',
    'bridge',
    '-o',
    `com.docker.network.bridge.name=${KIND_NETWORK.bridge}`,
    '-o',
    'com.docker.network.bridge.enable_ip_masquerade=true',
    '-o',
    'com.docker.network.driver.mtu=1500',
    '--subnet',
    KIND_NETWORK.subnet,
    '--gateway',
    KIND_NETWORK.gateway,
    KIND_NETWORK.name,
  ]);
}

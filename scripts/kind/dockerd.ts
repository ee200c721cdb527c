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
// - --bridge=l2kbuild0: our own default bridge (never docker0, which another daemon may own), so a
//   plain `docker build` with `RUN npm ci` reaches the registry as it does for a learner. Outbound
//   traffic from our subnet (172.30.0.0/16) is masqueraded by one iptables rule of ours, tagged with
//   a comment and removed on stop (network.json in the run dir says what to undo).
// - runc-nosysres as default runtime: see scripts/kind/files/runc-nosysres (kind's --privileged nodes).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { copyFile, chmod, mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerdDataRoot, dockerdRunDir, kindFilesDir } from './paths.ts';
import { onTeardown } from './teardown.ts';
import { processAlive as alive } from '../../verify/core/process-alive.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const REAPER = path.join(here, 'dockerd-reaper.mjs');

/** The kind network: a fixed bridge name and subnet, so it is recognisable on the host and never random. */
export const KIND_NETWORK = { name: 'kind', bridge: 'l2kkind0', subnet: '172.30.0.0/24', gateway: '172.30.0.1' } as const;
const ADDRESS_POOL = 'base=172.30.0.0/16,size=24';
/** The default bridge for `docker run`/`docker build` without --network; outside the pool's first /24s. */
export const BUILD_BRIDGE = { name: 'l2kbuild0', cidr: '172.30.255.1/24' } as const;
const OUR_SUBNET = '172.30.0.0/16';
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
    await setUpNetwork(runDir, log);
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
        `--bridge=${BUILD_BRIDGE.name}`,
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

/** What setUpNetwork changed on the host, for stop() and the watchdog to undo exactly that. */
interface NetworkUndo {
  iptables: string[][];
  links: string[];
  ipForward?: '0';
}

function ipt(args: string[]): boolean {
  return spawnSync('iptables', ['-w', ...args], { stdio: 'ignore' }).status === 0;
}

/**
 * The build bridge, a MASQUERADE rule for our subnet and, only if the FORWARD policy is DROP (another
 * daemon set it), ACCEPT rules for our subnet. Each rule carries our comment; each change is recorded
 * before it is made, so a crash in between still undoes it.
 */
async function setUpNetwork(runDir: string, log: (l: string) => void): Promise<void> {
  const undo: NetworkUndo = { iptables: [], links: [] };
  const record = (): Promise<void> => writeFile(path.join(runDir, 'network.json'), JSON.stringify(undo));
  requireBinary('iptables', 'apt-get install iptables');
  const comment = ['-m', 'comment', '--comment', `legacy-to-k8s private dockerd ${path.basename(runDir)}`];
  const add = async (table: string, chain: string, rule: string[], insert = false): Promise<void> => {
    if (ipt(['-t', table, '-C', chain, ...rule, ...comment])) return;
    undo.iptables.push(['-t', table, '-D', chain, ...rule, ...comment]);
    await record();
    if (!ipt(['-t', table, insert ? '-I' : '-A', chain, ...rule, ...comment])) {
      throw new KindEnvironmentError(
        `could not add an iptables rule (${table} ${chain} ${rule.join(' ')}); the private dockerd's containers need it to reach package registries during docker build.`,
      );
    }
  };

  if (spawnSync('ip', ['link', 'show', BUILD_BRIDGE.name], { stdio: 'ignore' }).status !== 0) {
    undo.links.push(BUILD_BRIDGE.name);
    await record();
    for (const args of [
      ['link', 'add', BUILD_BRIDGE.name, 'type', 'bridge'],
      ['addr', 'add', BUILD_BRIDGE.cidr, 'dev', BUILD_BRIDGE.name],
      ['link', 'set', BUILD_BRIDGE.name, 'up'],
    ]) {
      const r = spawnSync('ip', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new KindEnvironmentError(`ip ${args.join(' ')} failed: ${(r.stderr ?? '').trim()}`);
    }
  }
  // kind's bridge is created by dockerd, but if dockerd dies hard nobody else removes it.
  undo.links.push(KIND_NETWORK.bridge);
  await record();

  await add('nat', 'POSTROUTING', ['-s', OUR_SUBNET, '!', '-d', OUR_SUBNET, '-j', 'MASQUERADE']);
  const forwardDrop = spawnSync('iptables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' }).stdout?.includes('-P FORWARD DROP');
  if (forwardDrop) {
    log('the FORWARD policy is DROP (another Docker daemon?); adding ACCEPT rules for our subnet only');
    await add('filter', 'FORWARD', ['-s', OUR_SUBNET, '-j', 'ACCEPT'], true);
    await add('filter', 'FORWARD', ['-d', OUR_SUBNET, '-j', 'ACCEPT'], true);
  }
  if (readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '0') {
    undo.ipForward = '0';
    await record();
    await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
    log("turned on net.ipv4.ip_forward (needed to route our containers' traffic; set back to 0 on stop)");
  }
}

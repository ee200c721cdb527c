// Stops a private dockerd (scripts/kind/dockerd.ts) and everything it started, and removes its run
// dir and data root. Plain Node, no tsx and no repo imports, because it must work when the parent
// that started the daemon is already dead.
//
//   node dockerd-reaper.mjs watch <parentPid> <runDir> <dataRoot>   detached watchdog: cleans up when
//                                                                   the parent dies; exits on its own
//                                                                   once <runDir> is gone (normal stop)
//   node dockerd-reaper.mjs clean <runDir> <dataRoot>               clean up now (stale run, or stop)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const readPid = (file) => {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
};

/** SIGTERM, wait up to `graceMs`, then SIGKILL. */
function stopPid(pid, graceMs) {
  if (!pid || !alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {}
  const until = Date.now() + graceMs;
  while (alive(pid) && Date.now() < until) sleep(200);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    sleep(200);
  }
}

/** Containers whose dockerd died without stopping them: ask runc (their state lives under our exec root). */
function deleteLeftoverContainers(runDir) {
  const execRoot = path.join(runDir, 'exec');
  if (!existsSync(execRoot)) return;
  for (const rt of readdirSync(execRoot).filter((d) => d.startsWith('runtime-'))) {
    const rtDir = path.join(execRoot, rt);
    for (const ns of readdirSync(rtDir)) {
      const root = path.join(rtDir, ns);
      const list = spawnSync('runc', ['--root', root, 'list', '-q'], { encoding: 'utf8' });
      for (const id of (list.stdout ?? '').split('\n').filter(Boolean)) {
        spawnSync('runc', ['--root', root, 'delete', '--force', id], { stdio: 'ignore' });
      }
    }
  }
}

/** Processes we started that mention our run dir on their command line (containerd shims). */
function killStragglers(runDir) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.includes(`${runDir}/`) && !cmd.includes('dockerd-reaper.mjs')) {
      try {
        process.kill(Number(entry), 'SIGKILL');
      } catch {}
    }
  }
}

/** Mounts left under our dirs (overlay layers, netns, shm) block rm -rf; detach them deepest first. */
function unmountUnder(dirs) {
  const unescape = (s) => s.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  for (let pass = 0; pass < 3; pass++) {
    const points = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => unescape(l.split(' ')[4] ?? ''))
      .filter((p) => dirs.some((d) => p === d || p.startsWith(`${d}/`)))
      .sort((a, b) => b.length - a.length);
    if (points.length === 0) return;
    for (const p of points) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
  }
}

/** Undo exactly the host network changes dockerd.ts recorded (its iptables rules, its bridges). */
function undoNetwork(runDir) {
  let undo;
  try {
    undo = JSON.parse(readFileSync(path.join(runDir, 'network.json'), 'utf8'));
  } catch {
    return;
  }
  for (const rule of undo.iptables ?? []) {
    // -D removes one copy; repeat until it is gone (a crash may have added it twice).
    for (let i = 0; i < 5 && spawnSync('iptables', ['-w', ...rule], { stdio: 'ignore' }).status === 0; i++);
  }
  for (const link of undo.links ?? []) spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
  if (undo.ipForward === '0') {
    try {
      writeFileSync('/proc/sys/net/ipv4/ip_forward', '0');
    } catch {}
  }
}

export function clean(runDir, dataRoot) {
  stopPid(readPid(path.join(runDir, 'docker.pid')), 60_000);
  deleteLeftoverContainers(runDir);
  stopPid(readPid(path.join(runDir, 'containerd.pid')), 15_000);
  killStragglers(runDir);
  undoNetwork(runDir);
  unmountUnder([runDir, dataRoot]);
  rmSync(dataRoot, { recursive: true, force: true, maxRetries: 3 });
  rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'watch') {
  const [parent, runDir, dataRoot] = args;
  const timer = setInterval(() => {
    if (!existsSync(runDir)) process.exit(0);
    if (alive(Number(parent))) return;
    clearInterval(timer);
    clean(runDir, dataRoot);
    process.exit(0);
  }, 500);
} else if (mode === 'clean') {
  clean(args[0], args[1]);
}

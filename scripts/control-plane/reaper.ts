// A tiny detached watchdog: if the parent dies without running its handlers (SIGKILL, OOM, a CI
// timeout), it kills the recorded component PIDs and removes the temp dir. It exits on its own as soon
// as the temp dir is gone, which is what a normal stop() does.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

// Plain JS run with `node -e`: it must not depend on tsx or on anything in the repo.
const REAPER_JS = `
const fs = require('node:fs');
const [parent, pidsFile, dir] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
setInterval(() => {
  if (!fs.existsSync(dir)) process.exit(0);
  if (alive(parent)) return;
  let pids = [];
  try { pids = fs.readFileSync(pidsFile, 'utf8').split(/\\s+/).filter(Boolean); } catch {}
  for (const p of pids) { try { process.kill(Number(p), 'SIGKILL'); } catch {} }
  try { fs.rmSync(dir, { recursive: true, force: true }); } catch {}
  process.exit(0);
}, 500);
`;

export interface Reaper {
  pid: number;
  /** Record the PIDs it must kill if we die. */
  record(pids: number[]): void;
  stop(): void;
}

export function startReaper(dir: string, pidsFile: string): Reaper {
  writeFileSync(pidsFile, '');
  const child = spawn(process.execPath, ['-e', REAPER_JS, String(process.pid), pidsFile, dir], {
    detached: true, // own process group: a Ctrl-C to our group must not kill it before it has done its job
    stdio: 'ignore',
  });
  child.unref();
  const pid = child.pid ?? -1;
  return {
    pid,
    record(pids) {
      writeFileSync(pidsFile, `${pids.join('\n')}\n`);
    },
    stop() {
      try {
        if (pid > 0) process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    },
  };
}

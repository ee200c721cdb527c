// Whether a process still exists: signal 0 checks that a signal could be delivered without
// sending one. Tests use it to prove nothing was left running; the kind tier to tell a
// stale pid file from a live daemon.

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

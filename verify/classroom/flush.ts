// Sends the queued room reports, oldest first, then exits. Started detached by client.ts;
// one sender at a time (a lock file), each request with a short timeout. What could not be
// sent stays queued for the next run; what the room refused for good (a bad report, a
// token that changed) is dropped and noted in room-status.json for `npm run join -- --status`.
import fs from 'node:fs';
import path from 'node:path';
import { QUEUE_FILE, readMembership } from './client.ts';

const TIMEOUT_MS = 3000;
const LOCK = `${QUEUE_FILE}.lock`;
const STATUS_FILE = path.join(path.dirname(QUEUE_FILE), 'room-status.json');
/** A sender that died holding the lock must not block the room for the rest of the day. */
const STALE_LOCK_MS = 60_000;

function takeLock(): boolean {
  try {
    fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    try {
      if (Date.now() - fs.statSync(LOCK).mtimeMs > STALE_LOCK_MS) {
        fs.rmSync(LOCK, { force: true });
        return takeLock();
      }
    } catch {
      // The other sender just finished: nothing to do.
    }
    return false;
  }
}

function writeStatus(status: { at: string; ok: boolean; detail: string }): void {
  fs.writeFileSync(STATUS_FILE, `${JSON.stringify(status)}\n`);
}

export async function flush(): Promise<void> {
  const membership = readMembership();
  if (!membership || !takeLock()) return;
  try {
    // Re-read after every send: a verify may append while we are sending.
    for (;;) {
      const lines = fs.existsSync(QUEUE_FILE) ? fs.readFileSync(QUEUE_FILE, 'utf8').split('\n').filter(Boolean) : [];
      const line = lines[0];
      if (line === undefined) return;
      let res: Response;
      try {
        res = await fetch(new URL('/api/reports', membership.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${membership.token}` },
          body: line,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (err) {
        writeStatus({ at: new Date().toISOString(), ok: false, detail: `room not reachable (${(err as Error).message}); reports stay queued` });
        return;
      }
      if (res.status === 429 || res.status >= 500) {
        writeStatus({ at: new Date().toISOString(), ok: false, detail: `room answered ${res.status}; reports stay queued` });
        return;
      }
      const rest = (fs.existsSync(QUEUE_FILE) ? fs.readFileSync(QUEUE_FILE, 'utf8').split('\n').filter(Boolean) : []).filter(
        (l, i) => !(i === 0 && l === line),
      );
      fs.writeFileSync(QUEUE_FILE, rest.length ? `${rest.join('\n')}\n` : '');
      const detail = res.ok
        ? 'last report delivered'
        : `room refused a report (${res.status}: ${((await res.json().catch(() => ({}))) as { error?: string }).error ?? 'no reason'})`;
      writeStatus({ at: new Date().toISOString(), ok: res.ok, detail });
    }
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

if (process.argv[1] && /flush\.(ts|js)$/.test(process.argv[1])) {
  flush().catch(() => {
    // Detached, with nowhere to report: the queue is still on disk for the next try.
  });
}

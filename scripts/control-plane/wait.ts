// Bounded polling with progress lines. Every wait in the harness goes through here, so nothing can hang
// forever on a slow 2-core machine, and a person sees what it is waiting for.
export interface WaitOptions {
  /** What we are waiting for, in words: shown in progress lines and in the timeout error. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Print "still waiting" every this many ms (0 = never). */
  progressEveryMs?: number;
  log?: (line: string) => void;
  /** Called on every round; throw from it to abort early (e.g. the process died). */
  abortIf?: () => void;
}

/**
 * Polls `probe` until it returns a non-undefined value. `probe` returns undefined (or throws) while not ready;
 * the last reason (thrown message or `lastReason` it set) is included in the timeout error.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const started = Date.now();
  const interval = opts.intervalMs ?? 250;
  const every = opts.progressEveryMs ?? 5_000;
  let lastProgress = started;
  let lastReason = '';
  for (;;) {
    opts.abortIf?.();
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastReason = (err as Error).message;
    }
    const now = Date.now();
    if (now - started > opts.timeoutMs) {
      throw new Error(`timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for ${opts.what}${lastReason ? ` (last: ${lastReason})` : ''}`);
    }
    if (every > 0 && now - lastProgress >= every) {
      lastProgress = now;
      opts.log?.(`still waiting for ${opts.what} (${Math.round((now - started) / 1000)}s)${lastReason ? `: ${lastReason}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

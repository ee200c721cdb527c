// Bounded polling with progress lines. Every wait in the harness goes through here, so nothing can hang
// forever on a slow 2-core machine, and a person sees what it is waiting for.
import { poll } from '../../verify/core/poll.ts';

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
 * the last reason (thrown message) is included in the timeout error. Built on the engine's poll, the same
 * wait every check uses, so a timeout reads alike everywhere: what was awaited, and what was last seen.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  let lastReason = '';
  const observe = async (): Promise<T | undefined> => {
    opts.abortIf?.();
    try {
      return await probe();
    } catch (err) {
      lastReason = (err as Error).message;
      return undefined;
    }
  };
  const every = opts.progressEveryMs ?? 5_000;
  const polled = await poll(opts.what, observe, {
    timeout: opts.timeoutMs,
    interval: opts.intervalMs ?? 250,
    until: (v) => v !== undefined,
    describe: () => lastReason,
    onProgress: every > 0 ? opts.log : undefined,
    progressEvery: every,
  });
  if (polled.ok) return polled.value as T;
  throw new Error(polled.message);
}

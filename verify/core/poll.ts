// Bounded waiting, the one way the engine, the lessons and the test harness wait for
// something to happen. Every wait names what it waits for, so a timeout can say what was
// awaited and what was last seen, and every wait stops at once when its signal fires (a
// check out of budget, a scenario nobody needs any more).

export interface PollOptions<T> {
  /** Give up after this many ms (the observation is still made at least once). */
  timeout: number;
  /** Pause between observations, in ms. Default 250. */
  interval?: number;
  /** When the observation counts as done. Default: anything but undefined, null and false. */
  until?: (value: T) => boolean;
  /** How the last observation reads in the timeout message. Default: String(value), trimmed. */
  describe?: (value: T) => string;
  /** Stops the wait by throwing the signal's reason (the check's or scenario's budget ran out). */
  signal?: AbortSignal;
  /** A line every `progressEvery` ms while waiting, for people watching a long wait (the harness). */
  onProgress?: (line: string) => void;
  /** Default 5000; only used with onProgress. */
  progressEvery?: number;
}

export interface Polled<T> {
  /** The observation satisfied `until` before the timeout. */
  ok: boolean;
  /** The last observation: the one that satisfied `until`, or the one seen when time ran out. */
  value: T;
  waitedMs: number;
  /** `waited 10 s for /readyz to answer 200 (last: 503 in 4 ms)`, or `/readyz to answer 200 after 1.2 s`. */
  message: string;
}

const truthy = (v: unknown) => v !== undefined && v !== null && v !== false;

/**
 * Observe `observe()` until `until` holds or `timeout` ms have passed; never throws for a
 * timeout (the caller decides what a wait that ran out means). Throws what `observe` throws
 * (an EnvironmentError must still reach the runner) and the signal's reason when it fires.
 */
export async function poll<T>(what: string, observe: () => T | Promise<T>, opts: PollOptions<T>): Promise<Polled<T>> {
  const started = Date.now();
  const until = opts.until ?? truthy;
  const interval = opts.interval ?? 250;
  const every = opts.progressEvery ?? 5000;
  let lastProgress = started;
  for (;;) {
    opts.signal?.throwIfAborted();
    const value = await observe();
    const waitedMs = Date.now() - started;
    if (until(value)) return { ok: true, value, waitedMs, message: `${what} after ${seconds(waitedMs)}` };
    if (waitedMs >= opts.timeout) {
      return { ok: false, value, waitedMs, message: `waited ${seconds(opts.timeout)} for ${what}${lastSeen(value, opts.describe)}` };
    }
    if (opts.onProgress && Date.now() - lastProgress >= every) {
      lastProgress = Date.now();
      opts.onProgress(`still waiting for ${what} (${seconds(waitedMs)})${lastSeen(value, opts.describe)}`);
    }
    await sleep(Math.min(interval, Math.max(0, opts.timeout - waitedMs)), opts.signal);
  }
}

/**
 * Wait `ms`, or less when `signal` fires (then throw its reason). For fixed windows only:
 * watching that something does NOT happen, or pacing a request. To wait for something to
 * happen, poll for it.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `300 ms`, `1.2 s`, `10 s`. */
export function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${s < 10 && !Number.isInteger(s) ? s.toFixed(1) : Math.round(s)} s`;
}

function lastSeen<T>(value: T, describe?: (value: T) => string): string {
  if (value === undefined && !describe) return '';
  const text = (describe ? describe(value) : String(value)).replace(/\s+/g, ' ').trim();
  return text ? ` (last: ${text.length > 160 ? `${text.slice(0, 157)}...` : text})` : '';
}

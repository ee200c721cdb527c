// What lesson 03's checks observe, run once per verify and shared: an app whose Postgres
// and Redis sit behind proxies the verifier can black-hole, and an app asked to stop
// (SIGTERM) in the middle of a slow upload.
import type { CheckContext } from '../../verify/core/check.ts';
import { describeExit } from '../../verify/probes/app.ts';
import { describeFetchError, slowRequest } from '../../verify/probes/http.ts';
import { tcpReachable } from '../../verify/probes/ports.ts';
import { describe, multipartBytes, signup } from '../shared/api.ts';
import { isolatedEnv, notListening, startInstance, type Instance } from '../shared/run-app.ts';

/** The answer to one probe request: status and how long it took, or why there was none. */
export interface ProbeAnswer {
  status?: number;
  ms: number;
  error?: string;
  text?: string;
}

export async function probe(url: string, timeoutMs = 3000): Promise<ProbeAnswer> {
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = (await res.text()).slice(0, 120);
    return { status: res.status, ms: Math.round(performance.now() - started), text };
  } catch (err) {
    return { ms: Math.round(performance.now() - started), error: describeFetchError(err) };
  }
}

export function show(a: ProbeAnswer): string {
  return a.status !== undefined ? `${a.status} in ${a.ms} ms` : `${a.error} after ${a.ms} ms`;
}

/** Ready, or an answer that will not change by waiting (404: there is no such endpoint). */
const settled = (a: ProbeAnswer) => a.status === 200 || a.status === 404;

/** Poll until the answer satisfies `ok`, for at most `timeoutMs`. Returns the last answer. */
async function until(url: string, ok: (a: ProbeAnswer) => boolean, timeoutMs: number): Promise<ProbeAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe(url);
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await probe(url);
  }
  return last;
}

export interface HealthApp extends Instance {
  problem?: string;
  firstLive: ProbeAnswer;
  ready: ProbeAnswer;
  blackhole(service: 'postgres' | 'redis'): void;
  restore(): void;
}

/** One app for the liveness/readiness checks, its dependencies reachable only through proxies. */
export function healthApp(ctx: CheckContext): Promise<HealthApp> {
  return ctx.shared('health-app', async () => {
    const { env } = await isolatedEnv(ctx);
    const [pg, redis] = await Promise.all([ctx.tcpProxy(env.DATABASE_URL!), ctx.tcpProxy(env.REDIS_URL!)]);
    const app = await startInstance(ctx, { ...env, DATABASE_URL: pg.url, REDIS_URL: redis.url });
    const problem = notListening(app);
    const firstLive = problem ? { ms: 0, error: problem } : await probe(`${app.url}/livez`);
    const ready = problem ? { ms: 0, error: problem } : await until(`${app.url}/readyz`, settled, 10_000);
    return {
      ...app,
      problem,
      firstLive,
      ready,
      blackhole: (service) => (service === 'postgres' ? pg : redis).proxy.blackhole(),
      restore: () => {
        pg.proxy.restore();
        redis.proxy.restore();
      },
    };
  });
}

export interface Outage {
  /** The first 503 (or a slow or failed answer), or the last 200 when none came within NOTICE_MS. */
  readiness: ProbeAnswer;
  /** How long after the outage began `readiness` was asked. */
  afterMs: number;
  liveness: ProbeAnswer;
}

/**
 * How long readiness may take to notice an outage. The kubelet asks every periodSeconds
 * (10 s by default), so a readiness served from a background check that runs every second
 * is as correct as one that checks on every request: each answer must be fast, and the
 * answer must turn to 503 soon, not at once.
 */
export const NOTICE_MS = 5000;

/** Black-hole one dependency, ask both endpoints, restore. Postgres first, then Redis, never both at once. */
export function outage(ctx: CheckContext, service: 'postgres' | 'redis'): Promise<Outage> {
  return ctx.shared(`outage-${service}`, async () => {
    if (service === 'redis') await outage(ctx, 'postgres');
    const app = await healthApp(ctx);
    app.blackhole(service);
    try {
      const began = Date.now();
      let [readiness, liveness] = await Promise.all([probe(`${app.url}/readyz`), probe(`${app.url}/livez`)]);
      let afterMs = 0;
      while (readiness.status === 200 && Date.now() - began < NOTICE_MS) {
        await new Promise((r) => setTimeout(r, 250));
        afterMs = Date.now() - began;
        readiness = await probe(`${app.url}/readyz`);
      }
      return { readiness, afterMs, liveness };
    } finally {
      app.restore();
      // The Redis outage follows this one: it needs a healthy baseline, or a 503 caused
      // by a Postgres that is still recovering would pass it.
      if (service === 'postgres') await until(`${app.url}/readyz`, (a) => a.status === 200, 5000);
    }
  });
}

export interface Shutdown {
  problem?: string;
  /** /readyz asked right after SIGTERM, on a new connection. */
  readinessAfterSigterm?: ProbeAnswer;
  /** The slow upload that was in flight when SIGTERM arrived. */
  upload?: { status?: number; error?: string; text?: string };
  /** A new connection was refused while the upload was still being finished. */
  refusedWhileDraining: boolean;
  exit?: string;
  exitCode?: number | null;
  exitedWithinMs?: number;
  tail: string[];
}

export const SHUTDOWN_DELAY_SECONDS = 1;
const UPLOAD_MS = 3000;
const EXIT_DEADLINE_MS = 15_000;

/** SIGTERM in the middle of a 3-second upload; watch readiness, the upload, new connections and the exit. */
export function shutdownScenario(ctx: CheckContext): Promise<Shutdown> {
  return ctx.shared('shutdown', async () => {
    const { env } = await isolatedEnv(ctx, { SHUTDOWN_DELAY_SECONDS: String(SHUTDOWN_DELAY_SECONDS), SHUTDOWN_TIMEOUT_SECONDS: '10' });
    const app = await startInstance(ctx, env);
    const proc = app.result.app;
    const problem = notListening(app);
    if (problem) return { problem, refusedWhileDraining: false, tail: proc.tail() };
    await until(`${app.url}/readyz`, settled, 10_000);
    const http = ctx.http(app.url);
    const { res } = await signup(http, ctx.signal);
    if (res.status !== 201 && res.status !== 200) return { problem: `POST /api/signup answered ${describe(res)}`, refusedWhileDraining: false, tail: proc.tail() };

    const { body, contentType } = multipartBytes(`uploaded during shutdown ${Date.now()}`, 256 * 1024);
    let sigtermSent!: () => void;
    const sent = new Promise<void>((r) => (sigtermSent = r));
    const upload = slowRequest(`${app.url}/api/notes`, {
      body,
      chunks: 30,
      durationMs: UPLOAD_MS,
      headers: { 'content-type': contentType, cookie: http.cookieHeader },
      onStarted: () => setTimeout(() => (proc.signal('SIGTERM'), sigtermSent()), 300),
    }).then(
      (r) => ({ status: r.status, text: r.text.slice(0, 120) }),
      (err: unknown) => ({ error: describeFetchError(err) }),
    );
    await sent;
    const signalledAt = Date.now();
    // The signal and the probe race inside the app's event loop: give the flip a moment
    // (well inside SHUTDOWN_DELAY_SECONDS, while the app must still accept connections).
    const readinessAfterSigterm = await until(`${app.url}/readyz`, (a) => a.status === 503, 600);
    let refusedWhileDraining = false;
    let uploadDone = false;
    const uploadResult = upload.finally(() => (uploadDone = true));
    while (!uploadDone && !proc.exitInfo) {
      if (!(await tcpReachable('127.0.0.1', app.port, 300))) refusedWhileDraining = !uploadDone;
      if (refusedWhileDraining) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const uploaded = await uploadResult;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), EXIT_DEADLINE_MS)));
    const exit = await Promise.race([proc.exited, deadline]);
    clearTimeout(timer);
    return {
      readinessAfterSigterm,
      upload: uploaded,
      refusedWhileDraining,
      exit: exit === 'timeout' ? `still running ${EXIT_DEADLINE_MS / 1000} s after SIGTERM` : describeExit(exit),
      exitCode: exit === 'timeout' ? undefined : exit.code,
      exitedWithinMs: exit === 'timeout' ? undefined : Date.now() - signalledAt,
      tail: proc.tail(),
    };
  });
}

// What lesson 03's checks observe, run once per verify and shared: an app whose Postgres
// and Redis sit behind proxies the verifier can black-hole, and an app asked to stop
// (SIGTERM) in the middle of a slow upload.
import { defineScenario, describeExit, describeFetchError, slowRequest, tcpReachable, type CheckContext } from '../../verify/lesson-api.ts';
import { describe, multipartBytes, signup } from '../shared/api.ts';
import { isolatedEnv, notListening, startInstance, type Instance } from '../shared/run-app.ts';

/** The answer to one probe request: status and how long it took, or why there was none. */
export interface ProbeAnswer {
  status?: number;
  ms: number;
  error?: string;
  text?: string;
}

/** One request, as a kubelet's probe makes it: a fresh client (no cookies), bounded in time, stopped with ctx's signal. */
export async function probe(ctx: CheckContext, url: string, timeoutMs = 3000): Promise<ProbeAnswer> {
  const started = performance.now();
  try {
    const res = await ctx.http('').get(url, { timeoutMs });
    return { status: res.status, ms: Math.round(performance.now() - started), text: res.text.slice(0, 120) };
  } catch (err) {
    ctx.signal.throwIfAborted();
    return { ms: Math.round(performance.now() - started), error: describeFetchError(err) };
  }
}

export function show(a: ProbeAnswer): string {
  return a.status !== undefined ? `${a.status} in ${a.ms} ms` : `${a.error} after ${a.ms} ms`;
}

/** Ready, or an answer that will not change by waiting (404: there is no such endpoint). */
const settled = (a: ProbeAnswer) => a.status === 200 || a.status === 404;

/** Ask `url` until the answer satisfies `ok`, for at most `timeoutMs`. Returns the last answer. */
async function until(ctx: CheckContext, url: string, what: string, ok: (a: ProbeAnswer) => boolean, timeoutMs: number): Promise<ProbeAnswer> {
  return (await ctx.poll(what, () => probe(ctx, url), { until: ok, timeout: timeoutMs, interval: 200, describe: show })).value;
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
  return ctx.scenario(healthAppScenario);
}

export const healthAppScenario = defineScenario({
  name: 'health-app',
  async run(ctx): Promise<HealthApp> {
    const { env } = await isolatedEnv(ctx);
    const [pg, redis] = await Promise.all([ctx.tcpProxy(env.DATABASE_URL!), ctx.tcpProxy(env.REDIS_URL!)]);
    const app = await startInstance(ctx, { ...env, DATABASE_URL: pg.url, REDIS_URL: redis.url });
    const problem = notListening(app);
    const firstLive = problem ? { ms: 0, error: problem } : await probe(ctx, `${app.url}/livez`);
    const ready = problem ? { ms: 0, error: problem } : await until(ctx, `${app.url}/readyz`, 'GET /readyz to settle after start-up', settled, 10_000);
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
  },
});

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
  return ctx.scenario(service === 'postgres' ? postgresOutage : redisOutage);
}

async function observeOutage(ctx: CheckContext, service: 'postgres' | 'redis'): Promise<Outage> {
  const app = await ctx.scenario(healthAppScenario);
  app.blackhole(service);
  try {
    const began = Date.now();
    const [first, liveness] = await Promise.all([probe(ctx, `${app.url}/readyz`), probe(ctx, `${app.url}/livez`)]);
    // The first answer is the one asked with liveness; later ones every 250 ms, each
    // stamped with how long into the outage it was asked.
    let asked = 0;
    let afterMs = 0;
    const readiness = async () => {
      if (asked++ === 0) return first;
      afterMs = Date.now() - began;
      return probe(ctx, `${app.url}/readyz`);
    };
    const polled = await ctx.poll(`GET /readyz to stop answering 200 with ${service} unreachable`, readiness, {
      until: (a) => a.status !== 200,
      timeout: NOTICE_MS,
      interval: 250,
      describe: show,
    });
    return { readiness: polled.value, afterMs, liveness };
  } finally {
    app.restore();
    // The Redis outage follows this one: it needs a healthy baseline, or a 503 caused
    // by a Postgres that is still recovering would pass it.
    if (service === 'postgres')
      await until(ctx, `${app.url}/readyz`, 'GET /readyz to answer 200 again after the Postgres outage', (a) => a.status === 200, 5000);
  }
}

export const postgresOutage = defineScenario({ name: 'postgres-outage', after: [healthAppScenario], run: (ctx) => observeOutage(ctx, 'postgres') });
/** Never at the same time as the Postgres outage: each needs the other dependency healthy. */
export const redisOutage = defineScenario({ name: 'redis-outage', after: [healthAppScenario, postgresOutage], run: (ctx) => observeOutage(ctx, 'redis') });

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
/** The slow upload's own time limit (slowRequest's default): the drain watch ends with it. */
const UPLOAD_TIMEOUT_MS = 20_000;

/** SIGTERM in the middle of a 3-second upload; watch readiness, the upload, new connections and the exit. */
export function shutdownScenario(ctx: CheckContext): Promise<Shutdown> {
  return ctx.scenario(shutdown);
}

export const shutdown = defineScenario({
  name: 'shutdown',
  async run(ctx): Promise<Shutdown> {
    const { env } = await isolatedEnv(ctx, { SHUTDOWN_DELAY_SECONDS: String(SHUTDOWN_DELAY_SECONDS), SHUTDOWN_TIMEOUT_SECONDS: '10' });
    const app = await startInstance(ctx, env);
    const proc = app.result.app;
    const problem = notListening(app);
    if (problem) return { problem, refusedWhileDraining: false, tail: proc.tail() };
    await until(ctx, `${app.url}/readyz`, 'GET /readyz to settle after start-up', settled, 10_000);
    const http = ctx.http(app.url);
    const { res } = await signup(http, ctx.signal);
    if (res.status !== 201 && res.status !== 200)
      return { problem: `POST /api/signup answered ${describe(res)}`, refusedWhileDraining: false, tail: proc.tail() };

    const { body, contentType } = multipartBytes(`uploaded during shutdown ${Date.now()}`, 256 * 1024);
    let sigtermSent!: () => void;
    const sent = new Promise<void>((r) => (sigtermSent = r));
    const upload = slowRequest(`${app.url}/api/notes`, {
      body,
      chunks: 30,
      durationMs: UPLOAD_MS,
      headers: { 'content-type': contentType, cookie: http.cookieHeader },
      signal: ctx.signal,
      onStarted: () => setTimeout(() => (proc.signal('SIGTERM'), sigtermSent()), 300),
    }).then(
      (r) => ({ status: r.status, text: r.text.slice(0, 120) }),
      (err: unknown) => ({ error: describeFetchError(err) }),
    );
    await sent;
    const signalledAt = Date.now();
    // The signal and the probe race inside the app's event loop: give the flip a moment
    // (well inside SHUTDOWN_DELAY_SECONDS, while the app must still accept connections).
    const readinessAfterSigterm = await until(ctx, `${app.url}/readyz`, 'GET /readyz to answer 503 after SIGTERM', (a) => a.status === 503, 600);
    let uploadDone = false;
    const uploadResult = upload.finally(() => (uploadDone = true));
    // Until the upload is answered (or the app is gone): is a new connection refused meanwhile?
    const draining = await ctx.poll(
      'the upload in flight to finish, watching for a refused new connection',
      async () => {
        if (uploadDone || proc.exitInfo) return 'over';
        if (await tcpReachable('127.0.0.1', app.port, 300)) return undefined;
        return uploadDone ? 'over' : 'refused';
      },
      { timeout: UPLOAD_TIMEOUT_MS, interval: 100 },
    );
    const refusedWhileDraining = draining.value === 'refused';
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
  },
});

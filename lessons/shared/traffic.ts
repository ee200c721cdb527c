// The RED traffic scenario of lesson 04, which lesson 11 runs again: start the app, send known
// traffic (50 distinct ids on one route, unknown paths, a request id, a server error
// caused by making Postgres refuse connections), and read /metrics before and after.
// Run once per lesson and shared by its checks.
import { randomBytes } from 'node:crypto';
import { defineScenario, parseMetrics, sum, type CheckContext, type Family, type HttpClient } from '../../verify/lesson-api.ts';
import { signup } from './api.ts';
import { isolatedEnv, notListening, startInstance, type Instance } from './run-app.ts';
import { secretValues } from './teamnotes.ts';

export const DISTINCT_IDS = 50;
/**
 * The route every id request goes to, as a pattern: `/api/notes/:id` (Express), but also
 * `{id}`, `#val` (express-prom-bundle's normalizePath) or `*`: any placeholder that is not a digit.
 */
export const ID_ROUTE = /^\/api\/notes\/[^/\d][^/]*$/;

export interface Traffic {
  app: Instance;
  problem?: string;
  metricsStatus?: number;
  metricsContentType?: string;
  metricsText: string;
  before: Map<string, Family>;
  after: Map<string, Family>;
  /** Status of the request sent while Postgres refused connections. */
  errorStatus?: number;
  /** Wall-clock seconds the id requests took, as the verifier measured them (an upper bound for what the app may record). */
  idRequestsSeconds: number;
  requestId: { sent: string; echoed: string | null; generated: Array<string | null> };
  /** Values that must never appear in output: env secrets, the Authorization token and session cookie we sent. */
  secrets: string[];
  /** Random path segments and ids that must not become label values. */
  rawValues: string[];
  lines: string[];
}

export function traffic(ctx: CheckContext): Promise<Traffic> {
  return ctx.scenario(red);
}

const red = defineScenario({
  name: 'traffic',
  async run(ctx): Promise<Traffic> {
    const { env } = await isolatedEnv(ctx);
    const pg = await ctx.tcpProxy(env.DATABASE_URL!);
    const app = await startInstance(ctx, { ...env, DATABASE_URL: pg.url }, true);
    const empty = {
      app,
      metricsText: '',
      idRequestsSeconds: 0,
      before: new Map(),
      after: new Map(),
      requestId: { sent: '', echoed: null, generated: [] },
      secrets: [],
      rawValues: [],
      lines: [],
    };
    const problem = notListening(app);
    if (problem) return { ...empty, problem };

    const http = ctx.http(app.url);
    await waitReady(ctx, http);
    await http.get('/livez'); // a probe like the kubelet's: 04.probes-not-counted looks for it
    const { res } = await signup(http, ctx.signal);
    if (res.status >= 300) return { ...empty, problem: `POST /api/signup answered ${res.status}` };
    const bearer = `verify-${randomBytes(12).toString('hex')}`;
    const before = await http.get('/metrics');

    const ids = Array.from({ length: DISTINCT_IDS }, (_, i) => String(900_000 + i));
    let idRequestsSeconds = 0;
    const timed = async <T>(request: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await request();
      } finally {
        idRequestsSeconds += (performance.now() - started) / 1000;
      }
    };
    for (const id of ids) await timed(() => http.get(`/api/notes/${id}`, { headers: { authorization: `Bearer ${bearer}` } }));
    const unknown = Array.from({ length: 3 }, () => `nope-${randomBytes(4).toString('hex')}`);
    for (const p of unknown) await http.get(`/${p}`);

    const sent = `verify-${randomBytes(8).toString('hex')}`;
    const withId = await http.get('/api/me', { headers: { 'x-request-id': sent } });
    const generated = [(await http.get('/api/me')).headers.get('x-request-id'), (await http.get('/api/me')).headers.get('x-request-id')];

    pg.proxy.refuse();
    const failed = await timed(() => http.get('/api/notes/1')).catch(() => undefined);
    pg.proxy.restore();

    // Let the app record the failed request before reading /metrics.
    await ctx.sleep(200);
    const after = await http.get('/metrics');
    const proc = app.result.app;
    return {
      app,
      metricsStatus: after.status,
      metricsContentType: after.headers.get('content-type') ?? undefined,
      metricsText: after.text,
      before: parseMetrics(before.text),
      after: parseMetrics(after.text),
      errorStatus: failed?.status,
      idRequestsSeconds,
      requestId: { sent, echoed: withId.headers.get('x-request-id'), generated },
      secrets: [...secretValues(env), bearer, ...sessionIds(http.cookieHeader)],
      rawValues: [...ids, ...unknown],
      lines: `${proc.stdout}\n${proc.stderr}`.split('\n').filter((l) => l.trim()),
    };
  },
});

/** Up to 10 s for /readyz to answer something other than 503 (an app without /readyz is let through). */
async function waitReady(ctx: CheckContext, http: HttpClient): Promise<void> {
  const answer = () =>
    http.get('/readyz').then(
      (r) => r.status,
      () => (ctx.signal.throwIfAborted(), undefined),
    );
  await ctx.poll('GET /readyz to stop answering 503', answer, { until: (status) => status !== undefined && status !== 503, timeout: 10_000, interval: 200 });
}

/** The session id inside a signed express-session cookie (`s%3A<id>.<sig>`). */
function sessionIds(cookieHeader: string): string[] {
  return cookieHeader
    .split(';')
    .map((c) => decodeURIComponent(c.split('=').slice(1).join('=').trim()))
    .map((v) => v.replace(/^s:/, '').split('.')[0] ?? '')
    .filter((v) => v.length >= 10);
}

/** Lines that do not parse as one JSON object. */
export function nonJsonLines(lines: string[]): string[] {
  return lines.filter((l) => {
    try {
      const v: unknown = JSON.parse(l);
      return typeof v !== 'object' || v === null || Array.isArray(v);
    } catch {
      return true;
    }
  });
}

// Label names vary with the library and the team: prom-client examples say route and
// status_code, express-prom-bundle path and status_code, OpenTelemetry-style code
// `http_route`, others handler and code.
const STATUS_LABELS = ['status_code', 'status', 'code', 'http_status_code', 'http_response_status_code'];
const ROUTE_LABELS = ['route', 'path', 'handler', 'endpoint', 'http_route'];

/**
 * A series Prometheus can compute a request rate from, with a route label: a counter, or
 * the `_count` of a histogram or summary (express-prom-bundle exposes only a histogram).
 */
export interface RequestSource {
  family: Family;
  /** The sample name that counts requests: `http_requests_total`, `http_request_duration_seconds_count`. */
  sample: string;
  routeLabel: string;
  /** Present when the source can also tell errors apart (5xx). */
  statusLabel?: string;
}

export function requestSources(families: Map<string, Family>): RequestSource[] {
  return [...families.values()].flatMap((f) => {
    if (!['counter', 'histogram', 'summary'].includes(f.type)) return [];
    const sample = f.type === 'counter' ? (f.samples.find((s) => !s.name.endsWith('_created'))?.name ?? f.name) : `${f.name}_count`;
    const labels = new Set(f.samples.filter((s) => s.name === sample).flatMap((s) => Object.keys(s.labels)));
    const routeLabel = ROUTE_LABELS.find((l) => labels.has(l));
    return routeLabel ? [{ family: f, sample, routeLabel, statusLabel: STATUS_LABELS.find((l) => labels.has(l)) }] : [];
  });
}

/** How much `source` grew during the traffic, over the samples matching `where`. */
export function growth(t: Traffic, source: RequestSource, where: Record<string, (v: string | undefined) => boolean>, sample = source.sample): number {
  return sum(source.family, sample, where) - sum(t.before.get(source.family.name), sample, where);
}

export interface RedFamilies {
  counter?: Family;
  histogram?: Family;
  routeLabel: string;
  statusLabel: string;
}

/** The request counter and duration histogram, whatever they are called, found by type and labels. */
export function redFamilies(families: Map<string, Family>): RedFamilies {
  const labelled = (f: Family) => f.samples.find((s) => ROUTE_LABELS.some((l) => l in s.labels) && STATUS_LABELS.some((l) => l in s.labels));
  const candidates = [...families.values()].filter((f) => labelled(f));
  const counter = candidates.find((f) => f.type === 'counter');
  const histogram = candidates.find((f) => f.type === 'histogram');
  const sample = labelled(counter ?? histogram ?? candidates[0] ?? { name: '', type: '', samples: [] });
  return {
    counter,
    histogram,
    routeLabel: ROUTE_LABELS.find((l) => sample && l in sample.labels) ?? 'route',
    statusLabel: STATUS_LABELS.find((l) => sample && l in sample.labels) ?? 'status_code',
  };
}

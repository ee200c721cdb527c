// Lesson 04's scenario, run once and shared by its checks: start the app, send known
// traffic (50 distinct ids on one route, unknown paths, a request id, a server error
// caused by making Postgres refuse connections), and read /metrics before and after.
import { randomBytes } from 'node:crypto';
import type { CheckContext } from '../../verify/core/check.ts';
import type { HttpClient } from '../../verify/probes/http.ts';
import { parseMetrics, type Family } from '../../verify/probes/prometheus.ts';
import { signup } from '../shared/api.ts';
import { isolatedEnv, notListening, startInstance, type Instance } from '../shared/run-app.ts';
import { secretValues } from '../shared/teamnotes.ts';

export const DISTINCT_IDS = 50;
/** The route every id request goes to, as its pattern. */
export const ID_ROUTE = /^\/api\/notes\/:[A-Za-z_]+$/;

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
  requestId: { sent: string; echoed: string | null; generated: Array<string | null> };
  /** Values that must never appear in output: env secrets, the Authorization token and session cookie we sent. */
  secrets: string[];
  /** Random path segments and ids that must not become label values. */
  rawValues: string[];
  lines: string[];
}

export function traffic(ctx: CheckContext): Promise<Traffic> {
  return ctx.shared('traffic', async () => {
    const { env } = await isolatedEnv(ctx);
    const pg = await ctx.tcpProxy(env.DATABASE_URL!);
    const app = await startInstance(ctx, { ...env, DATABASE_URL: pg.url }, true);
    const empty = { app, metricsText: '', before: new Map(), after: new Map(), requestId: { sent: '', echoed: null, generated: [] }, secrets: [], rawValues: [], lines: [] };
    const problem = notListening(app);
    if (problem) return { ...empty, problem };

    const http = ctx.http(app.url);
    await waitReady(http);
    const { res } = await signup(http, ctx.signal);
    if (res.status >= 300) return { ...empty, problem: `POST /api/signup answered ${res.status}` };
    const bearer = `verify-${randomBytes(12).toString('hex')}`;
    const before = await http.get('/metrics');

    const ids = Array.from({ length: DISTINCT_IDS }, (_, i) => String(900_000 + i));
    for (const id of ids) await http.get(`/api/notes/${id}`, { headers: { authorization: `Bearer ${bearer}` } });
    const unknown = Array.from({ length: 3 }, () => `nope-${randomBytes(4).toString('hex')}`);
    for (const p of unknown) await http.get(`/${p}`);

    const sent = `verify-${randomBytes(8).toString('hex')}`;
    const withId = await http.get('/api/me', { headers: { 'x-request-id': sent } });
    const generated = [(await http.get('/api/me')).headers.get('x-request-id'), (await http.get('/api/me')).headers.get('x-request-id')];

    pg.proxy.refuse();
    const failed = await http.get('/api/notes/1').catch(() => undefined);
    pg.proxy.restore();

    await new Promise((r) => setTimeout(r, 200));
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
      requestId: { sent, echoed: withId.headers.get('x-request-id'), generated },
      secrets: [...secretValues(env), bearer, ...sessionIds(http.cookieHeader)],
      rawValues: [...ids, ...unknown],
      lines: `${proc.stdout}\n${proc.stderr}`.split('\n').filter((l) => l.trim()),
    };
  });
}

async function waitReady(http: HttpClient): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await http.get('/readyz').catch(() => undefined);
    if (r && r.status !== 503) return;
    await new Promise((ok) => setTimeout(ok, 200));
  }
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

const STATUS_LABELS = ['status_code', 'status', 'code'];
const ROUTE_LABELS = ['route', 'path'];

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

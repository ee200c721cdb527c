// The classroom server: learners' laptops POST their verify reports, the instructor's
// dashboard follows the room live over Server-Sent Events. Every write and every API read
// needs the room token; bodies are small, strict (zod) and rate limited, and a bad request
// gets a 4xx JSON answer, never a crash.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { roomReport } from './protocol.ts';
import { failingNow, toCsv, type Room } from './room.ts';

export const MAX_BODY_BYTES = 16 * 1024;
export interface RateLimits {
  /** Per learner: a verify every few seconds is normal; a burst of 10 allows a queue flush. */
  perLearner: { burst: number; perSecond: number };
  /** Per address: a whole room behind one NAT (or a benchmark on loopback) must fit. */
  perAddress: { burst: number; perSecond: number };
}
export const DEFAULT_LIMITS: RateLimits = { perLearner: { burst: 10, perSecond: 2 }, perAddress: { burst: 400, perSecond: 200 } };
/** Dashboards are pushed at most this often; reports arriving in between are coalesced. */
const BROADCAST_MS = 200;
/** Even without reports, "since" and "stuck" move with the clock. */
const TICK_MS = 10_000;

export interface ClassroomServer {
  url: string;
  close(): Promise<void>;
}

class Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly rule: { burst: number; perSecond: number }) {}
  take(key: string, now = Date.now()): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.rule.burst, at: now };
    b.tokens = Math.min(this.rule.burst, b.tokens + ((now - b.at) / 1000) * this.rule.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

function tokenOf(req: Request): string | undefined {
  const auth = req.get('authorization');
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  // EventSource and download links cannot set headers: GETs may carry ?token=.
  return req.method === 'GET' && typeof req.query.token === 'string' ? req.query.token : undefined;
}

export function createApp(room: Room, dashboardHtml: string, limits: RateLimits = DEFAULT_LIMITS): { app: express.Express; stop: () => void } {
  const app = express();
  app.disable('x-powered-by');
  const learnerBuckets = new Buckets(limits.perLearner);
  const addressBuckets = new Buckets(limits.perAddress);
  const streams = new Set<Response>();

  const snapshot = () => {
    const learners = room.learners();
    return JSON.stringify({ learners, failing: failingNow(learners), at: new Date().toISOString() });
  };
  let pending: NodeJS.Timeout | undefined;
  const broadcast = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      const data = `event: room\ndata: ${snapshot()}\n\n`;
      for (const res of streams) res.write(data);
    }, BROADCAST_MS);
  };
  const tick = setInterval(() => streams.size && broadcast(), TICK_MS);
  tick.unref();

  app.use((req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
    if (!addressBuckets.take(req.socket.remoteAddress ?? '?')) return void res.status(429).json({ error: 'too many requests from this address; slow down' });
    next();
  });

  app.get('/', (_req, res) => {
    // The page holds no data: it reads the token from the URL fragment (never sent to the
    // server) and asks the API. Inline script and style only, nothing from a CDN.
    res.set('Content-Security-Policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:");
    res.type('html').send(dashboardHtml);
  });

  app.get('/favicon.ico', (_req, res) => void res.status(204).end());

  const requireToken = (req: Request, res: Response, next: NextFunction) => {
    if (!room.tokenMatches(tokenOf(req))) return void res.status(401).json({ error: 'missing or wrong room token: use the token `npm run classroom` printed' });
    next();
  };

  app.get('/api/ping', requireToken, (_req, res) => void res.json({ ok: true }));

  app.post('/api/reports', requireToken, express.json({ limit: MAX_BODY_BYTES, strict: true, type: () => true }), (req, res) => {
    const parsed = roomReport.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return void res.status(400).json({ error: `invalid report: ${issue.path.join('.') || '(body)'}: ${issue.message}` });
    }
    if (!learnerBuckets.take(parsed.data.name.toLowerCase())) return void res.status(429).json({ error: 'too many reports from this learner; slow down' });
    room.ingest(parsed.data);
    broadcast();
    res.status(202).json({ ok: true });
  });

  app.get('/api/learners', requireToken, (_req, res) => {
    // The documented shape: [{name, lesson, ok, failing, since, hints}] (plus a few extras).
    res.json(room.learners());
  });

  app.get('/api/export.csv', requireToken, (_req, res) => {
    res
      .type('text/csv')
      .attachment(`classroom-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.csv`)
      .send(toCsv(room.learners()));
  });

  app.get('/api/events', requireToken, (req, res) => {
    res.set({ 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
    res.flushHeaders();
    res.write(`retry: 2000\nevent: room\ndata: ${snapshot()}\n\n`);
    streams.add(res);
    req.on('close', () => streams.delete(res));
  });

  app.use((_req, res) => void res.status(404).json({ error: 'no such page; the dashboard is at /' }));

  // Body-parser errors (bad JSON, too large) and anything unexpected: an answer, not a crash.
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    const error =
      err.type === 'entity.too.large'
        ? `report too large (limit ${MAX_BODY_BYTES} bytes)`
        : err.type === 'entity.parse.failed'
          ? 'body is not valid JSON'
          : status === 500
            ? 'internal error'
            : err.message;
    if (!res.headersSent) res.status(status).json({ error });
  });

  const stop = () => {
    clearInterval(tick);
    if (pending) clearTimeout(pending);
    for (const res of streams) res.end();
    streams.clear();
  };
  return { app, stop };
}

export function readDashboard(): string {
  return fs.readFileSync(new URL('./dashboard.html', import.meta.url), 'utf8');
}

export async function startClassroom(room: Room, opts: { host: string; port: number; limits?: RateLimits }): Promise<ClassroomServer> {
  const { app, stop } = createApp(room, readDashboard(), opts.limits);
  const server = http.createServer(app);
  // Slow or stuck clients must not hold sockets forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        stop();
        room.saveNow();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// A Redis restart as the app sees it: every connection dropped, new ones refused for a
// moment, then Redis is back. In a cluster this happens on every Redis rollout or node
// drain. The app must live through it (log, reconnect) and keep its sessions.
import { describeExit, type CheckContext } from '../../verify/lesson-api.ts';
import { describe, signup } from '../shared/api.ts';
import { isolatedEnv, notListening, startInstance } from '../shared/run-app.ts';

const DOWN_MS = 1000;
const RECONNECT_MS = 8000;

export interface Blip {
  ok: boolean;
  /** What happened, for the message. */
  observed: string;
  tail: string[];
}

export async function redisBlip(ctx: CheckContext): Promise<Blip> {
  const { env } = await isolatedEnv(ctx);
  const redis = await ctx.tcpProxy(env.REDIS_URL!);
  const app = await startInstance(ctx, { ...env, REDIS_URL: redis.url }, true);
  const proc = app.result.app;
  const problem = notListening(app);
  if (problem) return { ok: false, observed: problem, tail: proc.tail() };
  const http = ctx.http(app.url);
  const { res, user } = await signup(http, ctx.signal);
  if (res.status !== 201 && res.status !== 200)
    return { ok: false, observed: `before the restart, POST /api/signup answered ${describe(res)}`, tail: proc.tail() };

  redis.proxy.refuse();
  await ctx.sleep(DOWN_MS);
  redis.proxy.restore();
  if (proc.exitInfo) return { ok: false, observed: `the app ${describeExit(proc.exitInfo)} when its Redis connection dropped`, tail: proc.tail() };

  const session = async () => {
    const me = await http.get('/api/me', { timeoutMs: 2000 }).catch(() => (ctx.signal.throwIfAborted(), undefined));
    const works = me?.status === 200 && (me.json as { email?: string } | undefined)?.email === user.email;
    return { works, exited: proc.exitInfo, last: me ? describe(me) : 'no answer' };
  };
  const { value } = await ctx.poll('the session to work again after the Redis outage', session, {
    until: (s) => s.works || Boolean(s.exited),
    timeout: RECONNECT_MS,
    interval: 300,
  });
  if (value.works) return { ok: true, observed: `the app kept running through a ${DOWN_MS / 1000} s Redis outage and the session still works`, tail: [] };
  if (value.exited) return { ok: false, observed: `the app ${describeExit(value.exited)} after its Redis connection dropped`, tail: proc.tail() };
  return { ok: false, observed: `${RECONNECT_MS / 1000} s after Redis came back, GET /api/me still answered ${value.last}`, tail: proc.tail() };
}

// Lesson 05's scenario: two replicas A and B, an admin token, and the evidence each
// check needs (status codes, what B sees after A acted, A's audit lines).
import { defineScenario, type CheckContext, type HttpClient, type HttpResponse, type ScratchDatabase } from '../../verify/lesson-api.ts';
import { signup } from '../shared/api.ts';
import { isolatedEnv, notListening, startInstance, type Instance } from '../shared/run-app.ts';

export interface AdminPair {
  a: Instance;
  b: Instance;
  db: ScratchDatabase;
  token: string;
  /** A logged-in user's browser pointed at A, and at B. */
  toA: HttpClient;
  toB: HttpClient;
  problem?: string;
}

export function adminPair(ctx: CheckContext): Promise<AdminPair> {
  return ctx.scenario(pair);
}

const pair = defineScenario({
  name: 'admin-pair',
  async run(ctx): Promise<AdminPair> {
    const { env, db } = await isolatedEnv(ctx);
    const [a, b] = await Promise.all([startInstance(ctx, env, true), startInstance(ctx, env, true)]);
    const toA = ctx.http(a.url);
    const toB = toA.withBase(b.url);
    const pair: AdminPair = { a, b, db, token: env.ADMIN_TOKEN!, toA, toB, problem: notListening(a) ?? notListening(b) };
    if (!pair.problem) {
      const { res } = await signup(toA, ctx.signal);
      if (res.status >= 300) pair.problem = `POST /api/signup answered ${res.status}`;
    }
    return pair;
  },
});

/** An admin call with the right token (or `token` given), from a client without the user's cookie. */
export function admin(ctx: CheckContext, baseUrl: string, method: string, path: string, token?: string | null, body?: unknown): Promise<HttpResponse> {
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  return ctx.http(baseUrl).request(path, { method, headers, body });
}

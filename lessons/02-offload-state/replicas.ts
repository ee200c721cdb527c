// Two copies of the app, A and B, each from its own copy of the workspace (like two pods:
// same image, same config, separate memory and separate disks), sharing the backing
// services. One browser (one cookie jar) talks to both, as it would through a Service.
import { defineScenario, type CheckContext, type HttpClient } from '../../verify/lesson-api.ts';
import { signup, type SignedUp } from '../shared/api.ts';
import { isolatedEnv, notListening, startInstance, type Instance } from '../shared/run-app.ts';

export interface Replicas {
  env: Record<string, string | undefined>;
  a: Instance;
  b: Instance;
  /** The browser, pointed at A. */
  toA: HttpClient;
  /** The same browser, pointed at B. */
  toB: HttpClient;
  /** Why the pair could not start, when it could not. */
  problem?: string;
  signedUp?: SignedUp;
}

export function replicas(ctx: CheckContext): Promise<Replicas> {
  return ctx.scenario(replicaPair);
}

const replicaPair = defineScenario({
  name: 'replicas',
  async run(ctx): Promise<Replicas> {
    const { env } = await isolatedEnv(ctx);
    const [a, b] = await Promise.all([startInstance(ctx, env, true), startInstance(ctx, env, true)]);
    const toA = ctx.http(a.url);
    const toB = toA.withBase(b.url);
    const problem = notListening(a) ?? notListening(b);
    const pair: Replicas = { env, a, b, toA, toB, problem };
    if (!problem) pair.signedUp = await signup(toA, ctx.signal);
    return pair;
  },
});

/** Start a fresh copy (a new pod after a restart) with the same configuration. */
export function restartOf(ctx: CheckContext, pair: Replicas): Promise<Instance> {
  return startInstance(ctx, pair.env, true);
}

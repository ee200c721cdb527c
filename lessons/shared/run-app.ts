// Starting Teamnotes the way a Deployment would, for every lesson's behaviour checks.
import { defineScenario, describeExit, fail, pass, type CheckContext, type Outcome, type ScratchDatabase, type StartResult } from '../../verify/lesson-api.ts';
import { appEnv, LEGACY_PORT } from './teamnotes.ts';

export interface MissingVarResult {
  name: string;
  ok: boolean;
  /** What happened, for the message: "listened on port 41234", "exited with code 0". */
  observed: string;
  tail: string[];
}

/**
 * How long a copy started without a variable gets to exit or listen. A correct app exits in
 * well under a second, but several copies start at once (and the workshop laptop may be busy
 * building images): a tight limit would blame the learner for a slow machine.
 */
export const MISSING_VAR_WAIT_MS = 10_000;

/**
 * Start the app without `name` (from a copy without .env, so a local file cannot fill it in).
 * Several of these run at once, beside the fully configured copy: an app that hard-codes the
 * legacy port gets it moved to a free one, or the copies would crash on each other's port and
 * the message would blame a missing variable for what was a port conflict.
 */
export async function startWithout(ctx: CheckContext, name: string): Promise<MissingVarResult> {
  const env = await appEnv(ctx, { [name]: undefined });
  const r = await ctx.app.start({ env, withoutFiles: ['.env'], startTimeoutMs: MISSING_VAR_WAIT_MS, remapPorts: { [LEGACY_PORT]: await ctx.app.freePort() } });
  const output = `${r.app.stdout}\n${r.app.stderr}`;
  const tail = r.app.tail(6);
  if (r.ports.length) return { name, ok: false, observed: `started and listened on port ${r.ports[0]}`, tail };
  const conflict = r.app.listenErrors().find((e) => e.error === 'EADDRINUSE');
  if (r.exit && conflict && !output.includes(name)) {
    return {
      name,
      ok: false,
      observed: `${describeExit(r.exit)}, because port ${conflict.port} was already in use (not because ${name} was missing; PORT was ${env.PORT})`,
      tail,
    };
  }
  if (!r.exit) return { name, ok: false, observed: `neither exited nor listened within ${MISSING_VAR_WAIT_MS / 1000} s`, tail };
  if (r.exit.code === 0) return { name, ok: false, observed: 'exited with code 0, which reads as success', tail };
  if (!output.includes(name)) return { name, ok: false, observed: `${describeExit(r.exit)} without naming ${name}`, tail };
  return { name, ok: true, observed: `${describeExit(r.exit)} naming ${name}`, tail };
}

/** The outcome of "started without `name`, the app must stop and name it", with the lesson's why and fix. */
export async function requiredVariable(ctx: CheckContext, name: string, details: { why: string; fix: string }): Promise<Outcome> {
  const r = await startWithout(ctx, name);
  return r.ok
    ? pass(`without ${name} the app ${r.observed}`)
    : fail(`without ${name} the app ${r.observed}`, { expected: `exit non-zero, naming ${name}`, ...details, evidence: r.tail });
}

/** Everything a started copy of the app needs a check to know. */
export interface Instance {
  result: StartResult;
  port: number;
  url: string;
  env: Record<string, string | undefined>;
}

export interface IsolatedEnv {
  env: Record<string, string | undefined>;
  /** The empty database DATABASE_URL names, so a check can see what the app wrote. */
  db: ScratchDatabase;
}

/** A complete environment with a fresh database and a Redis database of its own. */
export async function isolatedEnv(ctx: CheckContext, overrides: Record<string, string | undefined> = {}): Promise<IsolatedEnv> {
  const [db, redisUrl] = await Promise.all([ctx.postgres.scratchDatabase(), ctx.redis.scratchUrl()]);
  return { db, env: await appEnv(ctx, { DATABASE_URL: db.url, REDIS_URL: redisUrl, ...overrides }) };
}

/**
 * How long a started copy gets to listen. The later lessons' app loads a queue, metrics and
 * a JSON logger and takes several seconds alone on a busy laptop, and checks start two or
 * three copies at once: slowness is not the learner's mistake, an app that never listens is.
 */
export const START_WAIT_MS = 20_000;

/** Start one copy with `env` on a port of its own; `isolated` gives it a private filesystem, like a pod. */
export async function startInstance(ctx: CheckContext, env: Record<string, string | undefined>, isolated = false): Promise<Instance> {
  for (let attempt = 1; ; attempt++) {
    const port = await ctx.app.freePort();
    const result = await ctx.app.start({ env: { ...env, PORT: String(port) }, isolated, startTimeoutMs: START_WAIT_MS });
    // The port was free when the verifier chose it, and another program took it before the app
    // bound it (seen on a busy machine running several test suites): the verifier's bad luck, not
    // the learner's mistake. One more try on another port; a second clash is reported as it is.
    const clash = result.exit && result.app.listenErrors().some((e) => e.port === port && e.error === 'EADDRINUSE');
    if (!clash || attempt >= 2) return { result, port, url: `http://127.0.0.1:${port}`, env: { ...env, PORT: String(port) } };
  }
}

/**
 * The app started once per run with a complete configuration, shared by every check
 * that just needs it running (one start instead of several).
 */
export function configuredApp(ctx: CheckContext): Promise<Instance & { db: ScratchDatabase }> {
  return ctx.scenario(configured);
}

const configured = defineScenario({
  name: 'configured-app',
  async run(ctx): Promise<Instance & { db: ScratchDatabase }> {
    const { env, db } = await isolatedEnv(ctx);
    return { ...(await startInstance(ctx, env)), db };
  },
});

/** Did it start listening where it was told? A failure message when not. */
export function notListening(i: Instance): string | undefined {
  const r = i.result;
  if (r.ports.includes(i.port)) return undefined;
  if (r.exit) return `the app ${describeExit(r.exit)} before it listened`;
  return r.ports.length ? `the app listened on ${r.ports.join(', ')} instead of PORT=${i.port}` : `the app did not listen within ${START_WAIT_MS / 1000} s`;
}

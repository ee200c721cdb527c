// Behaviour probes for lesson 01: start the app the way a Deployment would and watch
// what it does with the configuration it is given.
import type { CheckContext } from '../../verify/core/check.ts';
import { describeExit, type StartResult } from '../../verify/probes/app.ts';
import type { ScratchDatabase } from '../../verify/probes/postgres.ts';
import { appEnv } from '../shared/teamnotes.ts';

export interface MissingVarResult {
  name: string;
  ok: boolean;
  /** What happened, for the message: "listened on port 41234", "exited with code 0". */
  observed: string;
  tail: string[];
}

/** Start the app without `name` (from a copy without .env, so a local file cannot fill it in). */
export async function startWithout(ctx: CheckContext, name: string): Promise<MissingVarResult> {
  const env = await appEnv(ctx, { [name]: undefined });
  const r = await ctx.app.start({ env, withoutFiles: ['.env'], startTimeoutMs: 5000 });
  const output = `${r.app.stdout}\n${r.app.stderr}`;
  const tail = r.app.tail(6);
  if (r.ports.length) return { name, ok: false, observed: `started and listened on port ${r.ports[0]}`, tail };
  if (!r.exit) return { name, ok: false, observed: 'neither exited nor listened within 5 s', tail };
  if (r.exit.code === 0) return { name, ok: false, observed: 'exited with code 0, which reads as success', tail };
  if (!output.includes(name)) return { name, ok: false, observed: `${describeExit(r.exit)} without naming ${name}`, tail };
  return { name, ok: true, observed: `${describeExit(r.exit)} naming ${name}`, tail };
}

export interface ConfiguredApp {
  result: StartResult;
  port: number;
  /** The empty database its DATABASE_URL names, so a check can see what the app wrote. */
  db: ScratchDatabase;
}

/**
 * The app started once per run with a complete configuration, a free PORT and a fresh
 * database, shared by every check that needs it running (one start instead of several).
 */
export function configuredApp(ctx: CheckContext): Promise<ConfiguredApp> {
  return ctx.shared('configured-app', async () => {
    const db = await ctx.postgres.scratchDatabase();
    const env = await appEnv(ctx, { DATABASE_URL: db.url });
    return { result: await ctx.app.start({ env }), port: Number(env.PORT), db };
  });
}

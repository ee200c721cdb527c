// What every lesson knows about the Teamnotes app: the configuration contract from
// lesson 01 on, and how to start it the way a deployment would. Lesson knowledge lives
// here, in lessons/, so the engine in verify/ stays lesson-agnostic.
import { randomBytes } from 'node:crypto';
import type { CheckContext } from '../../verify/lesson-api.ts';

/** From lesson 01 on, the app refuses to start without these. */
export const REQUIRED_VARS = ['DATABASE_URL', 'SESSION_SECRET', 'SMTP_URL'] as const;

/** The secrets the legacy app ships with; none may survive anywhere in the tree. */
export const LEGACY_SECRETS = ['Tn-prod-2019!', 'smtp-S3cret-99', 'teamnotes-keyboard-cat-2019'];

/** The port the legacy app hard-codes. */
export const LEGACY_PORT = 3000;

/** A complete environment for the app, as a Deployment would give it: backing services, a fresh secret, a free port. */
export async function appEnv(ctx: CheckContext, overrides: Record<string, string | undefined> = {}): Promise<Record<string, string | undefined>> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: ctx.services.url('DATABASE_URL'),
    REDIS_URL: ctx.services.url('REDIS_URL'),
    SMTP_URL: ctx.services.url('SMTP_URL'),
    SESSION_SECRET: randomBytes(24).toString('hex'),
    // Required from lesson 05 on; earlier lessons' apps ignore it.
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    PORT: String(await ctx.app.freePort()),
    ...overrides,
  };
}

/** A unique, recognisable test user. */
export function testUser(): { email: string; name: string; password: string } {
  const id = randomBytes(4).toString('hex');
  return { email: `verify-${id}@teamnotes.test`, name: `Verify ${id}`, password: `pw-${randomBytes(8).toString('hex')}` };
}

/** Every secret value in an environment: for "never in a log line" checks. Short values are skipped (they match by chance). */
export function secretValues(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (/SECRET|TOKEN|PASSWORD/.test(name)) out.push(value);
    if (/_URL$/.test(name)) {
      try {
        const password = decodeURIComponent(new URL(value).password);
        if (password) out.push(password);
      } catch {
        // Not a URL: nothing embedded.
      }
    }
  }
  return [...new Set(out)].filter((v) => v.length >= 6);
}

// The backing services (Postgres, Redis, SMTP) the verifier injects into the learner's
// app. They come from the environment, or from `.workshop/services.env`, which
// `npm run setup` (kind) and `npm run services` (local binaries) write.
import fs from 'node:fs';
import { parseEnv } from 'node:util';
import { EnvironmentError } from '../core/errors.ts';
import { SERVICES_ENV_FILE } from '../core/paths.ts';

export const SERVICE_VARS = ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL'] as const;
export type ServiceVar = (typeof SERVICE_VARS)[number];
export type ServiceUrls = Record<ServiceVar, string>;

const NEXT = 'npm run setup   (no Docker? run `npm run services` in another terminal)';

export class ServicesProbe {
  private cached?: Partial<ServiceUrls>;

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly file = SERVICES_ENV_FILE,
  ) {}

  private load(): Partial<ServiceUrls> {
    if (!this.cached) {
      const fromFile = fs.existsSync(this.file) ? (parseEnv(fs.readFileSync(this.file, 'utf8')) as Record<string, string>) : {};
      this.cached = {};
      for (const key of SERVICE_VARS) {
        const value = this.env[key] ?? fromFile[key];
        if (value) this.cached[key] = value;
      }
    }
    return this.cached;
  }

  /** The URL of one service, or an EnvironmentError (exit 2) that says how to start it. */
  url(name: ServiceVar): string {
    const value = this.load()[name];
    if (!value) {
      throw new EnvironmentError(`${name} is not set and ${SERVICES_ENV_FILE} does not provide it, so there is no backing service to give your app.`, NEXT);
    }
    return value;
  }

  /** What is configured, without failing: for the doctor and lesson 00. */
  configured(): Partial<ServiceUrls> {
    return { ...this.load() };
  }
}

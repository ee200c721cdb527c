// A scratch database per check, so a check can prove the app used *the* DATABASE_URL
// it was given (and not a hard-coded one) by looking at what landed inside it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { EnvironmentError } from '../core/errors.ts';
import type { Cleanup } from './cleanup.ts';
import type { ServicesProbe } from './services.ts';

export interface ScratchDatabase {
  name: string;
  url: string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
}

export class PostgresProbe {
  constructor(
    private readonly services: ServicesProbe,
    private readonly cleanup: Cleanup,
  ) {}

  async scratchDatabase(): Promise<ScratchDatabase> {
    const adminUrl = this.services.url('DATABASE_URL');
    const name = `verify_${randomBytes(5).toString('hex')}`;
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    let pool: pg.Pool | undefined;
    // The drop is registered before CREATE DATABASE is sent, and waits for it to settle: a Ctrl-C
    // that lands while the server is still creating the database must still drop it, and a drop
    // sent before the CREATE commits would find nothing and leave a verify_* database behind.
    const created = this.create(adminUrl, name);
    this.cleanup.add(async () => {
      const ok = await created.then(
        () => true,
        () => false,
      );
      await pool?.end().catch(() => {});
      if (!ok) return;
      const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
      await c.connect();
      // FORCE (Postgres 13+) ends the app's leftover connections first.
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
    });
    await created;
    pool = new pg.Pool({ connectionString: url.href, max: 2, connectionTimeoutMillis: 3000 });
    // An idle connection the server ends (the database dropped, Postgres stopped) is nobody's
    // error: without a listener the pool would throw it into the whole process.
    pool.on('error', () => undefined);
    const open = pool;
    return {
      name,
      url: url.href,
      query: async (sql, params) => (await open.query(sql, params)).rows,
    };
  }

  private async create(adminUrl: string, name: string): Promise<void> {
    const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
    try {
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
    } catch (err) {
      throw new EnvironmentError(
        `Cannot create a scratch database on the Postgres at ${redact(adminUrl)}: ${(err as Error).message}.`,
        'npm run verify 0   (checks the backing services)',
      );
    } finally {
      await admin.end().catch(() => {});
    }
  }
}

/** A URL safe to print: the password replaced by `***`. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return '(unparseable URL)';
  }
}

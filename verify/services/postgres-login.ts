// One login to a Postgres: what `npm run services` waits for after starting its own, and what
// setup checks the legacy app's credentials with. pg is loaded on first use, so neither command
// pays for it at start.

/** Logs in to `url` and runs SELECT 1: `{}` when that works, else the error it gave. */
export async function tryPostgresLogin(url: string, connectionTimeoutMillis: number): Promise<{ error?: string }> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return {};
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    await client.end().catch(() => {});
  }
}

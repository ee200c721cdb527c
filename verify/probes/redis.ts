// A scratch Redis database per use, so runs that happen at the same time (a test
// suite, two terminals) never read each other's keys: a Redis server has 16 numbered
// databases; we hand out 1–15 in turn (a counter in db 0) and empty the one we take.
import { createClient } from 'redis';
import { EnvironmentError } from '../core/errors.ts';
import type { Cleanup } from './cleanup.ts';
import { redact } from './postgres.ts';
import type { ServicesProbe } from './services.ts';

export class RedisProbe {
  constructor(
    private readonly services: ServicesProbe,
    private readonly cleanup: Cleanup,
  ) {}

  async scratchUrl(): Promise<string> {
    const base = this.services.url('REDIS_URL');
    const client = createClient({ url: base, socket: { connectTimeout: 3000, reconnectStrategy: false } });
    client.on('error', () => {});
    try {
      await client.connect();
      const index = ((await client.incr('verify:scratch-db-counter')) % 15) + 1;
      await client.select(index);
      await client.flushDb();
      const url = new URL(base);
      url.pathname = `/${index}`;
      this.cleanup.add(async () => {
        const c = createClient({ url: url.href, socket: { connectTimeout: 3000, reconnectStrategy: false } });
        c.on('error', () => {});
        await c.connect();
        await c.flushDb();
        await c.close();
      });
      return url.href;
    } catch (err) {
      throw new EnvironmentError(`Cannot use the Redis at ${redact(base)}: ${(err as Error).message}.`, 'npm run verify 0   (checks the backing services)');
    } finally {
      await client.close().catch(() => {});
    }
  }
}

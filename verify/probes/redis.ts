// A scratch Redis database per use, so runs that happen at the same time (a test
// suite, two terminals) never read each other's keys: a Redis server has 16 numbered
// databases; a run claims a free one of 1–15 with a lease in db 0 (SET NX EX, so a
// crashed run's claim expires), empties it, and releases it at cleanup.
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';

type Client = ReturnType<typeof connectTo>;

function connectTo(url: string) {
  const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on('error', () => {});
  return client;
}
import { EnvironmentError } from '../core/errors.ts';
import { poll } from '../core/poll.ts';
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
    const client = connectTo(base);
    try {
      await client.connect();
      const index = await this.claim(client);
      await client.select(index);
      await client.flushDb();
      const url = new URL(base);
      url.pathname = `/${index}`;
      this.cleanup.add(async () => {
        const c = connectTo(base);
        await c.connect();
        await c.select(index);
        await c.flushDb();
        await c.select(0);
        await c.del(`verify:scratch:${index}`);
        await c.close();
      });
      return url.href;
    } catch (err) {
      throw new EnvironmentError(`Cannot use the Redis at ${redact(base)}: ${(err as Error).message}.`, 'npm run verify 0   (checks the backing services)');
    } finally {
      await client.close().catch(() => {});
    }
  }

  /** The first free database index, waiting (bounded) while all 15 are in use. */
  private async claim(client: Client): Promise<number> {
    const owner = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const free = async () => {
      for (let i = 1; i <= 15; i++) {
        if ((await client.set(`verify:scratch:${i}`, owner, { condition: 'NX', expiration: { type: 'EX', value: 300 } })) === 'OK') return i;
      }
      return undefined;
    };
    const claimed = await poll('a free Redis scratch database (1-15)', free, { timeout: 20_000, interval: 250 });
    if (claimed.value === undefined) throw new Error('all 15 scratch databases are in use by other verify runs');
    return claimed.value;
  }
}

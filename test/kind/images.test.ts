// The stand-in images (scripts/kind/images/): each starts and behaves like the official image in
// what this course uses. Real containers in the kind tier's private dockerd, reached only through
// 127.0.0.1 port publishing (docker-proxy). A cold cache builds every image first (about 15 min on
// 2 cores, mostly the Go builds); a warm one loads the archives in about a minute.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadImages } from '../../scripts/setup/images.ts';
import { ensureStandInImages, standInImages, UNBUILDABLE, type StandInResult } from '../../scripts/kind/images/build.ts';
import { prometheusModuleVersion } from '../../scripts/kind/images/stand-ins.ts';
import { KIND_NETWORK, startPrivateDockerd, type PrivateDockerd } from '../../scripts/kind/dockerd.ts';

const pexec = promisify(execFile);
const RUN = `l2k-standin-test-${process.pid}`;
/** The stand-in for a repository (or a full name), made or loaded on first use. */
async function img(repositoryOrRef: string): Promise<string> {
  const ref = repositoryOrRef.includes(':') ? repositoryOrRef : standInImages().find((i) => i.startsWith(`${repositoryOrRef}:`));
  if (!ref) throw new Error(`no stand-in for ${repositoryOrRef} in images.yaml`);
  return (await ready(ref)).image;
}

let d: PrivateDockerd;
const containers: string[] = [];
const volumes: string[] = [];

const docker = (args: string[]) => d.docker(args);

/** Start a container on the kind network with its ports published on 127.0.0.1 (random host ports). */
async function start(
  name: string,
  ports: number[],
  args: string[],
  opts: { volumes?: string[] } = {},
): Promise<{ name: string; port: (p: number) => Promise<number> }> {
  const full = `${RUN}-${name}`;
  containers.push(full);
  await docker([
    'run',
    '-d',
    '--name',
    full,
    '--network',
    KIND_NETWORK.name,
    ...ports.flatMap((p) => ['-p', `127.0.0.1::${p}`]),
    ...(opts.volumes ?? []).flatMap((v) => ['-v', v]),
    ...args,
  ]);
  return {
    name: full,
    port: async (p) => {
      const out = await docker(['port', full, `${p}/tcp`]);
      const m = /127\.0\.0\.1:(\d+)/.exec(out);
      if (!m) throw new Error(`${full} publishes ${p} nowhere on 127.0.0.1: ${out}`);
      return Number(m[1]);
    },
  };
}

async function logs(name: string): Promise<string> {
  const { stdout, stderr } = await pexec('docker', ['logs', name], { env: d.env }).catch((e: { stdout?: string; stderr?: string }) => ({
    stdout: e.stdout ?? '',
    stderr: e.stderr ?? '',
  }));
  return `${stdout}${stderr}`;
}

async function eventually<T>(what: string, probe: () => Promise<T>, timeoutMs = 60_000, container?: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      return await probe();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const tail = container ? `\n--- docker logs ${container}:\n${(await logs(container)).split('\n').slice(-15).join('\n')}` : '';
  throw new Error(`${what} did not happen within ${timeoutMs / 1000}s: ${(last as Error)?.message}${tail}`);
}

async function exitCodeOf(name: string, timeoutMs = 60_000): Promise<number> {
  const out = await eventually(
    'container exit',
    async () => {
      const s = (await docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name])).trim();
      if (!s.startsWith('exited')) throw new Error(`still ${s}`);
      return s;
    },
    timeoutMs,
    name,
  );
  return Number(out.split(' ')[1]);
}

async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

/** Each image is made (or loaded from the cache) when a test first needs it, so `-t redis` builds only Redis. */
const ensured = new Map<string, Promise<StandInResult>>();
function ready(ref: string): Promise<StandInResult> {
  let p = ensured.get(ref);
  if (!p) {
    p = ensureStandInImages({ dockerd: d, images: [ref], log: (l) => console.log(`[stand-ins] ${l}`) }).then((r) => r[0]!);
    ensured.set(ref, p);
  }
  return p;
}
/** A cold cache builds from source (the Go builds take many minutes on 2 cores); a warm one loads. */
const BUILD_BUDGET = 40 * 60_000;

beforeAll(async () => {
  d = await startPrivateDockerd({ reuse: true });
}, 120_000);

afterAll(async () => {
  for (const c of containers) await docker(['rm', '-f', '-v', c]).catch(() => {});
  for (const v of volumes) await docker(['volume', 'rm', '-f', v]).catch(() => {});
  await d?.stop();
}, 120_000);

describe('which images stand in', () => {
  test(
    'every images.yaml entry is either built under its exact name or listed as unbuildable',
    async () => {
      const listed = loadImages().images.map((i) => i.image);
      const results = [];
      for (const ref of standInImages()) results.push(await ready(ref));
      const built = results.map((r) => r.image);
      for (const name of listed) expect(built.includes(name) !== UNBUILDABLE.includes(name), name).toBe(true);
      for (const name of built) await expect(docker(['image', 'inspect', '--format', '{{.Id}}', name]), name).resolves.toMatch(/^sha256:/);
    },
    BUILD_BUDGET,
  );

  test('Prometheus 3.MM.P is built from Go module v0.3MM.P', () => {
    expect(prometheusModuleVersion('v3.7.3')).toBe('v0.307.3');
    expect(prometheusModuleVersion('v3.16.0')).toBe('v0.316.0');
    expect(() => prometheusModuleVersion('v2.55.1')).toThrow(/not a 3\.x release/);
  });

  test(
    'exactly Grafana, Loki and Fluent Bit cannot be built here',
    () => {
      expect([...UNBUILDABLE].map((i) => i.split(':')[0]).sort()).toEqual(['fluent/fluent-bit', 'grafana/grafana', 'grafana/loki']);
    },
    BUILD_BUDGET,
  );
});

describe('postgres', () => {
  const env = ['-e', 'POSTGRES_USER=teamnotes', '-e', 'POSTGRES_PASSWORD=Tn-prod-2019!', '-e', 'POSTGRES_DB=teamnotes'];
  const connect = async (port: number, password: string) => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'teamnotes', password, database: 'teamnotes', connectionTimeoutMillis: 3000 });
    await c.connect();
    return c;
  };

  test(
    '17: initdb with POSTGRES_*, a password login from another host, pg_isready, and data kept across a restart',
    async () => {
      const vol = `${RUN}-pg17`;
      volumes.push(vol);
      // As lesson 09 runs it: the volume at the pre-18 path, PGDATA one folder down.
      const c = await start('pg17', [5432], [...env, '-e', 'PGDATA=/var/lib/postgresql/data/pgdata', await img('postgres')], {
        volumes: [`${vol}:/var/lib/postgresql/data`],
      });
      const port = await c.port(5432);
      const client = await eventually('a login as teamnotes', () => connect(port, 'Tn-prod-2019!'), 90_000, c.name);
      try {
        const r = await client.query('SELECT current_user AS u, current_database() AS db, version() AS v');
        expect(r.rows[0]).toMatchObject({ u: 'teamnotes', db: 'teamnotes' });
        expect(r.rows[0].v).toMatch(/^PostgreSQL 17\./);
        await client.query('CREATE TABLE kept (note text); INSERT INTO kept VALUES ($$survives$$)');
      } finally {
        await client.end();
      }
      // From the host, the connection arrives from the network's gateway, not loopback: a password is checked.
      await expect(connect(port, 'wrong')).rejects.toThrow(/password authentication failed/);
      await docker(['exec', c.name, 'pg_isready', '-h', '127.0.0.1', '-U', 'teamnotes', '-d', 'teamnotes']);
      expect((await docker(['exec', c.name, 'stat', '-c', '%u', '/var/lib/postgresql/data/pgdata'])).trim()).toBe('70');

      await docker(['restart', c.name]);
      const port2 = await c.port(5432);
      const again = await eventually('a login after the restart', () => connect(port2, 'Tn-prod-2019!'), 60_000, c.name);
      try {
        expect((await again.query('SELECT note FROM kept')).rows).toEqual([{ note: 'survives' }]);
      } finally {
        await again.end();
      }
      expect(await logs(c.name)).toMatch(/Skipping initialization/);
    },
    BUILD_BUDGET,
  );

  test(
    '17: without POSTGRES_PASSWORD the container stops and says what to set',
    async () => {
      const c = await start('pg17-nopass', [], [await img('postgres')]);
      expect(await exitCodeOf(c.name)).toBe(1);
      expect(await logs(c.name)).toMatch(/POSTGRES_PASSWORD/);
    },
    BUILD_BUDGET,
  );

  test(
    '18: refuses a volume at the pre-18 path (unused mount/volume), runs with it at /var/lib/postgresql',
    async () => {
      const old = await start('pg18-old', [], [...env, '-v', '/var/lib/postgresql/data', await img('postgres:18-alpine')]);
      expect(await exitCodeOf(old.name)).toBe(1);
      expect(await logs(old.name)).toMatch(/there appears to be PostgreSQL data in:\s+\/var\/lib\/postgresql\/data \(unused mount\/volume\)/);

      const ok = await start('pg18', [5432], [...env, '-v', '/var/lib/postgresql', await img('postgres:18-alpine')]);
      const client = await eventually('a login to 18', async () => connect(await ok.port(5432), 'Tn-prod-2019!'), 90_000, ok.name);
      try {
        expect((await client.query('SHOW data_directory')).rows[0].data_directory).toBe('/var/lib/postgresql/18/docker');
        expect((await client.query('SELECT version() AS v')).rows[0].v).toMatch(/^PostgreSQL 18\./);
      } finally {
        await client.end();
      }
    },
    BUILD_BUDGET,
  );
});

/** A connected node-redis client (the one the verifier uses); throws while Redis is not up yet. */
async function redisClient(port: number, password?: string) {
  const c = createClient({ url: `redis://${password ? `:${password}@` : ''}127.0.0.1:${port}`, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  c.on('error', () => {});
  await c.connect();
  return c;
}

describe('redis', () => {
  test(
    'the default command answers PING from another host (protected mode off, as upstream)',
    async () => {
      const c = await start('redis-plain', [6379], [await img('redis')]);
      const port = await c.port(6379);
      const r = await eventually('a connection', () => redisClient(port), 60_000, c.name);
      try {
        expect(await r.ping()).toBe('PONG');
        // Debian's package: 7.0.x, whatever the tag says (the Dockerfile and the report say so too).
        expect(await r.info('server')).toMatch(/redis_version:7\./);
      } finally {
        await r.close();
      }
      expect((await docker(['exec', c.name, 'redis-cli', 'ping'])).trim()).toBe('PONG');
    },
    BUILD_BUDGET,
  );

  test(
    "lesson 09's args: --requirepass and --appendonly yes in /data, as uid 999",
    async () => {
      const c = await start('redis-auth', [6379], [await img('redis'), '--requirepass', 's3cret', '--appendonly', 'yes', '--dir', '/data']);
      const port = await c.port(6379);
      const r = await eventually('a login', () => redisClient(port, 's3cret'), 60_000, c.name);
      try {
        await r.set('k', 'v');
        expect(await r.configGet('appendonly')).toEqual({ appendonly: 'yes' });
      } finally {
        await r.close();
      }
      // Without the password: refused (node-redis already fails at its HELLO on connect).
      const anonymous = async () => {
        const a = await redisClient(port);
        try {
          return await a.get('k');
        } finally {
          await a.close().catch(() => {});
        }
      };
      await expect(anonymous()).rejects.toThrow(/NOAUTH/);
      const sh = "ls -n /data | awk 'NR>1 {print $3}' | sort -u; redis-cli --no-auth-warning -a s3cret ping";
      expect((await docker(['exec', c.name, 'sh', '-c', sh])).trim().split('\n')).toEqual(['999', 'PONG']);
    },
    BUILD_BUDGET,
  );
});

describe('mailpit', () => {
  test(
    'accepts SMTP with any login on 1025 and shows the message in its API on 8025, as uid 1000',
    async () => {
      const c = await start(
        'mailpit',
        [1025, 8025],
        ['--user', '1000:1000', '-e', 'MP_SMTP_AUTH_ACCEPT_ANY=true', '-e', 'MP_SMTP_AUTH_ALLOW_INSECURE=true', await img('axllent/mailpit')],
      );
      const api = await c.port(8025);
      await eventually('/readyz', async () => expect((await httpGet(`http://127.0.0.1:${api}/readyz`)).status).toBe(200), 60_000, c.name);
      const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: await c.port(1025), secure: false, auth: { user: 'any', pass: 'thing' } });
      await smtp.sendMail({ from: 'teamnotes@example.test', to: 'team@example.test', subject: 'Stand-in check', text: 'hello' });
      const list = JSON.parse((await httpGet(`http://127.0.0.1:${api}/api/v1/messages`)).body) as { total: number; messages: { Subject: string }[] };
      expect(list.total).toBe(1);
      expect(list.messages[0]?.Subject).toBe('Stand-in check');
    },
    BUILD_BUDGET,
  );
});

describe('traefik', () => {
  test(
    'flags alone run traefik; /ping answers on the admin entry point, read-only and as uid 65532',
    async () => {
      const c = await start(
        'traefik',
        [8000, 9000],
        [
          '--user',
          '65532:65532',
          '--read-only',
          await img('traefik'),
          '--entryPoints.web.address=:8000',
          '--entryPoints.traefik.address=:9000',
          '--ping=true',
          '--log.level=INFO',
        ],
      );
      const admin = await c.port(9000);
      await eventually('/ping', async () => expect(await httpGet(`http://127.0.0.1:${admin}/ping`)).toEqual({ status: 200, body: 'OK' }), 60_000, c.name);
      // No router matches: Traefik's own 404, which is what an Ingress pointed at nothing shows.
      expect((await httpGet(`http://127.0.0.1:${await c.port(8000)}/`)).status).toBe(404);
      // The module version may be the nearest patch the Go proxy serves (stand-ins.ts says which): same minor.
      const minor = (await img('traefik')).split(':')[1]!.replace(/\.\d+$/, '');
      expect(await docker(['run', '--rm', '--network', 'none', await img('traefik'), 'version'])).toMatch(
        new RegExp(`Version:\\s+${minor.replace(/\./g, '\\.')}\\.\\d+`),
      );
    },
    BUILD_BUDGET,
  );
});

describe('prometheus', () => {
  test(
    'the default command: ready, healthy, scraping itself, as nobody',
    async () => {
      const c = await start('prometheus', [9090], [await img('prom/prometheus')]);
      const port = await c.port(9090);
      await eventually('/-/ready', async () => expect((await httpGet(`http://127.0.0.1:${port}/-/ready`)).status).toBe(200), 60_000, c.name);
      expect((await httpGet(`http://127.0.0.1:${port}/-/healthy`)).status).toBe(200);
      const tag = (await img('prom/prometheus')).split(':v')[1];
      const info = JSON.parse((await httpGet(`http://127.0.0.1:${port}/api/v1/status/buildinfo`)).body) as { data: { version: string } };
      expect(info.data.version).toBe(tag);
      // The image's default prometheus.yml scrapes Prometheus itself every 15 s.
      await eventually(
        'up == 1 for its own job',
        async () => {
          const q = JSON.parse((await httpGet(`http://127.0.0.1:${port}/api/v1/query?query=up`)).body) as { data: { result: { value: [number, string] }[] } };
          expect(q.data.result[0]?.value[1]).toBe('1');
        },
        60_000,
        c.name,
      );
      expect((await docker(['exec', c.name, 'id', '-u'])).trim()).toBe('65534');
    },
    BUILD_BUDGET,
  );
});

describe('node', () => {
  test(
    "node --version is the tag's version, and the user node is uid 1000",
    async () => {
      const ref = await img('node');
      const version = /^node:(\d+\.\d+\.\d+)/.exec(ref)![1];
      expect((await docker(['run', '--rm', '--network', 'none', ref, 'node', '--version'])).trim()).toBe(`v${version}`);
      expect((await docker(['run', '--rm', '--network', 'none', ref, '--version'])).trim()).toBe(`v${version}`);
      expect((await docker(['run', '--rm', '--network', 'none', ref, 'id', 'node'])).trim()).toMatch(/^uid=1000\(node\) gid=1000\(node\)/);
    },
    BUILD_BUDGET,
  );

  test(
    "lesson 06's Dockerfile builds on it: RUN npm ci reaches the registry, and the app's image runs as 1000",
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'l2k-standin-node-'));
      const tag = `${RUN}-app:test`;
      try {
        await cp(path.join(process.cwd(), 'solutions/06-containerize'), dir, { recursive: true, filter: (src) => !/node_modules|\.env$/.test(src) });
        // The private dockerd has no default bridge, so the build's RUN steps get the host's network.
        await docker(['build', '--network', 'host', '-t', tag, dir]);
        expect((await docker(['run', '--rm', '--network', 'none', '--entrypoint', 'id', tag, '-u'])).trim()).toBe('1000');
        expect(await docker(['run', '--rm', '--network', 'none', tag, 'node', '-e', "require('express'); console.log('ok')"])).toMatch(/ok/);
      } finally {
        await docker(['rmi', '-f', tag]).catch(() => {});
        await rm(dir, { recursive: true, force: true });
      }
    },
    BUILD_BUDGET,
  );
});

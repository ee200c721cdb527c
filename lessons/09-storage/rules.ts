// Where Postgres and Redis keep their data. Database knowledge for lesson 09's checks.
import { envSource, parseImage, type ContainerAt, type Manifest, type ObjectOf, type PodTemplate } from '../../verify/lesson-api.ts';

/** The directory a database container writes, and the mount path the lesson recommends. */
export function dataDir(kind: 'postgres' | 'redis', c: ContainerAt): { dir: string; why: string } {
  if (kind === 'redis') {
    const args = [...(c.container.command ?? []), ...(c.container.args ?? [])];
    const i = args.indexOf('--dir');
    return i >= 0 && args[i + 1] ? { dir: args[i + 1]!, why: '--dir in its arguments' } : { dir: '/data', why: "the redis image's working directory" };
  }
  const pgdata = envSource(c, 'PGDATA');
  if (pgdata.from === 'literal' && pgdata.value) return { dir: pgdata.value, why: 'PGDATA' };
  const major = Number(/^(\d+)/.exec(parseImage(c.container.image ?? '').tag ?? '')?.[1] ?? 17);
  return major >= 18
    ? {
        dir: `/var/lib/postgresql/${major}/docker`,
        why: `postgres ${major} images keep data under /var/lib/postgresql/${major}/docker (mount /var/lib/postgresql)`,
      }
    : { dir: '/var/lib/postgresql/data', why: `postgres ${major} images keep data in /var/lib/postgresql/data` };
}

/** A mount covers a directory when it is that directory or one of its parents. */
export function covers(mountPath: string, dir: string): boolean {
  const m = mountPath.replace(/\/+$/, '') || '/';
  return dir === m || dir.startsWith(m === '/' ? '/' : `${m}/`);
}

/** Redis persistence switched off the way the throwaway setup Redis does (`--save "" --appendonly no`). */
export function redisPersistenceOff(c: ContainerAt): boolean {
  const args = [...(c.container.command ?? []), ...(c.container.args ?? [])];
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  return value('--save') === '' && value('--appendonly') !== 'yes';
}

/** The password-bearing argument of `redis-server --requirepass X`, if any. */
export function requirepass(c: ContainerAt): string | undefined {
  const args = [...(c.container.command ?? []), ...(c.container.args ?? [])];
  const i = args.indexOf('--requirepass');
  if (i >= 0) return args[i + 1] ?? '';
  const inline = args.find((a) => /--requirepass\s+\S+/.test(a));
  return inline ? /--requirepass\s+(\S+)/.exec(inline)![1] : undefined;
}

/**
 * Whether Redis keeps an append-only file, so a crash loses no acknowledged write: the
 * official image starts with it off. Correct answers: `--appendonly yes` in command/args,
 * or a redis.conf from a ConfigMap of k8s/ (mounted as a volume, passed as the first
 * argument) that says `appendonly yes`; a later `--appendonly no` wins over the file.
 */
export function redisAppendOnly(c: ContainerAt, tpl: PodTemplate, configMaps: Array<Manifest<ObjectOf<'ConfigMap'>>>): boolean {
  // Tokens, so `sh -c "redis-server /etc/redis.conf --appendonly yes"` reads like the exec form.
  const args = [...(c.container.command ?? []), ...(c.container.args ?? [])].flatMap((a) => a.split(/\s+/)).map((a) => a.replace(/^["']|["']$/g, ''));
  const flag = args
    .map((a, i) => (a === '--appendonly' ? args[i + 1] : /^--appendonly[= ]/.test(a) ? a.split(/[= ]/)[1] : undefined))
    .filter((x) => x !== undefined)
    .at(-1);
  if (flag !== undefined) return flag === 'yes';
  const conf = args.find((a) => /\.conf$/.test(a));
  if (!conf) return false;
  const mount = (c.container.volumeMounts ?? []).find((vm) => covers(vm.mountPath, conf));
  const volume = (tpl.spec.volumes ?? []).find((v) => v.name === mount?.name);
  const cm = configMaps.find((m) => m.name === volume?.configMap?.name);
  const data = cm?.object.data ?? {};
  const key = mount?.subPath || conf.slice((mount?.mountPath.replace(/\/+$/, '') ?? '').length + 1);
  const text = key in data ? String(data[key]) : Object.values(data).map(String).join('\n');
  return /^\s*appendonly\s+"?yes"?\s*$/im.test(text);
}

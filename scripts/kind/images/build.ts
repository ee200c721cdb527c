// Stand-in images for what learners pull from Docker Hub but this machine cannot: each is built
// from registry packages (npm, Debian, the Go module proxy), tagged with the exact name in
// images.yaml so no manifest changes, and kept as a `docker save | zstd` archive in
// ${LEGACY_TO_K8S_CACHE:-~/.cache/legacy-to-k8s}/kind-images/, keyed by its pins and a hash of its
// build files. A warm run only loads archives into the daemon (or finds the images already there).
//
//   const results = await ensureStandInImages({ dockerd, log });   // dockerd: startPrivateDockerd()
//
// The images are for tests on this machine: the Node base carries its CA bundle. Never push them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadImages } from '../../setup/images.ts';
import { cacheRoot } from '../../control-plane/paths.ts';
import type { PrivateDockerd } from '../dockerd.ts';
import { ENFORCER_IMAGES, policyEnforcer } from '../policy-enforcer.ts';
import { BASE_IMAGE, baseKey, ensureBase } from './base.ts';
import { pipeline, run, sh } from './run.ts';
import { TEST_ONLY_IMAGES, UNBUILDABLE_REASONS, hasRecipe, listFiles, planFor, sharedRecipeCode, splitRef, type StandInPlan } from './stand-ins.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const FILES = path.join(here, 'files');
/** The label that says which build an image in the daemon is; compared with the cache key. */
export const KEY_LABEL = 'org.legacy-to-k8s.stand-in-key';

export function imagesCacheDir(): string {
  return path.join(cacheRoot(), 'kind-images');
}

/**
 * Every images.yaml entry (and the test-only names) that has a stand-in recipe, in images.yaml
 * order. Of the NetworkPolicy enforcers, only the one this machine runs (policy-enforcer.ts): the
 * other is never loaded, so it is not built either (name it to cli.ts to build it anyway).
 */
export function standInImages(): string[] {
  const enforcer = policyEnforcer().image;
  return [
    ...loadImages()
      .images.map((i) => i.image)
      .filter(hasRecipe),
    ...TEST_ONLY_IMAGES.filter((i) => !ENFORCER_IMAGES.includes(i) || i === enforcer),
  ];
}

/**
 * The images.yaml entries this machine cannot build, so a test on real nodes cannot prove what
 * needs them. Derived, not listed: an entry added to images.yaml without a recipe lands here.
 */
export const UNBUILDABLE: readonly string[] = Object.freeze(
  loadImages()
    .images.map((i) => i.image)
    .filter((i) => !hasRecipe(i)),
);

/** Why an image is in UNBUILDABLE, for messages. */
export function whyUnbuildable(image: string): string {
  return UNBUILDABLE_REASONS[splitRef(image).repository] ?? 'no stand-in recipe in scripts/kind/images/stand-ins.ts';
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** The files that decide how every image is made, besides each recipe's own folder and code. */
const CODE_FILES = ['base.ts'].map((f) => path.join(here, f));

async function recipeKey(image: string, plan: StandInPlan): Promise<string> {
  const dir = path.join(FILES, plan.recipe);
  const files = await Promise.all((await listFiles(dir)).map(async (f) => `${f}:${sha(readFileSync(path.join(dir, f)))}`));
  // This recipe's code and the helpers it shares, not all of stand-ins.ts: a new recipe there must
  // not rebuild every other image.
  const recipeCode = sha([plan.prepare.toString(), plan.hooks ?? '', sharedRecipeCode()].join('\n'));
  const code = [...CODE_FILES.map((f) => sha(readFileSync(f))), recipeCode].join(',');
  return sha(JSON.stringify({ image, pins: plan.pins, files, code, base: baseKey() })).slice(0, 16);
}

const slug = (image: string) => image.replace(/[^A-Za-z0-9.-]+/g, '_');

export interface StandInResult {
  image: string;
  /** What the image really is (versions, where from). */
  describe: string;
  /** built: made now and archived; loaded: from the archive; present: already in the daemon. */
  action: 'built' | 'loaded' | 'present';
  seconds: number;
  archive: string;
}

export interface EnsureOptions {
  /** The tier's private dockerd: images are built in it and loaded into it. */
  dockerd: PrivateDockerd;
  log?: (line: string) => void;
  /** Only these names (each must have a recipe). Default: standInImages(). */
  images?: string[];
}

export async function ensureStandInImages(opts: EnsureOptions): Promise<StandInResult[]> {
  const env = { ...opts.dockerd.env, DOCKER_BUILDKIT: '0' };
  const log = opts.log ?? ((l: string) => console.log(`[stand-ins] ${l}`));
  const images = opts.images ?? standInImages();
  for (const i of images) if (!hasRecipe(i)) throw new Error(`${i} has no stand-in recipe (${whyUnbuildable(i)})`);
  await mkdir(imagesCacheDir(), { recursive: true });

  const results: StandInResult[] = [];
  let baseReady = false;
  for (const image of images) {
    const started = Date.now();
    const plan = planFor(image)!;
    const key = await recipeKey(image, plan);
    const archive = path.join(imagesCacheDir(), `${slug(image)}-${key}.tar.zst`);
    const done = (action: StandInResult['action']) => {
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      results.push({ image, describe: plan.describe, action, seconds, archive });
      log(`${image}: ${action} in ${seconds}s (${plan.describe})`);
    };
    if ((await labelOf(env, image)) === key) {
      done('present');
      continue;
    }
    if (existsSync(archive)) {
      await loadArchive(env, archive, image, key);
      done('loaded');
      continue;
    }
    if (!baseReady) {
      await ensureBase(opts.dockerd);
      baseReady = true;
    }
    await buildImage(env, image, plan, key, log);
    await saveArchive(env, image, archive);
    done('built');
  }
  return results;
}

async function labelOf(env: NodeJS.ProcessEnv, image: string): Promise<string | undefined> {
  try {
    const out = await run('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${KEY_LABEL}"}}`, image], { env });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

async function loadArchive(env: NodeJS.ProcessEnv, archive: string, image: string, key: string): Promise<void> {
  await pipeline(`zstd -dcq ${sh(archive)} | docker load -q`, { env });
  const got = await labelOf(env, image);
  if (got !== key) throw new Error(`${archive} did not load ${image} with build ${key} (got ${got ?? 'nothing'}); delete the archive and run again`);
}

async function saveArchive(env: NodeJS.ProcessEnv, image: string, archive: string): Promise<void> {
  const tmp = `${archive}.${process.pid}.partial`;
  await pipeline(`docker save ${sh(image)} | zstd -3 -T0 -q -f -o ${sh(tmp)}`, { env });
  await rename(tmp, archive);
  // Older builds of the same image are never used again.
  const prefix = `${slug(image)}-`;
  for (const f of await readdir(imagesCacheDir())) {
    if (
      f.startsWith(prefix) &&
      f.endsWith('.tar.zst') &&
      path.join(imagesCacheDir(), f) !== archive &&
      /^[0-9a-f]{16}\.tar\.zst$/.test(f.slice(prefix.length))
    ) {
      await rm(path.join(imagesCacheDir(), f), { force: true });
    }
  }
}

async function buildImage(env: NodeJS.ProcessEnv, image: string, plan: StandInPlan, key: string, log: (l: string) => void): Promise<void> {
  // Per process: two runs may build the same image at once (a test tier and a CLI), and must not
  // delete each other's sources mid-build. The archive's rename decides which copy is kept.
  const work = path.join(imagesCacheDir(), 'work', `${slug(image)}-${process.pid}`);
  const ctx = path.join(work, 'context');
  const scratch = path.join(work, 'scratch');
  await rm(ctx, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  await cp(path.join(FILES, plan.recipe), ctx, { recursive: true });
  const say = (l: string) => log(`${image}: ${l}`);
  say(`building: ${plan.describe}`);
  const args = await plan.prepare({ dir: ctx, scratch, log: say });
  const buildArgs = Object.entries({ BASE: BASE_IMAGE, ...args }).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  await run(
    'docker',
    [
      'build',
      // Only builds that apt-get install need a network, and the private daemon has no bridge.
      ...(plan.needsNetwork ? ['--network', 'host'] : []),
      '--label',
      `${KEY_LABEL}=${key}`,
      '--label',
      `org.legacy-to-k8s.stand-in=${plan.describe}`,
      ...buildArgs,
      '-t',
      image,
      ctx,
    ],
    { env, onLine: (l) => (/^Step \d+\/\d+ :/.test(l) ? say(l) : undefined) },
  );
  // Downloads and Go sources are hundreds of MB; the archive is what is kept (npm and Go keep their
  // own caches), so the scratch space goes too once the image is built.
  await rm(work, { recursive: true, force: true });
}

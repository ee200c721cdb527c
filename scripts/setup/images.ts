// images.yaml: every image any lesson uses. Setup pulls them while the network is good (or
// takes them from the instructor's archive, --images-from) and loads them into the kind
// nodes, so nothing has to be pulled during class.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { KIND } from '../../verify/core/cluster-backend.ts';
import { EnvironmentError } from '../../verify/core/errors.ts';
import { displayPath } from '../../verify/core/paths.ts';
import { withoutDigest } from './archive.ts';
import { CLUSTER_NAME, CONTEXT, IMAGES_FILE } from './constants.ts';
import { run, tail, type Result } from './exec.ts';
import type { Ui } from './ui.ts';

export interface ImageList {
  kindNode: string;
  images: { image: string; setup: boolean }[];
}

export function parseImages(text: string, file = IMAGES_FILE): ImageList {
  const bad = (what: string) => new EnvironmentError(`${displayPath(file)} ${what}.`, `git checkout -- ${displayPath(file)}   (restore the pinned list)`);
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw bad(`is not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const d = doc as Partial<ImageList> | null;
  if (!d || typeof d.kindNode !== 'string' || !d.kindNode) throw bad('has no `kindNode:` image');
  if (!Array.isArray(d.images)) throw bad('has no `images:` list');
  const images = d.images.map((i: unknown, n) => {
    const e = i as { image?: unknown; setup?: unknown };
    if (typeof e?.image !== 'string' || !e.image) throw bad(`has an entry without \`image:\` (item ${n + 1})`);
    if (e.image.endsWith(':latest') || !/:[^/]+$/.test(e.image)) throw bad(`lists ${e.image} without a pinned tag`);
    return { image: e.image, setup: e.setup === true };
  });
  return { kindNode: d.kindNode, images };
}

export function loadImages(file = IMAGES_FILE): ImageList {
  return parseImages(fs.readFileSync(file, 'utf8'), file);
}

export const present = async (image: string) => (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', image], 30_000)).ok;

export interface PullStep {
  image: string;
  setup: boolean;
  /** pull: from its registry; loaded: it came from the archive, never pulled; local: built on this machine (CI's node image), never pulled. */
  source: 'pull' | 'loaded' | 'local';
}

/**
 * What setup does for each image, node image first: take it from the archive when the
 * archive had it (by its name without digest, as archives keep them), use the node image
 * CI names as it is, pull the rest.
 */
export function pullPlan(list: ImageList, opts: { loaded?: Iterable<string>; nodeImage?: string } = {}): PullStep[] {
  const loaded = new Set(opts.loaded ?? []);
  const from = (image: string): PullStep['source'] => (loaded.has(image) || loaded.has(withoutDigest(image)) ? 'loaded' : 'pull');
  return [
    { image: opts.nodeImage ?? list.kindNode, setup: true, source: opts.nodeImage ? 'local' : from(list.kindNode) },
    ...list.images.map((i) => ({ ...i, source: from(i.image) })),
  ];
}

/** The archive commands, for every message that sends someone to them. */
export const ARCHIVE_HINT =
  "on a venue network, load the instructor's archive: npm run setup -- --images-from FILE (they make it online with npm run images -- --save FILE)";

/**
 * Pull every image the plan pulls. An image already on the machine gets a short pull
 * budget (bad Wi-Fi should not hold setup hostage for an image we have); a missing one
 * gets a long one. Images from the archive or built here are only checked for.
 */
export async function pullImages(plan: PullStep[], ui: Ui): Promise<void> {
  const pulling = plan.filter((s) => s.source === 'pull').length;
  ui.step(
    pulling
      ? `Pulling ${pulling} of the ${plan.length} pinned images from ${displayPath(IMAGES_FILE)} (the first time takes a few minutes)…`
      : `All ${plan.length} pinned images are on this machine; nothing to pull.`,
  );
  const missing: string[] = [];
  for (const { image, setup, source } of plan) {
    if (source !== 'pull') {
      if ((await present(image)) || (source === 'loaded' && (await present(withoutDigest(image))))) {
        ui.ok(`${image} (${source === 'loaded' ? 'from the archive' : 'built on this machine'}, not pulled)`);
        continue;
      }
      ui.fail(`${image}: expected ${source === 'loaded' ? 'from the archive' : 'on this machine'}, but Docker does not have it.`);
      if (setup) missing.push(image);
      continue;
    }
    const had = await present(image);
    const budgetMs = had ? 90_000 : 15 * 60_000;
    const r = await ui.withHeartbeat(`pulling ${image}`, () => run('docker', ['pull', '--quiet', image], budgetMs));
    if (r.ok) {
      ui.ok(image);
    } else if (had) {
      ui.warn(`${image}: could not pull (${pullReason(r)}); using the copy already on this machine.`);
    } else if (setup) {
      ui.fail(`${image}: could not pull (${pullReason(r)}) and it is not on this machine.`);
      missing.push(image);
    } else {
      ui.warn(`${image}: could not pull (${pullReason(r)}). A later lesson needs it: run npm run setup again when you are online.`);
    }
  }
  if (missing.length) {
    throw new EnvironmentError(
      `Setup needs ${missing.join(', ')} and could not download ${missing.length === 1 ? 'it' : 'them'}. ` +
        'Without the node image there is no cluster; without the service images there is no database for lesson 00.',
      `docker pull ${missing[0]}   (check the network or proxy; ${ARCHIVE_HINT}), then npm run setup`,
    );
  }
}

function pullReason(r: Result): string {
  if (r.code === null) return 'timed out';
  const t = tail(r, 1);
  return t.length > 160 ? `${t.slice(0, 157)}…` : t || `exit ${r.code}`;
}

/**
 * Load every lesson image into every node, so pods start without a registry. Returns the
 * images that are not on the nodes: a pod using one waits in ImagePullBackOff until the
 * node can pull it, which a room without network never can.
 */
export async function loadIntoCluster(list: ImageList, ui: Ui): Promise<string[]> {
  ui.step(`Loading the images into the cluster's nodes…`);
  const notLoaded: string[] = [];
  for (const { image, setup } of list.images) {
    if (!(await present(image))) {
      ui.fail(`${image}: not on this machine, so not on the nodes: pods that use it wait in ImagePullBackOff until a node can pull it (network needed).`);
      notLoaded.push(image);
      continue;
    }
    const load = KIND.loadCommand([image], CONTEXT)!;
    let r = await ui.withHeartbeat(`loading ${image}`, () => run(load.cmd, load.args, 10 * 60_000));
    // Docker's containerd image store exports multi-platform images the nodes cannot
    // import ("content digest … not found", kubernetes-sigs/kind#3795). Exporting just our
    // platform works around it.
    if (!r.ok && /content digest .* not found/i.test(tail(r, 20))) r = await loadOnePlatform(image);
    if (r.ok) {
      ui.ok(`${image} on every node`);
      continue;
    }
    notLoaded.push(image);
    ui.fail(
      `${image}: kind could not load it (${tail(r, 1)}); the nodes will try to pull it from its registry${setup ? '' : ' when a lesson needs it'} (network needed).`,
    );
  }
  return notLoaded;
}

async function loadOnePlatform(image: string): Promise<Result> {
  const arch = (await run('docker', ['version', '--format', '{{.Server.Arch}}'], 15_000)).stdout.trim() || 'amd64';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-image-'));
  const archive = path.join(dir, 'image.tar');
  try {
    const saved = await run('docker', ['image', 'save', '--platform', `linux/${arch}`, '-o', archive, image], 10 * 60_000);
    if (!saved.ok) return saved;
    return await run('kind', ['load', 'image-archive', '--name', CLUSTER_NAME, archive], 10 * 60_000);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

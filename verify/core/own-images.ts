// The workspace's own images, for a rehearsal on a real kind cluster: every image the
// manifests in k8s/ name that images.yaml does not pin (those come from registries) is
// built from the workspace's Dockerfile and loaded into the kind nodes, as the lessons
// ask the learner to (`docker build -t teamnotes:1.1.0 . && kind load docker-image …`).
// Without manifests yet (lesson 06), the image is `<package name>:<package version>`.
//
// Exercised by the kind tier of the tests (real Docker, real kind); the unit and harness
// tiers have neither, and on the harness the backend says there is nothing to load. A
// failure is an EnvironmentError naming the command that failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterBackend } from './cluster-backend.ts';
import { EnvironmentError } from './errors.ts';
import { REPO_ROOT } from './paths.ts';
import { containersOf, podTemplateOf } from '../probes/k8s-semantics.ts';
import { ManifestsProbe } from '../probes/manifests.ts';

/** Images pinned in images.yaml (pulled from registries by setup). */
export function pinnedImages(): Set<string> {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'images.yaml'), 'utf8');
  return new Set([...text.matchAll(/^\s*-\s*image:\s*(\S+)/gm)].map((m) => m[1]!));
}

/** `postgres:18-alpine` → `postgres`; `registry:5000/team/app:1.0@sha256:…` → `registry:5000/team/app`. */
export function repositoryOf(image: string): string {
  const name = image.split('@')[0]!;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

export function ownImages(workspace: string): string[] {
  if (!fs.existsSync(path.join(workspace, 'Dockerfile'))) return [];
  // By repository, not by exact reference: another tag of a pinned image (postgres:18-alpine beside
  // the pinned postgres:17-alpine) comes from its registry too. Building it from the app's
  // Dockerfile would put the app under the database's name.
  const pinned = new Set([...pinnedImages()].map(repositoryOf));
  const named = new Set<string>();
  for (const m of new ManifestsProbe(workspace).load()) {
    const tpl = podTemplateOf(m.kind, m.object);
    for (const c of tpl ? containersOf(tpl) : []) if (c.container.image && !pinned.has(repositoryOf(c.container.image))) named.add(c.container.image);
  }
  if (named.size) return [...named];
  const pkg = JSON.parse(fs.readFileSync(path.join(workspace, 'package.json'), 'utf8')) as { name?: string; version?: string };
  return pkg.name && pkg.version ? [`${pkg.name}:${pkg.version}`] : [];
}

/**
 * `docker build` once (tagged with every name), then the backend's way of putting the
 * images on the nodes (`kind load docker-image` on kind). Nothing on the harness, whose
 * simulated nodes run no image; an EnvironmentError on a cluster the workshop cannot load
 * images into, since its pods would never start.
 */
export function buildAndLoad(workspace: string, images: string[], backend: ClusterBackend, context: string, log: (line: string) => void = () => {}): void {
  if (!images.length) return;
  const load = backend.loadCommand(images, context);
  if (load === null) return;
  if (load === undefined) {
    throw new EnvironmentError(
      `The nodes of ${context} are ${backend.nodes}: the workshop cannot put ${images.join(', ')} on them, so those pods would never start.`,
      'npm run rehearse on the workshop kind cluster (npm run setup creates it)',
    );
  }
  const run = (cmd: string, args: string[]) => {
    log(`${cmd} ${args.join(' ')}`);
    const r = spawnSync(cmd, args, { cwd: workspace, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      const why = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').at(-1);
      throw new EnvironmentError(
        `\`${cmd} ${args.join(' ')}\` failed: ${why}`,
        `${cmd} ${args.join(' ')}   (run it yourself in ${workspace} to see everything)`,
      );
    }
  };
  run('docker', ['build', ...images.flatMap((i) => ['-t', i]), '.']);
  run(load.cmd, load.args);
}

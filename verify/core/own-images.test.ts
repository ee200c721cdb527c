import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { ownImages, repositoryOf } from './own-images.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function workspace(images: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'own-images-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"teamnotes","version":"1.0.0"}');
  fs.mkdirSync(path.join(dir, 'k8s'));
  images.forEach((image, i) =>
    fs.writeFileSync(
      path.join(dir, 'k8s', `d${i}.yaml`),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d${i}}\nspec:\n  selector: {matchLabels: {app: d${i}}}\n  template:\n    metadata: {labels: {app: d${i}}}\n    spec:\n      containers: [{name: c, image: "${image}"}]\n`,
    ),
  );
  return dir;
}

test('the repository of an image reference, with registry ports and digests', () => {
  expect(repositoryOf('postgres:18-alpine')).toBe('postgres');
  expect(repositoryOf('registry.local:5000/team/app:1.0@sha256:abc')).toBe('registry.local:5000/team/app');
  expect(repositoryOf('registry.local:5000/team/app')).toBe('registry.local:5000/team/app');
});

test("another tag of a pinned image is the registry's, never built from the app's Dockerfile", () => {
  // postgres:17-alpine is pinned in images.yaml; 18 is not, but it is still Postgres.
  expect(ownImages(workspace(['teamnotes:2.0.0', 'postgres:18-alpine', 'redis:7-alpine']))).toEqual(['teamnotes:2.0.0']);
});

test('without an image of its own in k8s/, the package name and version', () => {
  expect(ownImages(workspace(['postgres:18-alpine']))).toEqual(['teamnotes:1.0.0']);
});

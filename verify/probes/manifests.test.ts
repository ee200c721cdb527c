import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../../test/helpers/workspaces.ts';
import { LearnerFileError } from '../core/errors.ts';
import { formatPath, ManifestsProbe } from './manifests.ts';

function workspace(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: teamnotes:1.0.0
---
apiVersion: v1
kind: Service
metadata:
  name: web
`;

describe('ManifestsProbe', () => {
  test('every object of every YAML file under k8s/, with lines of fields', () => {
    const probe = new ManifestsProbe(workspace({ 'k8s/app.yaml': deployment, 'k8s/sub/extra.yml': 'kind: ConfigMap\napiVersion: v1\nmetadata: { name: cfg }\n' }));
    expect(probe.load().map((m) => `${m.file} ${m.kind}/${m.name}`)).toEqual(['k8s/app.yaml Deployment/web', 'k8s/app.yaml Service/web', 'k8s/sub/extra.yml ConfigMap/cfg']);
    const [dep] = probe.find('Deployment');
    expect(dep!.lineOf(['spec', 'replicas'])).toBe(6);
    expect(dep!.lineOf(['spec', 'template', 'spec', 'containers', 0, 'image'])).toBe(11);
    // A missing field points at its nearest parent.
    expect(dep!.lineOf(['spec', 'template', 'spec', 'containers', 0, 'resources'])).toBe(10);
    expect(formatPath(['spec', 'template', 'spec', 'containers', 0, 'image'])).toBe('spec.template.spec.containers[0].image');
  });

  test('no k8s/ folder: no manifests, not an error', () => {
    expect(new ManifestsProbe(workspace({})).load()).toEqual([]);
  });

  test('YAML that cannot be parsed is the learner\'s to fix (exit 1), naming the file and line', () => {
    const probe = new ManifestsProbe(workspace({ 'k8s/bad.yaml': 'kind: Deployment\nmetadata:\n  name: web\n   labels: x\n' }));
    expect(() => probe.load()).toThrowError(LearnerFileError);
    try {
      probe.load();
    } catch (err) {
      expect((err as LearnerFileError).file).toBe('k8s/bad.yaml');
      expect((err as LearnerFileError).line).toBeGreaterThan(0);
    }
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../../test/helpers/workspaces.ts';
import { LearnerFileError } from '../core/errors.ts';
import { formatPath, isKind, ManifestsProbe, ofKind, refOf } from './manifests.ts';

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
    const probe = new ManifestsProbe(
      workspace({ 'k8s/app.yaml': deployment, 'k8s/sub/extra.yml': 'kind: ConfigMap\napiVersion: v1\nmetadata: { name: cfg }\n' }),
    );
    expect(probe.load().map((m) => `${m.file} ${m.kind}/${m.name}`)).toEqual([
      'k8s/app.yaml Deployment/web',
      'k8s/app.yaml Service/web',
      'k8s/sub/extra.yml ConfigMap/cfg',
    ]);
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

  test("YAML that cannot be parsed is the learner's to fix (exit 1), naming the file and line", () => {
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

describe('typed by kind', () => {
  test('find, ofKind and isKind give the object its kind shape; refOf is the identity a patch needs', () => {
    const probe = new ManifestsProbe(workspace({ 'k8s/app.yaml': deployment }));
    const [dep] = probe.find('Deployment');
    // Typed access (no cast): spec.replicas is a number, the template's containers a list.
    expect(dep!.object.spec?.replicas).toBe(2);
    expect(dep!.object.spec?.template.spec?.containers.map((c) => c.image)).toEqual(['teamnotes:1.0.0']);
    expect(ofKind(probe.load(), 'Service').map((m) => m.name)).toEqual(['web']);
    const all = probe.load();
    expect(all.filter((m) => isKind(m, 'Deployment')).map((m) => m.kind)).toEqual(['Deployment']);
    expect(refOf(dep!)).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: undefined } });
  });

  test('the type is a promise about the kind, not a validation: a wrong shape in the file is still read as written', () => {
    const probe = new ManifestsProbe(workspace({ 'k8s/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata: { name: s }\nspec: { ports: "80" }\n' }));
    const [svc] = probe.find('Service');
    // What the learner wrote reaches the check (the schema check is what reports it).
    expect(svc!.object.spec?.ports as unknown).toBe('80');
  });
});

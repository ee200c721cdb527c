import { describe, expect, test } from 'vitest';
import { parseEnvFile, renderEnvTemplate, secretsToCreate } from './cluster-apply.ts';
import { EnvironmentError } from './errors.ts';
import type { Manifest } from '../probes/manifests.ts';

const manifest = (kind: string, name: string, object: Record<string, unknown>, namespace = 'teamnotes'): Manifest => ({
  file: 'k8s/x.yaml',
  kind,
  apiVersion: 'v1',
  name,
  namespace,
  object: { kind, metadata: { name, namespace }, ...object },
  lineOf: () => 1,
});

describe('.env.cluster', () => {
  test('parsed like kubectl --from-env-file: comments skipped, quotes removed, = in values kept', () => {
    expect(parseEnvFile('# c\nA=1\nB="two words"\nURL=postgres://u:p@h/d?x=1\n\nbad line\n')).toEqual({
      A: '1',
      B: 'two words',
      URL: 'postgres://u:p@h/d?x=1',
    });
  });

  test('rendered from its template: <generate> random, given values used, other placeholders refused', () => {
    const out = parseEnvFile(renderEnvTemplate('S=<generate>\nT=<generate>\nDB=postgres://u:<password>@h/d\nLOG=info\n', { DB: 'postgres://u:pw@h/d' }));
    expect(out.S).toMatch(/^[0-9a-f]{48}$/);
    expect(out.T).not.toBe(out.S);
    expect(out.DB).toBe('postgres://u:pw@h/d');
    expect(out.LOG).toBe('info');
    expect(() => renderEnvTemplate('DB=postgres://u:<password>@h/d\n')).toThrow(EnvironmentError);
    expect(() => renderEnvTemplate('DB=postgres://u:<password>@h/d\n')).toThrow(/leaves DB for you to fill in/);
  });
});

test('Secrets the workloads read but k8s/ does not define are the ones made from .env.cluster', () => {
  const deployment = manifest('Deployment', 'web', {
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'web',
              envFrom: [{ secretRef: { name: 'app' } }, { configMapRef: { name: 'cfg' } }],
              env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'defined', key: 'X' } } }],
            },
          ],
        },
      },
    },
  });
  const defined = manifest('Secret', 'defined', { stringData: { X: '1' } });
  expect(secretsToCreate([deployment, defined])).toEqual([{ name: 'app', namespace: 'teamnotes' }]);
});

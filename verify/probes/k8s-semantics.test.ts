import { describe, expect, test } from 'vitest';
import {
  didYouMean,
  effectivePullPolicy,
  envSource,
  fieldDifferences,
  selectorMisses,
  selectorQuery,
  unexpandedReferences,
  locateSteps,
  ingressPathMatches,
  missingLabels,
  parseImage,
  resolvePort,
  rollingBudget,
  secretLiteral,
  serverFieldPath,
  variableReferences,
} from './k8s-semantics.ts';

describe('selectors', () => {
  test('a selector matches only when every pair is on the labels (subset), naming what is missing', () => {
    expect(missingLabels({ app: 'web' }, { app: 'web', tier: 'front' })).toEqual([]);
    expect(missingLabels({ app: 'web', tier: 'front' }, { app: 'web' })).toEqual(['tier=front']);
    expect(missingLabels({ app: 'web' }, { app: 'api' })).toEqual(['app=web (the pods have app=api)']);
  });
});

describe('ports', () => {
  const c = { name: 'web', ports: [{ name: 'http', containerPort: 3000 }] };
  test('a name must be a port name of the container; a number resolves to itself', () => {
    expect(resolvePort(c, 'http')).toEqual({ ok: true, port: 3000 });
    expect(resolvePort(c, 'web').ok).toBe(false);
    expect(resolvePort(c, 'web').problem).toMatch(/it has: http/);
    expect(resolvePort(c, 8080)).toEqual({ ok: true, port: 8080 });
    expect(resolvePort(c, '8080')).toEqual({ ok: true, port: 8080 });
    expect(resolvePort(c, 70000).ok).toBe(false);
  });
});

describe('images', () => {
  test('registry ports are not tags; digests are kept apart', () => {
    expect(parseImage('localhost:5000/teamnotes')).toEqual({ repository: 'localhost:5000/teamnotes', digest: undefined });
    expect(parseImage('teamnotes:1.0.0')).toMatchObject({ repository: 'teamnotes', tag: '1.0.0' });
    expect(parseImage('node:22@sha256:abc')).toMatchObject({ tag: '22', digest: 'sha256:abc' });
  });

  test('the default pull policy is Always for no tag or :latest, IfNotPresent otherwise', () => {
    expect(effectivePullPolicy({ name: 'a', image: 'teamnotes' })).toEqual({ policy: 'Always', defaulted: true });
    expect(effectivePullPolicy({ name: 'a', image: 'teamnotes:latest' }).policy).toBe('Always');
    expect(effectivePullPolicy({ name: 'a', image: 'teamnotes:1.0.0' }).policy).toBe('IfNotPresent');
    expect(effectivePullPolicy({ name: 'a', image: 'teamnotes:latest', imagePullPolicy: 'Never' })).toEqual({ policy: 'Never', defaulted: false });
  });
});

describe('rolling updates', () => {
  test('percentages round as the controller rounds them: unavailable down, surge up', () => {
    expect(rollingBudget({ spec: { replicas: 2 } })).toMatchObject({ maxUnavailable: 0, maxSurge: 1 });
    expect(rollingBudget({ spec: { replicas: 4 } })).toMatchObject({ maxUnavailable: 1, maxSurge: 1 });
    expect(rollingBudget({ spec: { replicas: 2, strategy: { rollingUpdate: { maxUnavailable: 1 } } } }).maxUnavailable).toBe(1);
    expect(rollingBudget({ spec: { strategy: { type: 'Recreate' } } }).type).toBe('Recreate');
  });
});

describe('Ingress paths', () => {
  test('Prefix matches whole segments, Exact the whole path', () => {
    expect(ingressPathMatches('/notes', 'Prefix', '/notes/42')).toBe(true);
    expect(ingressPathMatches('/notes', 'Prefix', '/notesx')).toBe(false);
    expect(ingressPathMatches('/', 'Prefix', '/admin/cache/flush')).toBe(true);
    expect(ingressPathMatches('/', 'Exact', '/admin')).toBe(false);
    expect(ingressPathMatches('/', 'Exact', '/')).toBe(true);
  });
});

describe('environment', () => {
  const c = {
    path: ['spec', 'template', 'spec', 'containers', 0],
    init: false,
    container: {
      name: 'web',
      envFrom: [{ configMapRef: { name: 'settings' } }],
      env: [
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'PASSWORD' } } },
        { name: 'URL', value: 'postgres://u:$(PASSWORD)@db/x' },
      ],
    },
  };
  test('explicit env wins, then envFrom; $(VAR) references are found', () => {
    expect(envSource(c, 'PASSWORD')).toMatchObject({ from: 'Secret', name: 's', key: 'PASSWORD' });
    expect(envSource(c, 'LOG_LEVEL')).toMatchObject({ from: 'ConfigMap', name: 'settings', key: 'LOG_LEVEL' });
    expect(envSource(c, 'URL')).toMatchObject({ from: 'literal' });
    expect(variableReferences('postgres://u:$(PASSWORD)@db/x')).toEqual(['PASSWORD']);
  });

  test('envFrom: the last source that holds the key wins, in either order; explicit env wins over all', () => {
    const both = (order: Array<'cm' | 'secret'>) => ({
      path: ['spec', 'template', 'spec', 'containers', 0],
      init: false,
      container: {
        name: 'web',
        envFrom: order.map((o) => (o === 'cm' ? { configMapRef: { name: 'settings' } } : { secretRef: { name: 'creds' } })),
        env: [{ name: 'PORT', value: '8080' }],
      },
    });
    const keys = (kind: 'ConfigMap' | 'Secret') => (kind === 'ConfigMap' ? ['LOG_LEVEL', 'PORT', 'SHARED'] : ['SESSION_SECRET', 'SHARED']);
    for (const order of [
      ['cm', 'secret'],
      ['secret', 'cm'],
    ] as Array<Array<'cm' | 'secret'>>) {
      expect(envSource(both(order), 'LOG_LEVEL', keys)).toMatchObject({ from: 'ConfigMap', name: 'settings' });
      expect(envSource(both(order), 'SESSION_SECRET', keys)).toMatchObject({ from: 'Secret', name: 'creds' });
      expect(envSource(both(order), 'PORT', keys)).toMatchObject({ from: 'literal', value: '8080' });
      expect(envSource(both(order), 'MISSING', keys)).toEqual({ from: 'unset' });
    }
    // A key in both: the later source wins.
    expect(envSource(both(['cm', 'secret']), 'SHARED', keys)).toMatchObject({ from: 'Secret' });
    expect(envSource(both(['secret', 'cm']), 'SHARED', keys)).toMatchObject({ from: 'ConfigMap' });
    // Keys unknown: the last source is assumed to hold it.
    expect(envSource(both(['cm', 'secret']), 'LOG_LEVEL')).toMatchObject({ from: 'Secret' });
  });

  test('secret literals: named secrets, URLs with a password, but not references or placeholders', () => {
    expect(secretLiteral('SESSION_SECRET', 'abc123')).toMatch(/SESSION_SECRET/);
    expect(secretLiteral('DATABASE_URL', 'postgres://u:pw@db/x')).toMatch(/URL with a password/);
    expect(secretLiteral('DATABASE_URL', 'postgres://u:$(PASSWORD)@db/x')).toBeUndefined();
    expect(secretLiteral('REDIS_URL', 'redis://:$(REDIS_PASSWORD)@redis:6379')).toBeUndefined();
    expect(secretLiteral('SESSION_SECRET', '<generate>')).toBeUndefined();
    expect(secretLiteral('SECRETS_DIR', '/etc/secrets')).toBeUndefined();
    expect(secretLiteral('LOG_LEVEL', 'info')).toBeUndefined();
  });
});

describe('API server messages', () => {
  test('a field path with list selectors becomes a path into the object; typos get a suggestion', () => {
    const obj = { spec: { template: { spec: { containers: [{ name: 'sidecar' }, { name: 'web' }] } } } };
    const msg = 'failed to create typed patch object: .spec.template.spec.containers[name="web"].readinessprobe: field not declared in schema';
    expect(serverFieldPath(obj, msg)).toEqual(['spec', 'template', 'spec', 'containers', 1, 'readinessprobe']);
    expect(didYouMean('readinessprobe')).toBe('readinessProbe');
    expect(didYouMean('readinessProbe')).toBeUndefined();
  });
});

describe('field differences (live object vs the file applied in a dry run)', () => {
  test('named list items match by name, whatever their order; each differing leaf is named', () => {
    const live = {
      spec: {
        containers: [
          { name: 'side', image: 'x' },
          { name: 'web', image: 'a:1', readinessProbe: { periodSeconds: 5 } },
        ],
      },
    };
    const want = {
      spec: {
        containers: [
          { name: 'web', image: 'a:1', readinessProbe: { periodSeconds: 10 } },
          { name: 'side', image: 'x' },
        ],
      },
    };
    const diffs = fieldDifferences(live, want);
    expect(diffs.map((d) => [d.label, d.have, d.want])).toEqual([['spec.containers[web].readinessProbe.periodSeconds', 5, 10]]);
    // Located in the file by name: web is item 0 there.
    expect(locateSteps(want, diffs[0]!.steps)).toEqual(['spec', 'containers', 0, 'readinessProbe', 'periodSeconds']);
    expect(fieldDifferences(live, live)).toEqual([]);
    expect(fieldDifferences({ spec: { a: 1 } }, { spec: { a: 1, b: { c: 2 } } }).map((d) => d.label)).toEqual(['spec.b']);
  });
});

describe('full label selectors', () => {
  test('matchLabels and every matchExpressions operator, as Kubernetes evaluates them', () => {
    const labels = { app: 'teamnotes', tier: 'web' };
    expect(selectorMisses({ matchLabels: { app: 'teamnotes' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }, labels)).toEqual(
      [],
    );
    expect(
      selectorMisses(
        {
          matchExpressions: [
            { key: 'tier', operator: 'Exists' },
            { key: 'canary', operator: 'DoesNotExist' },
          ],
        },
        labels,
      ),
    ).toEqual([]);
    expect(selectorMisses({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, labels)).toHaveLength(1);
    expect(selectorMisses({ matchExpressions: [{ key: 'track', operator: 'In', values: ['stable'] }] }, labels)).toHaveLength(1);
    expect(
      selectorQuery({
        matchLabels: { app: 'teamnotes' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['web', 'api'] },
          { key: 'canary', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=teamnotes,tier in (web,api),!canary');
  });
});

describe('$(VAR) expansion order', () => {
  test('a reference to an env entry further down stays literal; envFrom variables and earlier entries expand', () => {
    const c = {
      path: ['spec', 'template', 'spec', 'containers', 0],
      init: false,
      container: {
        name: 'web',
        envFrom: [{ secretRef: { name: 's' } }],
        env: [
          { name: 'URL', value: 'postgres://u:$(PASSWORD)@db/x' },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'PASSWORD' } } },
          { name: 'OTHER', value: 'redis://:$(REDIS_PASSWORD)@cache:6379' },
        ],
      },
    };
    const keys = () => ['REDIS_PASSWORD'];
    expect(unexpandedReferences(c, keys).map((u) => [u.variable, u.ref])).toEqual([['URL', 'PASSWORD']]);
  });
});

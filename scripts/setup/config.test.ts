// kind-config.yaml, images.yaml, setup/backing-services.yaml and the constants describe one
// cluster from four places. These tests keep them in step, since kind itself cannot run
// here (no Docker engine on the project's machines): what kind would reject or silently
// ignore, we catch by reading the files.
import fs from 'node:fs';
import { parseEnv } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import pg from 'pg';
import { EnvironmentError } from '../../verify/core/errors.ts';
import { BACKING_MANIFEST, CLUSTER_NAME, KIND_CONFIG_FILE, PORTS, SERVICES_NAMESPACE } from './constants.ts';
import { loadImages, parseImages } from './images.ts';
import { BACKING, SERVICE_URLS, servicesEnvText } from './services.ts';

interface KindNode {
  role: string;
  image?: string;
  labels?: Record<string, string>;
  extraPortMappings?: { containerPort: number; hostPort: number; listenAddress?: string; protocol?: string }[];
}
const kindConfig = parse(fs.readFileSync(KIND_CONFIG_FILE, 'utf8')) as { kind: string; apiVersion: string; name: string; nodes: KindNode[] };
const manifests = parseAllDocuments(fs.readFileSync(BACKING_MANIFEST, 'utf8')).map((d) => d.toJS() as Record<string, any>);
const images = loadImages();

describe('kind-config.yaml', () => {
  test('the cluster "workshop": one control plane and two workers', () => {
    expect(kindConfig).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: CLUSTER_NAME });
    expect(kindConfig.nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
  });

  test('every node runs the node image pinned in images.yaml, by digest', () => {
    expect(images.kindNode).toMatch(/^kindest\/node:v1\.36\.1@sha256:[0-9a-f]{64}$/);
    for (const n of kindConfig.nodes) expect(n.image).toBe(images.kindNode);
  });

  test('the control plane maps exactly the kind ports in constants.ts, on 127.0.0.1 only', () => {
    const maps = kindConfig.nodes[0]!.extraPortMappings ?? [];
    const expected = PORTS.filter((p) => p.containerPort !== undefined).map((p) => ({
      containerPort: p.containerPort,
      hostPort: p.port,
      listenAddress: '127.0.0.1',
      protocol: 'TCP',
    }));
    expect(maps).toEqual(expect.arrayContaining(expected));
    expect(maps).toHaveLength(expected.length);
    expect(maps.map((m) => m.hostPort)).toEqual(expect.arrayContaining([80, 443, 5432, 6379, 1025, 8025]));
    for (const w of kindConfig.nodes.slice(1)) expect(w.extraPortMappings).toBeUndefined();
  });
});

describe('setup/backing-services.yaml', () => {
  const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);

  test('everything lives in the workshop-services namespace', () => {
    expect(byKind('Namespace').map((n) => n.metadata.name)).toEqual([SERVICES_NAMESPACE]);
    for (const m of manifests.filter((m) => m.kind !== 'Namespace')) expect(m.metadata.namespace, `${m.kind}/${m.metadata.name}`).toBe(SERVICES_NAMESPACE);
  });

  test('each NodePort is the containerPort kind-config.yaml maps to the right localhost port', () => {
    const maps = new Map((kindConfig.nodes[0]!.extraPortMappings ?? []).map((m) => [m.containerPort, m.hostPort]));
    const published: number[] = [];
    for (const svc of byKind('Service')) {
      expect(svc.spec.type).toBe('NodePort');
      for (const p of svc.spec.ports) {
        expect(maps.has(p.nodePort), `${svc.metadata.name}:${p.name} nodePort ${p.nodePort} is not mapped`).toBe(true);
        // Same number inside and outside, so the URL in services.env matches what apps in the cluster use.
        expect(maps.get(p.nodePort)).toBe(p.port);
        published.push(p.port);
      }
    }
    expect(published.sort()).toEqual(BACKING.flatMap((b) => [...b.ports]).sort());
  });

  test('the Deployments setup waits for exist, and every image is pinned in images.yaml for setup', () => {
    const deployments = byKind('Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(BACKING.map((b) => b.name).sort());
    const setupImages = images.images.filter((i) => i.setup).map((i) => i.image);
    for (const d of deployments) {
      for (const c of d.spec.template.spec.containers) {
        expect(setupImages, `${d.metadata.name} uses ${c.image}`).toContain(c.image);
        expect(c.imagePullPolicy).toBe('IfNotPresent');
        expect(c.readinessProbe, `${d.metadata.name} needs a readiness probe: setup waits on it`).toBeDefined();
      }
    }
  });

  test("Postgres gets exactly the legacy app's hard-coded user, password and database", () => {
    const db = fs.readFileSync(new URL('../../legacy-app/src/db.js', import.meta.url), 'utf8');
    const constant = (name: string) => new RegExp(`const ${name} = '([^']+)'`).exec(db)?.[1];
    const secret = byKind('Secret').find((s) => s.metadata.name === 'postgres-credentials')!;
    expect(secret.stringData).toEqual({ POSTGRES_USER: constant('DB_USER'), POSTGRES_PASSWORD: constant('DB_PASSWORD'), POSTGRES_DB: constant('DB_NAME') });
    expect(secret.stringData.POSTGRES_PASSWORD).toBe('Tn-prod-2019!');
  });
});

describe('.workshop/services.env as setup writes it', () => {
  test('a comment saying who wrote it, then the three URLs the verifier reads', () => {
    const text = servicesEnvText();
    expect(text.split('\n')[0]).toMatch(/^# Written by `npm run setup`/);
    expect(parseEnv(text)).toEqual({
      DATABASE_URL: 'postgres://teamnotes:Tn-prod-2019%21@127.0.0.1:5432/teamnotes',
      REDIS_URL: 'redis://127.0.0.1:6379',
      SMTP_URL: 'smtp://127.0.0.1:1025',
    });
  });

  test("DATABASE_URL decodes to the legacy app's login, as pg reads it", () => {
    // The client is never connected: its parsed parameters are what it would log in with.
    const { connectionParameters: cfg } = new pg.Client({ connectionString: SERVICE_URLS.DATABASE_URL }) as unknown as {
      connectionParameters: Record<string, unknown>;
    };
    expect(cfg).toMatchObject({ user: 'teamnotes', password: 'Tn-prod-2019!', host: '127.0.0.1', port: 5432, database: 'teamnotes' });
  });
});

describe('images.yaml', () => {
  test('the service images setup needs, and the base image of lesson 06', () => {
    expect(images.images.filter((i) => i.setup).map((i) => i.image.split(':')[0])).toEqual(['postgres', 'redis', 'axllent/mailpit']);
    expect(images.images.find((i) => i.image.startsWith('node:'))).toEqual({ image: 'node:24.22.3-alpine3.24', setup: false });
  });

  test('refuses unpinned images and a missing node image with an environment error', () => {
    expect(() => parseImages('kindNode: kindest/node:v1.36.1\nimages:\n  - image: redis:latest\n')).toThrow(/redis:latest without a pinned tag/);
    expect(() => parseImages('kindNode: kindest/node:v1.36.1\nimages:\n  - image: redis\n')).toThrow(EnvironmentError);
    expect(() => parseImages('images: []\n')).toThrow(/no `kindNode:`/);
    expect(() => parseImages('kindNode: [\n')).toThrow(/not valid YAML/);
  });
});

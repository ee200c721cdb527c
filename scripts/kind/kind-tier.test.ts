// Unit tests of the real-kind tier's pure parts (the tier itself runs in `npm run test:kind`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cached, isFresh, steps } from './cache.ts';
import { checkPorts, clusterName, hostPorts, testClusterConfig } from './cluster.ts';
import { checkDisk, neededGb } from './disk.ts';
import { KindEnvironmentError } from './dockerd.ts';
import { kindFilesDir, repoRoot } from './paths.ts';

const kindConfig = readFileSync(path.join(repoRoot, 'kind-config.yaml'), 'utf8');

describe('test cluster config', () => {
  it('swaps only the node image on every node and keeps the rest of kind-config.yaml', () => {
    const out = parse(testClusterConfig(kindConfig, 'workshop-kindnode:v1.36.1', false)) as Record<string, unknown> & { nodes: { image: string }[] };
    const orig = parse(kindConfig) as Record<string, unknown> & { nodes: { image: string }[] };
    expect(out.nodes.map((n) => n.image)).toEqual(orig.nodes.map(() => 'workshop-kindnode:v1.36.1'));
    expect({ ...out, nodes: out.nodes.map((n) => ({ ...n, image: '' })) }).toEqual({ ...orig, nodes: orig.nodes.map((n) => ({ ...n, image: '' })) });
    expect(out.kubeadmConfigPatches).toBeUndefined();
  });

  it('adds the failCgroupV1 kubelet patch on a cgroup v1 engine', () => {
    const out = parse(testClusterConfig(kindConfig, 'x:1', true)) as { kubeadmConfigPatches: string[] };
    expect(out.kubeadmConfigPatches).toHaveLength(1);
    expect(parse(out.kubeadmConfigPatches[0]!)).toEqual({ kind: 'KubeletConfiguration', failCgroupV1: false });
  });

  it('reads the cluster name and the published host ports', () => {
    expect(clusterName(kindConfig)).toBe('workshop');
    expect(
      hostPorts(kindConfig)
        .map((p) => p.hostPort)
        .sort((a, b) => a - b),
    ).toEqual([80, 443, 1025, 5432, 6379, 8025]);
    expect(new Set(hostPorts(kindConfig).map((p) => p.listenAddress))).toEqual(new Set(['127.0.0.1']));
  });

  it('refuses a host port that is already taken, naming it', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      await expect(checkPorts([{ hostPort: port, listenAddress: '127.0.0.1' }])).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${port}.*ss -ltnp`));
    } finally {
      srv.close();
    }
  });
});

describe('disk check', () => {
  it('says how much is free and how much is needed', () => {
    expect(neededGb({ cold: true })).toBeGreaterThan(neededGb({ cold: false }));
    // A need no disk can meet, to see the message.
    try {
      checkDisk({ cold: true }, '/proc');
      expect.unreachable('/proc has no free space');
    } catch (err) {
      expect(err).toBeInstanceOf(KindEnvironmentError);
      expect((err as Error).message).toMatch(/only 0\.0 GB free .* needs about 36 GB .*LEGACY_TO_K8S_CACHE/);
    }
  });
});

describe('artifact cache', () => {
  let dir: string;
  const saved = process.env.LEGACY_TO_K8S_CACHE;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kind-cache-'));
    process.env.LEGACY_TO_K8S_CACHE = dir;
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.LEGACY_TO_K8S_CACHE;
    else process.env.LEGACY_TO_K8S_CACHE = saved;
  });

  it('builds once per key, rebuilds when the key changes, and never keeps a failed build', async () => {
    let builds = 0;
    const build = async (tmp: string): Promise<void> => {
      builds++;
      writeFileSync(tmp, `build ${builds}`);
    };
    const p = await cached('thing', 'key-1', build);
    await cached('thing', 'key-1', build);
    expect(builds).toBe(1);
    expect(steps.filter((s) => s.name === 'thing').map((s) => s.result)).toEqual(['built', 'cached']);
    await cached('thing', 'key-2', build);
    expect(builds).toBe(2);
    expect(readFileSync(p, 'utf8')).toBe('build 2');
    await expect(
      cached('thing', 'key-3', async (tmp) => {
        writeFileSync(tmp, 'half');
        throw new Error('interrupted');
      }),
    ).rejects.toThrow('interrupted');
    expect(isFresh('thing', 'key-3')).toBe(false);
    // The failed build left no half artifact: the last good one is still there under its own key.
    expect(isFresh('thing', 'key-2')).toBe(true);
    expect(readFileSync(p, 'utf8')).toBe('build 2');
  });
});

describe('retag-tarball-images.py', () => {
  it('puts `repositories` first and gives kindest/ names their docker.io/ prefix', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kind-retag-'));
    try {
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ RepoTags: ['kindest/kindnetd:v1', 'registry.k8s.io/pause:3.10'] }]));
      writeFileSync(path.join(dir, 'repositories'), JSON.stringify({ 'kindest/kindnetd': { v1: 'a' }, 'registry.k8s.io/pause': { '3.10': 'b' } }));
      const tar = path.join(dir, 'images.tar');
      execFileSync('tar', ['-C', dir, '-cf', tar, 'manifest.json', 'repositories']);
      execFileSync('python3', [path.join(kindFilesDir, 'retag-tarball-images.py'), tar]);
      expect(execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).trim().split('\n')).toEqual(['repositories', 'manifest.json']);
      const repos = JSON.parse(execFileSync('tar', ['-xOf', tar, 'repositories'], { encoding: 'utf8' })) as Record<string, unknown>;
      expect(Object.keys(repos).sort()).toEqual(['docker.io/kindest/kindnetd', 'registry.k8s.io/pause']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

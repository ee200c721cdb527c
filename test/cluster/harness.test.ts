// The harness's own contract: stop() leaves no process or temp dir behind, a failed start says which
// component failed and shows its log, and the go.mod generator reads upstream's staging list correctly.
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeNames } from '../../scripts/control-plane/cluster-objects.ts';
import { ControlPlaneStartError, startControlPlane } from '../../scripts/control-plane/control-plane.ts';
import { godebugDefault, stagingModules } from '../../scripts/control-plane/gen-modules.ts';
import { binPath } from '../../scripts/control-plane/paths.ts';
import { stagingVersion } from '../../scripts/control-plane/versions.ts';
import { processAlive as alive } from '../../verify/core/process-alive.ts';

const quiet = (): void => {};

describe('startControlPlane lifecycle', () => {
  it('runs beside another control plane and stop() kills every process and removes its dir', async () => {
    const cp = await startControlPlane({ workers: 1, clusterName: 'second', contextName: 'second', build: false, log: quiet });
    try {
      expect(cp.nodeNames).toEqual(['second-control-plane', 'second-worker']);
      expect(cp.components.map((c) => c.name)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
      expect(cp.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      for (const c of cp.components) expect(alive(c.pid)).toBe(true);
    } finally {
      await cp.stop();
    }
    for (const c of cp.components) expect(alive(c.pid), `${c.name} (pid ${c.pid}) still running`).toBe(false);
    expect(existsSync(cp.dir)).toBe(false);
  });

  it('a component that dies at startup fails the start with its name and log tail, and nothing is left running', async () => {
    // Real binaries, except a kube-scheduler that exits with an error like a bad flag would.
    const bin = await mkdtemp(path.join(os.tmpdir(), 'cp-fakebin-'));
    try {
      for (const b of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kwok'] as const) await symlink(binPath(b), path.join(bin, b));
      const fake = path.join(bin, 'kube-scheduler');
      await writeFile(fake, '#!/bin/sh\necho "E0101 run.go:72] unknown flag: --simulated"\nexit 3\n');
      await chmod(fake, 0o755);

      const err = await startControlPlane({ binDir: bin, build: false, log: quiet, timeoutMs: 90_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ControlPlaneStartError);
      const e = err as ControlPlaneStartError;
      expect(e.component).toBe('kube-scheduler');
      expect(e.message).toContain('exited with exit code 3');
      expect(e.message).toContain('unknown flag: --simulated');
      expect(existsSync(e.dir)).toBe(false);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});

describe('go.mod generation and naming', () => {
  it('finds every staging module required at v0.0.0, in both require forms, and the godebug line', () => {
    const upstream = [
      'module k8s.io/kubernetes',
      'go 1.26.0',
      'godebug default=go1.26',
      'require (',
      '\tgithub.com/spf13/cobra v1.10.0',
      '\tk8s.io/api v0.0.0',
      '\tk8s.io/cri-streaming v0.0.0 // indirect',
      '\tk8s.io/klog/v2 v2.130.1',
      ')',
      'require k8s.io/streaming v0.0.0',
      'replace k8s.io/api => ./staging/src/k8s.io/api',
    ].join('\n');
    expect(stagingModules(upstream)).toEqual(['k8s.io/api', 'k8s.io/cri-streaming', 'k8s.io/streaming']);
    expect(godebugDefault(upstream)).toBe('default=go1.26');
    expect(stagingVersion('v1.36.1')).toBe('v0.36.1');
  });

  it('names nodes like kind does', () => {
    expect(nodeNames('workshop', 2)).toEqual(['workshop-control-plane', 'workshop-worker', 'workshop-worker2']);
  });
});

// The verifier's cluster layer against the real API server: the context guard, evidence
// a learner would otherwise dig out with `kubectl describe`, and the CLI end to end.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { EnvironmentError } from '../../verify/core/errors.ts';
import { REPO_ROOT } from '../../verify/core/paths.ts';
import { KubeProbe } from '../../verify/probes/kube.ts';
import { CLI_ENTRY, cliEnv } from '../helpers/cli.ts';
import { clients, inNamespace } from './helpers.ts';

const kubeconfig = () => inject('kubeconfigPath');
const context = () => inject('kubeContext');
/** The CLI runs below share one state file and, with no WORKSHOP_HOME, the repo's .workshop/. */
const CLUSTER_STATE_FILE = path.join(os.tmpdir(), 'l2k-cluster-state.json');

describe('KubeProbe', () => {
  it("refuses any context but the workshop's unless one is named, listing what there is", async () => {
    const probe = new KubeProbe({ kubeconfig: kubeconfig() });
    const err = await probe.serverVersion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toMatch(`There is no kube context "kind-workshop" (you have: ${context()})`);
    expect((err as EnvironmentError).next).toMatch(/npm run setup/);
  });

  it('talks to the named context: version, and honest about pods that cannot serve traffic here', async () => {
    const probe = new KubeProbe({ kubeconfig: kubeconfig(), context: context() });
    expect(await probe.serverVersion()).toBe('v1.36.1');
    // kwok's nodes run no container: the harness backend serves no capability, so checks that need one skip.
    const backend = await probe.backend();
    expect(backend.name).toBe('harness');
    expect([...backend.capabilities]).toEqual([]);
  });

  it('an unreachable API server is an environment error with the next command', async () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'l2k-kc-')), 'config');
    fs.writeFileSync(broken, fs.readFileSync(kubeconfig(), 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:9'));
    const err = await new KubeProbe({ kubeconfig: broken, context: context() }).serverVersion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toMatch(/https:\/\/127\.0\.0\.1:9\) does not answer/);
    fs.rmSync(path.dirname(broken), { recursive: true, force: true });
  });

  it("explains a pod that cannot be scheduled by quoting the scheduler's event", async () => {
    const c = clients();
    await inNamespace(c, 'probe', async (ns) => {
      await c.core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: 'greedy' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '1000' } } }] } },
      });
      const probe = new KubeProbe({ kubeconfig: kubeconfig(), context: context() });
      const evidence = await probe.waitFor(
        async () => {
          const pod = await probe.get<V1Pod>('v1', 'Pod', 'greedy', ns);
          const lines = pod ? await probe.explainPod(pod) : [];
          return lines.some((l) => l.startsWith('FailedScheduling')) ? lines : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(evidence?.find((l) => l.startsWith('FailedScheduling'))).toMatch(/FailedScheduling: 0\/3 nodes are available: .*Insufficient cpu/);
      expect(await probe.get('v1', 'Pod', 'does-not-exist', ns)).toBeUndefined();
    });
  });
});

describe("KubeProbe.serviceGet (the API server's service proxy, how checks reach Prometheus and Loki)", () => {
  it("reaches the proxy subresource with the kubeconfig's credentials and returns the status and body it answers", async () => {
    const c = clients();
    await inNamespace(c, 'proxy', async (ns) => {
      // No pod can serve here (kwok), so the real proxy answers for a Service without endpoints:
      // that proves the URL and the authentication, and that a refusal is data, not an exception.
      await c.core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: 'prometheus' }, spec: { selector: { app: 'nothing-here' }, ports: [{ name: 'http', port: 9090 }] } },
      });
      const probe = new KubeProbe({ kubeconfig: kubeconfig(), context: context() });
      // The endpoints controller fills in the (empty) endpoints a moment after the Service exists;
      // until then the proxy says the service is not found.
      const r = await probe.waitFor(
        async () => {
          const res = await probe.serviceGet(ns, 'prometheus', 9090, '/api/v1/targets?state=active');
          return res.status === 503 ? res : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(r, 'the proxy answered 503 for a Service without ready endpoints').toBeDefined();
      expect(JSON.parse(r!.body)).toMatchObject({ reason: 'ServiceUnavailable', message: 'no endpoints available for service "prometheus"' });
      const missing = await probe.serviceGet(ns, 'nothing', 80, '/');
      expect(missing.status).toBe(404);
      expect(missing.body).toMatch(/services \\?"nothing\\?" not found/);
    });
  });
});

describe('npm run verify with --context', () => {
  const verify0 = (extraEnv: Record<string, string>, args: string[]) =>
    spawnSync(process.execPath, [CLI_ENTRY, 'verify', '0', '--json', ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: cliEnv(undefined, { WORKSHOP_STATE_FILE: CLUSTER_STATE_FILE, ...extraEnv }),
      timeout: 60_000,
    });
  const clusterCheck = (stdout: string) =>
    (JSON.parse(stdout) as { checks: Array<{ id: string; status: string; message: string }> }).checks.find((c) => c.id === '00.cluster-reachable');

  it('00.cluster-reachable passes against the harness when its context is named', () => {
    const r = verify0({ KUBECONFIG: kubeconfig() }, ['--context', context()]);
    expect(clusterCheck(r.stdout)).toMatchObject({ status: 'pass', message: `context ${context()}, Kubernetes v1.36.1` });
  });

  it('a check that needs real kubelets (06.image-on-nodes) skips on the harness with its reason, never passes', () => {
    const r = spawnSync(
      process.execPath,
      [CLI_ENTRY, 'verify', '6', '--json', '--context', context(), '--workspace', path.join(REPO_ROOT, 'solutions/06-containerize')],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: cliEnv(undefined, { KUBECONFIG: kubeconfig(), WORKSHOP_STATE_FILE: CLUSTER_STATE_FILE }),
        timeout: 60_000,
      },
    );
    const check = (JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; message: string }> }).checks.find((c) => c.id === '06.image-on-nodes');
    // It requires 'image-store'; the harness backend serves none: a skip for the capability, in the JSON too.
    expect(check).toMatchObject({ status: 'skip', reason: 'capability' });
    expect(check!.message).toMatch(/^needs nodes that hold images .*; this cluster's nodes are simulated by kwok .*: runs on kind$/);
  });

  it('00.cluster-reachable fails, naming the missing workshop context, when none is named', () => {
    const r = verify0({ KUBECONFIG: kubeconfig() }, []);
    expect(clusterCheck(r.stdout)).toMatchObject({ status: 'fail' });
    expect(clusterCheck(r.stdout)!.message).toMatch(/There is no kube context "kind-workshop"/);
  });
});

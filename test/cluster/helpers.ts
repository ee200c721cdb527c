// Shared helpers for cluster tests: clients bound to the harness kubeconfig, a throwaway namespace per
// test (always deleted), and bounded waits that say what they were waiting for.
import { randomBytes } from 'node:crypto';
import { ApiException, AppsV1Api, CoreV1Api, DiscoveryV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { waitFor } from '../../scripts/control-plane/wait.ts';

export interface Clients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  discovery: DiscoveryV1Api;
  objects: KubernetesObjectApi;
}

export function clients(): Clients {
  const kubeconfig = inject('kubeconfigPath');
  if (!kubeconfig) {
    throw new Error('no control plane: run cluster tests with `vitest run --config vitest.cluster.config.ts` (npm run test:cluster)');
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  kc.setCurrentContext(inject('kubeContext'));
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    discovery: kc.makeApiClient(DiscoveryV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

/** Runs `fn` in a fresh namespace and deletes it afterwards, whether `fn` passed or failed. */
export async function inNamespace<T>(c: Clients, prefix: string, fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = `${prefix}-${randomBytes(4).toString('hex')}`;
  await c.core.createNamespace({ body: { metadata: { name: ns } } });
  try {
    return await fn(ns);
  } finally {
    // Not waiting for finalization: the namespace controller cleans up in the background.
    await c.core.deleteNamespace({ name: ns }).catch(() => undefined);
  }
}

/** Polls until `probe` returns a value; on timeout the error says what was awaited and the last state seen. */
export function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  return waitFor(probe, { what, timeoutMs, intervalMs: 300, progressEveryMs: 0 });
}

/** Status code and parsed Status body of a failed API call (client-node 1.x keeps the body as a string). */
export function apiError(err: unknown): { code: number; reason?: string; message?: string; causes?: { field?: string; message?: string }[] } {
  if (!(err instanceof ApiException)) throw err;
  const raw: unknown = err.body;
  let body: Record<string, unknown> = {};
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      body = { message: raw };
    }
  } else if (raw && typeof raw === 'object') body = raw as Record<string, unknown>;
  const details = body.details as { causes?: { field?: string; message?: string }[] } | undefined;
  return {
    code: err.code,
    reason: body.reason as string | undefined,
    message: body.message as string | undefined,
    causes: details?.causes,
  };
}

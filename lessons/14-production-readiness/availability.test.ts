// Disruption budgets counted the way the disruption controller counts them: percentages of
// the selected pods rounded up (for minAvailable and maxUnavailable alike), and the replicas
// an HPA may go down to. Real manifests in a temporary workspace, read by the real probe.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { CheckContext } from '../../verify/lesson-api.ts';
import { ManifestsProbe } from '../../verify/probes/manifests.ts';
import { workloads } from '../shared/k8s.ts';
import { autoscalerFindings, budgetFindings, budgets, cpuTarget } from './availability.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const web = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: teamnotes }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: teamnotes:1.1.0 }] }
`;
const pdb = (field: string) => `---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: web, namespace: teamnotes }
spec:
  ${field}
  selector: { matchLabels: { app: web } }
`;

/** A context whose k8s/ folder holds `yaml`, read by the real manifest probe. */
function contextOf(yaml: string): CheckContext {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l14-pdb-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'k8s'));
  fs.writeFileSync(path.join(dir, 'k8s/all.yaml'), yaml);
  return { manifests: new ManifestsProbe(dir) } as unknown as CheckContext;
}

/** The budgets of a k8s/ folder holding `yaml`, as the check sees them. */
function budgetsOf(yaml: string) {
  return budgets(contextOf(yaml));
}

/** The autoscaler's findings on a k8s/ folder holding `yaml` (one Deployment, one HPA on it). */
function autoscalerOf(yaml: string) {
  const ctx = contextOf(yaml);
  const hpa = ctx.manifests.find('HorizontalPodAutoscaler')[0]!;
  return { target: cpuTarget(hpa), findings: autoscalerFindings(hpa, workloads(ctx, ['Deployment'])[0]!).map((f) => f.message) };
}
const hpaOn = (body: string, apiVersion = 'autoscaling/v2') => `---
apiVersion: ${apiVersion}
kind: HorizontalPodAutoscaler
metadata: { name: web, namespace: teamnotes }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  minReplicas: 2
  maxReplicas: 4
${body}`;

describe('budgets', () => {
  test.each([
    ['minAvailable: 1', 2, 1],
    ['minAvailable: "50%"', 2, 1],
    ['minAvailable: "50%"', 3, 1], // ceil(1.5) = 2 must stay
    ['maxUnavailable: "50%"', 3, 2], // ceil(1.5) = 2 may go
    ['minAvailable: "100%"', 2, 0],
    ['maxUnavailable: 0', 2, 0],
  ])('%s with %i replicas allows %i eviction(s)', (field, replicas, allowed) => {
    expect(budgetsOf(web(replicas) + pdb(field))[0]!.allowed).toBe(allowed);
  });

  test("an HPA's minReplicas is the count that matters: minAvailable 1 over an HPA with minReplicas 1 allows none", () => {
    const hpa = `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: web, namespace: teamnotes }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  minReplicas: 1
  maxReplicas: 4
`;
    const all = budgetsOf(web(2) + pdb('minAvailable: 1') + hpa);
    expect(all[0]!.allowed).toBe(0);
    expect(budgetFindings(all).map((f) => f.message)).toEqual([expect.stringMatching(/allows 0 evictions of Deployment web \(1 replica, minAvailable: 1\)/)]);
  });

  test('policy/v1: an empty selector takes every pod of the namespace, a missing one none', () => {
    expect(budgetsOf(web(2) + pdb('minAvailable: 1').replace('{ matchLabels: { app: web } }', '{}'))[0]!.selected).toHaveLength(1);
    const none = budgetsOf(web(2) + pdb('minAvailable: 1').replace('  selector: { matchLabels: { app: web } }\n', ''));
    expect(budgetFindings(none).map((f) => f.message)).toEqual([expect.stringMatching(/selects no pod of k8s\/: it protects nothing/)]);
  });

  test('a budget whose selector matches no pod template is reported as protecting nothing', () => {
    const all = budgetsOf(web(2) + pdb('minAvailable: 1').replace('{ app: web }', '{ app: website }'));
    expect(budgetFindings(all).map((f) => f.message)).toEqual([expect.stringMatching(/selects no pod of k8s\/: it protects nothing/)]);
  });
});

describe('autoscaler', () => {
  const noRequest = web(2);
  const withRequest = web(2).replace('image: teamnotes:1.1.0', 'image: teamnotes:1.1.0, resources: { requests: { cpu: 100m } }');

  test('no metrics (v2) or no target (v1): the API server fills in 80% CPU utilization', () => {
    expect(autoscalerOf(withRequest + hpaOn(''))).toEqual({ target: { label: '80% (the default)', utilization: true }, findings: [] });
    expect(autoscalerOf(withRequest + hpaOn('', 'autoscaling/v1')).findings).toEqual([]);
  });

  test('a Utilization target needs a CPU request to divide by; an AverageValue target does not', () => {
    const utilization = hpaOn('  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } } }]\n');
    expect(autoscalerOf(noRequest + utilization).findings).toEqual([expect.stringMatching(/container web has no CPU request/)]);
    const average = hpaOn('  metrics: [{ type: Resource, resource: { name: cpu, target: { type: AverageValue, averageValue: 70m } } }]\n');
    expect(autoscalerOf(noRequest + average)).toEqual({ target: { label: '70m', utilization: false }, findings: [] });
  });

  test('a ContainerResource metric divides by the request of the container it names, which must exist', () => {
    const metric = (container: string) =>
      hpaOn(
        `  metrics: [{ type: ContainerResource, containerResource: { name: cpu, container: ${container}, target: { type: Utilization, averageUtilization: 70 } } }]\n`,
      );
    expect(autoscalerOf(withRequest + metric('web')).findings).toEqual([]);
    expect(autoscalerOf(withRequest + metric('app')).findings).toEqual([
      expect.stringMatching(/names container app, which the pods of Deployment web do not have/),
    ]);
  });

  test('metrics on memory only: no CPU target', () => {
    const memory = hpaOn('  metrics: [{ type: Resource, resource: { name: memory, target: { type: Utilization, averageUtilization: 70 } } }]\n');
    expect(autoscalerOf(withRequest + memory).findings).toEqual([expect.stringMatching(/no CPU target/)]);
  });
});

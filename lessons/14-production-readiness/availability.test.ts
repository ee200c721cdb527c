// Disruption budgets counted the way the disruption controller counts them: percentages of
// the selected pods rounded up (for minAvailable and maxUnavailable alike), and the replicas
// an HPA may go down to. Real manifests in a temporary workspace, read by the real probe.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { CheckContext } from '../../verify/lesson-api.ts';
import { ManifestsProbe } from '../../verify/probes/manifests.ts';
import { budgetFindings, budgets } from './availability.ts';

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

/** The budgets of a k8s/ folder holding `yaml`, as the check sees them. */
function budgetsOf(yaml: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l14-pdb-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'k8s'));
  fs.writeFileSync(path.join(dir, 'k8s/all.yaml'), yaml);
  return budgets({ manifests: new ManifestsProbe(dir) } as unknown as CheckContext);
}

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

  test('a budget whose selector matches no pod template is reported as protecting nothing', () => {
    const all = budgetsOf(web(2) + pdb('minAvailable: 1').replace('{ app: web }', '{ app: website }'));
    expect(budgetFindings(all).map((f) => f.message)).toEqual([expect.stringMatching(/selects no pod of k8s\/: it protects nothing/)]);
  });
});

// The curriculum on the live layer, against the real control plane (the static layers are
// covered by test/curriculum.test.ts in npm test). The cluster is shared state, so this
// file walks the lessons in order, as a class would: lesson N's starting state is the
// cluster as solution N-1 left it; its required checks fail there, pass once solution N is
// applied (code and cluster, like `npm run solution N -- --apply`), and earlier lessons
// still pass. Known-wrong cluster states (not applied, a stale pod, a missing class) are
// made and undone inside each lesson's step. Then a full `npm run rehearse` runs 00–10.
// Checks that require what the harness backend cannot serve (real pods, an image store)
// skip here, and the tests assert exactly those skip, derived from each check's
// `requires`, saying so rather than passing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { installAddon } from '../../verify/core/addons.ts';
import { applyWorkspace, CLUSTER_ENV_FILE, CLUSTER_ENV_TEMPLATE, renderClusterEnv } from '../../verify/core/cluster-apply.ts';
import type { CheckDefinition } from '../../verify/core/check.ts';
import { HARNESS, missingCapabilities } from '../../verify/core/cluster-backend.ts';
import { listLessons, loadChecks, startStateDir, type Lesson } from '../../verify/core/lessons.ts';
import { REPO_ROOT } from '../../verify/core/paths.ts';
import { linkDependencies } from '../../verify/core/workspace.ts';
import { listFixtures, materializeFixture } from '../../verify/core/fixtures.ts';
import { rehearse } from '../../verify/core/rehearsal.ts';
import { runLesson, type LessonReport } from '../../verify/core/runner.ts';
import { KubeProbe } from '../../verify/probes/kube.ts';
import { ManifestsProbe } from '../../verify/probes/manifests.ts';
import { summary } from '../helpers/verify.ts';
import { tempDir, workspaceFrom } from '../helpers/workspaces.ts';

const lessons = listLessons();
/** Lessons with cluster checks beyond the image on the nodes (06's is covered in kube-probe.test.ts). */
const live = lessons.filter((l) => l.index >= 7);
/** The placeholder of lessons 07–08 a person fills in (the workshop Postgres password); nothing connects on kwok. */
const CLUSTER_ENV = { DATABASE_URL: 'postgres://teamnotes:harness@postgres.workshop-services.svc.cluster.local:5432/teamnotes' };

/**
 * The full ids of the checks the harness cannot serve (their `requires` against its
 * backend's capabilities) and of every check that depends on one: exactly these skip here.
 */
function unservable(lesson: Lesson, checks: CheckDefinition[]): string[] {
  const out = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of checks) {
      if (out.has(c.id) || !(missingCapabilities(HARNESS, c.requires).length || c.dependsOn?.some((d) => out.has(d)))) continue;
      out.add(c.id);
      grew = true;
    }
  }
  return checks.filter((c) => out.has(c.id)).map((c) => `${lesson.number}.${c.id}`);
}

const kube = () => new KubeProbe({ kubeconfig: inject('kubeconfigPath'), context: inject('kubeContext') });

async function verify(lesson: Lesson, workspace: string): Promise<LessonReport> {
  return runLesson({
    lesson,
    checks: await loadChecks(lesson),
    workspace,
    kube: { kubeconfig: inject('kubeconfigPath'), context: inject('kubeContext') },
    serviceEnv: inject('services'),
    disruptive: true,
  });
}

/** Generated secrets, kept from lesson to lesson as a learner keeps their .env.cluster. */
const generatedSoFar: Record<string, string> = {};

/** `npm run solution N -- --apply --workspace DIR --context …`, the learner's catch-up command, as a real process. */
function solutionApplyCli(lesson: Lesson, dir: string, extra: string[] = []) {
  const home = tempDir();
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/workshop.mjs'), 'solution', String(lesson.index), '--apply', '--workspace', dir, '--context', inject('kubeContext'), ...extra], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', KUBECONFIG: inject('kubeconfigPath'), WORKSHOP_HOME: home, WORKSHOP_STATE_FILE: path.join(home, 'state.json') },
    timeout: 120_000,
  });
}

/**
 * Catch up to lesson N the way a learner does: start from the previous solution with their
 * own .env.cluster, run `solution N -- --apply` (code, add-ons, manifests, Secret).
 */
async function applySolution(lesson: Lesson): Promise<string> {
  const dir = workspaceFrom(startStateDir(lessons, lesson));
  const template = path.join(lesson.solutionDir, CLUSTER_ENV_TEMPLATE);
  const rendered = renderClusterEnv(fs.readFileSync(template, 'utf8'), CLUSTER_ENV, generatedSoFar);
  fs.writeFileSync(path.join(dir, CLUSTER_ENV_FILE), rendered);
  const r = solutionApplyCli(lesson, dir);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  expect(r.stdout).toMatch(/Backed up your work to/);
  expect(r.stdout).toMatch(/Cluster kind-workshop-harness: \d+ objects applied, Secret teamnotes-secrets from \.env\.cluster/);
  return dir;
}

const clusterChecks = (r: LessonReport) => r.checks.filter((c) => c.layer === 'cluster');
const failed = (r: LessonReport) => r.checks.filter((c) => c.outcome.status === 'fail').map((c) => c.id);

/** On the harness exactly the unservable checks skip, each for the capability, naming the simulated nodes or the dependency that skipped for it. */
async function expectHonestSkips(r: LessonReport): Promise<void> {
  const skipped = r.checks.filter((x) => x.outcome.status === 'skip');
  expect(skipped.map((c) => c.id), summary(r).join('\n')).toEqual(unservable(r.lesson, await loadChecks(r.lesson)));
  for (const c of skipped) {
    expect(c.skippedBecause, c.id).toBe('capability');
    expect(c.outcome.message, c.id).toMatch(/this cluster's nodes are simulated by kwok|which was skipped: needs /);
  }
}

describe.sequential('the live layer, lesson by lesson (07 on)', () => {
  const solved = new Map<number, string>();

  for (const lesson of live) {
    describe.sequential(`lesson ${lesson.number} ${lesson.slug}`, () => {
      test('on the cluster as the previous lesson left it, every required cluster check fails (or waits on one that fails)', async () => {
        const start = workspaceFrom(startStateDir(lessons, lesson));
        const report = await verify(lesson, start);
        expect(report.broken, report.broken?.message).toBeUndefined();
        const passing = clusterChecks(report).filter((c) => c.severity === 'required' && c.outcome.status === 'pass');
        expect(passing.map((c) => c.id), summary(report).join('\n')).toEqual([]);
        expect(report.ok).toBe(false);
      });

      test('after applying the solution (code and cluster), every check passes or skips for a stated reason', async () => {
        const dir = await applySolution(lesson);
        solved.set(lesson.index, dir);
        const report = await verify(lesson, dir);
        expect(report.broken, report.broken?.message).toBeUndefined();
        expect(failed(report), summary(report).join('\n')).toEqual([]);
        expect(report.ok).toBe(true);
        await expectHonestSkips(report);
      });

      for (const earlier of live.filter((l) => l.index < lesson.index)) {
        test(`the cluster still passes lesson ${earlier.number}`, async () => {
          const report = await verify(earlier, solved.get(lesson.index)!);
          expect(failed(report), summary(report).join('\n')).toEqual([]);
          expect(report.ok).toBe(true);
        });
      }

      for (const [name, wrong] of Object.entries(KNOWN_WRONG[lesson.index] ?? {})) {
        test(`known-wrong on the cluster: ${name} fails with ${wrong.expect.join(', ')}`, async () => {
          const dir = solved.get(lesson.index)!;
          const workspace = await wrong.make(dir);
          try {
            const report = await verify(lesson, workspace);
            expect(report.broken, report.broken?.message).toBeUndefined();
            expect(failed(report), summary(report).join('\n')).toEqual(expect.arrayContaining(wrong.expect));
            expect(report.ok).toBe(false);
            if (wrong.evidence) {
              const outcome = report.checks.find((c) => c.id === wrong.expect[0])!.outcome;
              expect([outcome.message, ...(outcome.evidence ?? [])].join('\n')).toMatch(wrong.evidence);
            }
          } finally {
            await wrong.undo?.(dir);
          }
          // Undone: the lesson passes again, so the next step starts from a clean solution.
          expect(failed(await verify(lesson, dir))).toEqual([]);
        });
      }

      for (const name of ACCEPTED_LIVE[lesson.index] ?? []) {
        test(`accepted variant on the cluster: ${name} applied passes every check`, async () => {
          // The same workspace as the static accept fixture, applied the way solution --apply does.
          const solvedDir = solved.get(lesson.index)!;
          const fixture = listFixtures(lesson).find((f) => f.name === name);
          expect(fixture, `${name} is an accept-* fixture of lesson ${lesson.number}`).toBeDefined();
          const dir = tempDir();
          materializeFixture(fixture!, lessons, dir);
          fs.copyFileSync(path.join(solvedDir, CLUSTER_ENV_FILE), path.join(dir, CLUSTER_ENV_FILE));
          try {
            await applyWorkspace(kube(), dir);
            await rolledOut();
            const report = await verify(lesson, dir);
            expect(report.broken, report.broken?.message).toBeUndefined();
            expect(failed(report), summary(report).join('\n')).toEqual([]);
            expectHonestSkips(report);
          } finally {
            await reapply(solvedDir);
            await rolledOut();
          }
          expect(failed(await verify(lesson, solvedDir))).toEqual([]);
        });
      }
    });
  }
});

/** Accepted variants (accept-* fixtures) whose live layer differs from the solution's: applied, they must pass too. */
const ACCEPTED_LIVE: Record<number, string[]> = {
  8: ['accept-envfrom-both'],
  10: ['accept-annotation-class'],
};

interface KnownWrong {
  expect: string[];
  /** Matches the failing check's message or evidence. */
  evidence?: RegExp;
  /** Breaks something (cluster or a copy of the workspace) and returns the workspace to verify. */
  make(solved: string): Promise<string>;
  undo?(solved: string): Promise<void>;
}

/** A copy of the solved workspace with one text edit (nothing applied). */
function editedCopy(solved: string, file: string, find: string, replace: string): string {
  const dir = tempDir();
  fs.cpSync(solved, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
  // The copy needs the packages like any workspace (verify exits 2 on a workspace without them).
  linkDependencies(dir);
  const target = path.join(dir, file);
  const text = fs.readFileSync(target, 'utf8');
  expect(text).toContain(find);
  fs.writeFileSync(target, text.replace(find, replace));
  return dir;
}

const reapply = async (dir: string) => void (await applyWorkspace(kube(), dir));

async function rolledOut(name = 'teamnotes', namespace = 'teamnotes'): Promise<void> {
  const k = kube();
  const done = await k.waitFor(async () => {
    const d = await k.get<V1Deployment>('apps/v1', 'Deployment', name, namespace);
    const s = d?.status;
    const want = d?.spec?.replicas ?? 1;
    return s && (s.observedGeneration ?? 0) >= (d!.metadata?.generation ?? 0) && s.updatedReplicas === want && s.availableReplicas === want && s.replicas === want ? d : undefined;
  }, { timeoutMs: 60_000 });
  expect(done, `the ${name} rollout finished`).toBeDefined();
}

const KNOWN_WRONG: Record<number, Record<string, KnownWrong>> = {
  7: {
    'a field name the API server does not know (readinessprobe)': {
      expect: ['07.server-dry-run'],
      evidence: /readinessprobe/,
      make: async (dir) => editedCopy(dir, 'k8s/deployment.yaml', 'readinessProbe:', 'readinessprobe:'),
    },
    'k8s/ edited but not applied (replicas 3 in the file, 2 in the cluster)': {
      expect: ['07.rollout-complete'],
      evidence: /differs from k8s/,
      make: async (dir) => editedCopy(dir, 'k8s/deployment.yaml', 'replicas: 2', 'replicas: 3'),
    },
    // Before 07.rollout-complete compared every field the file sets, only image and replicas counted: this passed.
    'a probe and a memory limit changed in k8s/ but not applied': {
      expect: ['07.rollout-complete'],
      evidence: /^(?=[\s\S]*readinessProbe\.periodSeconds: cluster 5, k8s\/ 7)(?=[\s\S]*limits\.memory: cluster "256Mi", k8s\/ "300Mi")/,
      make: async (dir) => {
        const copy = editedCopy(dir, 'k8s/deployment.yaml', 'periodSeconds: 5', 'periodSeconds: 7');
        const file = path.join(copy, 'k8s/deployment.yaml');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('memory: 256Mi', 'memory: 300Mi'));
        return copy;
      },
    },
    'the Secret deleted: the pods would sit in CreateContainerConfigError': {
      expect: ['07.env-sources-exist'],
      evidence: /Secret teamnotes-secrets does not exist/,
      make: async (dir) => {
        await kube().delete({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'teamnotes-secrets', namespace: 'teamnotes' } });
        return dir;
      },
      undo: reapply,
    },
  },
  8: {
    'the ConfigMap changed in the file but not applied': {
      expect: ['08.configmap-applied'],
      evidence: /LOG_LEVEL/,
      make: async (dir) => editedCopy(dir, 'k8s/configmap.yaml', 'LOG_LEVEL: info', 'LOG_LEVEL: debug'),
    },
    'the ConfigMap changed in the cluster after the pods started, no rollout restart': {
      expect: ['08.pods-use-current-config'],
      evidence: /ConfigMap\/teamnotes-config changed/,
      make: async (dir) => {
        // Managed-field times have one-second resolution: make sure the change is in a later second than the pods.
        await new Promise((r) => setTimeout(r, 1100));
        const cm: KubernetesObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'teamnotes-config', namespace: 'teamnotes' } };
        await kube().mergePatch(cm, { data: { LOG_LEVEL: 'warn' } });
        return editedCopy(dir, 'k8s/configmap.yaml', 'LOG_LEVEL: info', 'LOG_LEVEL: warn');
      },
      undo: async (dir) => {
        // Re-applying changes the ConfigMap back, so applyWorkspace restarts the Deployment; wait for that rollout.
        await reapply(dir);
        await rolledOut();
      },
    },
  },
  10: {
    'the Service\'s selector changed in the cluster by hand (kubectl patch)': {
      expect: ['10.service-has-endpoints'],
      evidence: /differs from k8s\/service\.yaml in its selector \(app\.kubernetes\.io\/name\)/,
      make: async (dir) => {
        await kube().mergePatch({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'teamnotes', namespace: 'teamnotes' } }, { spec: { selector: { 'app.kubernetes.io/name': 'team-notes' } } });
        return dir;
      },
      undo: reapply,
    },
    'no ingress controller installed (IngressClass missing)': {
      expect: ['10.ingress-controller-ready'],
      evidence: /no IngressClass traefik/,
      make: async (dir) => {
        await kube().delete({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'traefik' } });
        return dir;
      },
      undo: async () => void (await installAddon(kube(), 'ingress')),
    },
  },
  11: {
    'the monitoring add-on missing (Grafana deleted)': {
      expect: ['11.monitoring-ready'],
      evidence: /there is no grafana in namespace monitoring/,
      make: async (dir) => {
        await kube().delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'grafana', namespace: 'monitoring' } });
        return dir;
      },
      undo: async () => {
        await installAddon(kube(), 'monitoring');
        await rolledOut('grafana', 'monitoring');
      },
    },
    'the data source changed and applied, Grafana not restarted': {
      expect: ['11.grafana-config-applied'],
      evidence: /started before your last change to its data sources/,
      make: async (dir) => {
        await new Promise((r) => setTimeout(r, 1100));
        // Grafana rescans dashboards by itself; a data source it reads only at start.
        const copy = editedCopy(dir, 'k8s/monitoring/grafana-datasources.yaml', 'isDefault: true', 'isDefault: true\n        editable: false');
        // What `kubectl apply -f k8s/` does, and nothing more: the ConfigMap changes, Grafana keeps running.
        const cm = new ManifestsProbe(copy).find('ConfigMap').find((m) => m.name === 'grafana-datasources')!;
        await kube().mergePatch(cm.object as KubernetesObject, { data: cm.object.data });
        return copy;
      },
      undo: async (dir) => {
        await reapply(dir);
        await new Promise((r) => setTimeout(r, 1100));
        await kube().mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'grafana', namespace: 'monitoring' } }, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } });
        await rolledOut('grafana', 'monitoring');
      },
    },
  },
  12: {
    'the log store missing (Loki deleted)': {
      expect: ['12.store-ready'],
      evidence: /there is no loki in namespace logging/,
      make: async (dir) => {
        await kube().delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'loki', namespace: 'logging' } });
        return dir;
      },
      undo: async () => {
        await installAddon(kube(), 'logging');
        await rolledOut('loki', 'logging');
      },
    },
    'the agent applied without its toleration: the control-plane node is skipped': {
      expect: ['12.covers-every-node', '12.tolerates-control-plane'],
      evidence: /workshop-control-plane: taint node-role\.kubernetes\.io\/control-plane:NoSchedule not tolerated/,
      make: async (dir) => {
        const copy = editedCopy(dir, 'k8s/logging/fluent-bit.yaml', '      tolerations:\n        - key: node-role.kubernetes.io/control-plane\n          operator: Exists\n          effect: NoSchedule\n', '');
        await applyWorkspace(kube(), copy);
        return copy;
      },
      undo: reapply,
    },
  },
  13: {
    'the worker scaled in k8s/ but not applied (replicas 2 in the file, 1 in the cluster)': {
      expect: ['13.worker-ready'],
      evidence: /differs from k8s/,
      make: async (dir) => editedCopy(dir, 'k8s/worker.yaml', 'replicas: 1', 'replicas: 2'),
    },
    "the CronJob's schedule changed in k8s/ but not applied": {
      expect: ['13.cronjob-present'],
      evidence: /differs from k8s/,
      make: async (dir) => editedCopy(dir, 'k8s/digest-cronjob.yaml', 'schedule: "0 7 * * *"', 'schedule: "30 6 * * *"'),
    },
    'the CronJob suspended in the cluster (kubectl patch … suspend: true)': {
      expect: ['13.cronjob-present'],
      evidence: /suspended/,
      make: async (dir) => {
        await kube().mergePatch({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'teamnotes-digest', namespace: 'teamnotes' } }, { spec: { suspend: true } });
        return dir;
      },
      // Applying k8s/ does not clear it (the file does not set suspend): patch it back, as a learner would.
      undo: async () => void (await kube().mergePatch({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'teamnotes-digest', namespace: 'teamnotes' } }, { spec: { suspend: false } })),
    },
  },
};

test('solution --apply without .env.cluster stops before touching the cluster: one line, exit 2, code already caught up', () => {
  const lesson = lessons.find((l) => l.index === 8)!;
  const dir = workspaceFrom(startStateDir(lessons, lesson));
  const r = solutionApplyCli(lesson, dir);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/k8s\/ expects the Secret teamnotes-secrets, made from \.env\.cluster, and .*\.env\.cluster does not exist/);
  expect(r.stderr).toMatch(/Next: cp \.env\.cluster\.example \.env\.cluster/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(fs.existsSync(path.join(dir, 'k8s/configmap.yaml'))).toBe(true);
});

describe('npm run rehearse on the harness', () => {
  let reports: LessonReport[] = [];
  beforeAll(async () => {
    reports = await rehearse({
      lessons,
      context: inject('kubeContext'),
      kubeconfig: inject('kubeconfigPath'),
      clusterEnv: CLUSTER_ENV,
      serviceEnv: inject('services'),
      disruptive: true,
    });
  }, 600_000);

  test('every lesson passes, in order, from 00 to the last', () => {
    expect(reports.map((r) => r.lesson.number)).toEqual(lessons.map((l) => l.number));
    for (const r of reports) {
      expect(r.broken, `${r.lesson.number}: ${r.broken?.message}`).toBeUndefined();
      expect(failed(r), `${r.lesson.number}\n${summary(r).join('\n')}`).toEqual([]);
      expect(r.ok, r.lesson.number).toBe(true);
    }
  });

  test('exactly the checks whose requires the harness cannot serve skip (and their dependents), each naming why', async () => {
    // Derived, not listed: a check that declares a new requirement skips here, and one
    // that stops declaring it must then pass here.
    for (const r of reports) await expectHonestSkips(r);
    expect(reports.flatMap((r) => r.checks).filter((c) => c.skippedBecause === 'capability').length).toBeGreaterThan(0);
  });

});

// The curriculum on the live layer, against the real control plane (the static layers are
// covered by test/curriculum.test.ts in npm test). The cluster is shared state, so this
// file walks the lessons in order, as a class would: lesson N's starting state is the
// cluster as solution N-1 left it; its required checks fail there, pass once solution N is
// applied (code and cluster, like `npm run solution N -- --apply`), and earlier lessons
// still pass. Known-wrong cluster states (not applied, a stale pod, a missing class) are
// fixtures with a `cluster:` key in the lesson's folder (lessons/NN-slug/fixtures/<name>/),
// made and undone inside each lesson's step (./cluster-states.ts runs their steps), and so
// are accepted variants whose live layer differs. Then a full `npm run rehearse` runs them all.
// Checks that require what the harness backend cannot serve (real pods, an image store)
// skip here, and the tests assert exactly those skip, derived from each check's
// `requires`, saying so rather than passing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { CLUSTER_ENV_FILE, CLUSTER_ENV_TEMPLATE, renderClusterEnv } from '../../verify/core/cluster-apply.ts';
import type { CheckDefinition } from '../../verify/core/check.ts';
import { HARNESS, missingCapabilities } from '../../verify/core/cluster-backend.ts';
import { listLessons, loadChecks, startStateDir, type Lesson } from '../../verify/core/lessons.ts';
import { REPO_ROOT } from '../../verify/core/paths.ts';
import { type Fixture, listFixtures, materializeFixture } from '../../verify/core/fixtures.ts';
import { rehearse } from '../../verify/core/rehearsal.ts';
import { runLesson, type LessonReport } from '../../verify/core/runner.ts';
import { KubeProbe } from '../../verify/probes/kube.ts';
import { CLI_ENTRY, cliEnv } from '../helpers/cli.ts';
import { summary } from '../helpers/verify.ts';
import { tempDir, workspaceFrom } from '../helpers/workspaces.ts';
import { runSteps } from './cluster-states.ts';

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
  for (let grew = true; grew;) {
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
  return spawnSync(
    process.execPath,
    [CLI_ENTRY, 'solution', String(lesson.index), '--apply', '--workspace', dir, '--context', inject('kubeContext'), ...extra],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: cliEnv(home, { KUBECONFIG: inject('kubeconfigPath') }),
      timeout: 120_000,
    },
  );
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
  expect(
    skipped.map((c) => c.id),
    summary(r).join('\n'),
  ).toEqual(unservable(r.lesson, await loadChecks(r.lesson)));
  for (const c of skipped) {
    expect(c.skippedBecause, c.id).toBe('capability');
    expect(c.outcome.message, c.id).toMatch(/this cluster's nodes are simulated by kwok|which was skipped: needs /);
  }
}

describe.sequential('the live layer, lesson by lesson (07 on)', () => {
  const solved = new Map<number, string>();

  /**
   * A state of the live cluster: its fixture's `make` steps applied, the lesson verified on its
   * workspace and judged, the state always undone; then the solution passes again, so the next
   * test starts from a clean solution.
   */
  async function onClusterFixture(lesson: Lesson, fixture: Fixture, judge: (report: LessonReport) => void | Promise<void>): Promise<void> {
    const solvedDir = solved.get(lesson.index)!;
    const dir = fixtureWorkspace(fixture, solvedDir);
    const dirs = { fixture: dir, solution: solvedDir };
    try {
      await runSteps(kube(), fixture.cluster!.make, dirs);
      const report = await verify(lesson, dir);
      expect(report.broken, report.broken?.message).toBeUndefined();
      await judge(report);
    } finally {
      await runSteps(kube(), fixture.cluster!.undo, dirs);
    }
    expect(failed(await verify(lesson, solvedDir))).toEqual([]);
  }

  for (const lesson of live) {
    describe.sequential(`lesson ${lesson.number} ${lesson.slug}`, () => {
      test('on the cluster as the previous lesson left it, every required cluster check fails (or waits on one that fails)', async () => {
        const start = workspaceFrom(startStateDir(lessons, lesson));
        const report = await verify(lesson, start);
        expect(report.broken, report.broken?.message).toBeUndefined();
        const passing = clusterChecks(report).filter((c) => c.severity === 'required' && c.outcome.status === 'pass');
        expect(
          passing.map((c) => c.id),
          summary(report).join('\n'),
        ).toEqual([]);
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

      for (const fixture of clusterFixtures(lesson).filter((f) => f.kind === 'known-wrong')) {
        test(`known-wrong on the cluster: ${fixture.name} fails with ${fixture.expectFail.join(', ')}`, () =>
          onClusterFixture(lesson, fixture, (report) => {
            expect(failed(report), summary(report).join('\n')).toEqual(expect.arrayContaining(fixture.expectFail));
            expect(report.ok).toBe(false);
            if (fixture.cluster!.evidence) {
              const outcome = report.checks.find((c) => c.id === fixture.expectFail[0])!.outcome;
              expect([outcome.message, ...(outcome.evidence ?? [])].join('\n')).toMatch(new RegExp(fixture.cluster!.evidence));
            }
          }));
      }

      for (const fixture of clusterFixtures(lesson).filter((f) => f.kind === 'accept')) {
        // The same workspace as the static accept fixture, applied the way solution --apply does.
        test(`accepted variant on the cluster: ${fixture.name} applied passes every check`, () =>
          onClusterFixture(lesson, fixture, async (report) => {
            expect(failed(report), summary(report).join('\n')).toEqual([]);
            await expectHonestSkips(report);
          }));
      }
    });
  }
});

/** The lesson's fixtures that are states of the live cluster (a `cluster:` key in fixture.yaml). */
const clusterFixtures = (lesson: Lesson): Fixture[] => listFixtures(lesson).filter((f) => f.cluster);

/** The fixture's workspace, with the .env.cluster of the solved one (as a learner keeps theirs). */
function fixtureWorkspace(fixture: Fixture, solvedDir: string): string {
  const dir = tempDir();
  materializeFixture(fixture, lessons, dir);
  fs.copyFileSync(path.join(solvedDir, CLUSTER_ENV_FILE), path.join(dir, CLUSTER_ENV_FILE));
  return dir;
}

test('every cluster state in a lesson folder is run: its lesson has a live layer here', () => {
  const unrun = lessons.filter((l) => !live.includes(l)).flatMap((l) => clusterFixtures(l).map((f) => `${l.number}/${f.name}`));
  expect(unrun, 'cluster fixtures of lessons this file does not walk').toEqual([]);
  expect(live.flatMap((l) => clusterFixtures(l)).length).toBeGreaterThan(0);
});

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

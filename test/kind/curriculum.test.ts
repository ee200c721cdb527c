// The instructor's dress rehearsal on real kind: every lesson's reference solution applied in order, with
// the app's own images really built (`docker build`) and loaded (`kind load`), the add-ons installed,
// and every check run with --disruptive. This is the run an instructor does the evening before class.
//
// What it proves: every check passes on real pods, except the checks that need an image this machine
// cannot build (UNBUILDABLE: Grafana, Loki, Fluent Bit). Those must fail, and say what a learner whose
// nodes lack that image would need to hear: which image is not on the nodes, and how to get it there.
// Derived, not listed: a check that stops needing one of those images must then pass here.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { UNBUILDABLE } from '../../scripts/kind/images/build.ts';
import { parseEnvFile } from '../../verify/core/cluster-apply.ts';
import type { LessonReport } from '../../verify/core/runner.ts';
import { kubectl } from './helpers.ts';

let reports: LessonReport[] = [];
let lessonNumbers: string[] = [];

/** The in-cluster address of setup's Postgres, with the password setup generated for this cluster. */
function clusterEnv(workshopHome: string): Record<string, string> {
  const services = parseEnvFile(fs.readFileSync(path.join(workshopHome, 'services.env'), 'utf8'));
  const url = new URL(services.DATABASE_URL!);
  url.hostname = 'postgres.workshop-services.svc.cluster.local';
  return { DATABASE_URL: url.toString() };
}

const summary = (r: LessonReport) => r.checks.filter((c) => c.outcome.status !== 'pass').map((c) => `${c.id} ${c.outcome.status}: ${c.outcome.message}${c.outcome.evidence?.length ? `\n    ${c.outcome.evidence.join('\n    ')}` : ''}`);

/** The unbuildable image a failed check names as missing from the nodes, if any. */
function missingImageNamed(text: string): string | undefined {
  return UNBUILDABLE.find((image) => text.includes(image) && /not on the nodes|ErrImageNeverPull|ImagePullBackOff/.test(text));
}

describe('npm run rehearse -- --disruptive on real kind', () => {
  beforeAll(async () => {
    const k = inject('kind');
    // The rehearsal builds and loads the app's images with the docker and kind CLIs, as a learner's
    // machine does: point them at the private daemon, never the machine's own. Set before the engine
    // is imported (paths.ts reads WORKSHOP_HOME once).
    Object.assign(process.env, { DOCKER_HOST: k.dockerHost, KUBECONFIG: k.kubeconfig, WORKSHOP_HOME: k.workshopHome, PATH: `${path.dirname(k.kindBin)}:${path.dirname(k.kubectlBin)}:${process.env.PATH}` });
    delete process.env.DOCKER_CONTEXT;
    const { rehearse } = await import('../../verify/core/rehearsal.ts');
    const { listLessons } = await import('../../verify/core/lessons.ts');
    const lessons = listLessons();
    lessonNumbers = lessons.map((l) => l.number);
    reports = await rehearse({
      lessons,
      context: k.context,
      kubeconfig: k.kubeconfig,
      clusterEnv: clusterEnv(k.workshopHome),
      disruptive: true,
      log: (l) => console.error(`[rehearse] ${l}`),
      onReport: (r) => console.error(`[rehearse] ${r.lesson.number}: ${r.ok ? 'ok' : 'FAILED'}\n  ${summary(r).join('\n  ')}`),
    });
  }, 75 * 60_000);

  test('every lesson is verified, in order, and none breaks the run', () => {
    expect(reports.map((r) => r.lesson.number)).toEqual(lessonNumbers);
    for (const r of reports) expect(r.broken, `${r.lesson.number}: ${r.broken?.message}`).toBeUndefined();
  });

  test('every check that fails names an image this machine cannot build as missing from the nodes', () => {
    for (const r of reports) {
      for (const c of r.checks.filter((x) => x.outcome.status === 'fail')) {
        const text = [c.outcome.message, ...(c.outcome.evidence ?? [])].join('\n');
        expect(missingImageNamed(text), `${c.id} failed for another reason:\n${summary(r).join('\n')}`).toBeDefined();
      }
    }
  });

  test('no check skips because of the cluster: kind serves every capability, and --disruptive runs every check', () => {
    for (const r of reports) {
      const skipped = r.checks.filter((c) => c.outcome.status === 'skip' && c.skippedBecause !== 'dependency');
      expect(skipped.map((c) => `${c.id}: ${c.outcome.message}`), r.lesson.number).toEqual([]);
    }
  });

  test('exactly the unbuildable images stay unproven: the only pods that cannot start are the ones that use them', async () => {
    const pods = JSON.parse(await kubectl(['get', 'pods', '-A', '-o', 'json'])) as {
      items: { metadata: { namespace: string; name: string }; status?: { containerStatuses?: { image: string; state?: { waiting?: { reason?: string } } }[]; initContainerStatuses?: { image: string; state?: { waiting?: { reason?: string } } }[] } }[];
    };
    const stuck = new Set<string>();
    for (const p of pods.items) {
      for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
        if (/ErrImageNeverPull|ImagePullBackOff|ErrImagePull/.test(c.state?.waiting?.reason ?? '')) stuck.add(c.image.replace(/^docker\.io\/(library\/)?/, ''));
      }
    }
    const used = [...stuck].filter((i) => UNBUILDABLE.includes(i));
    expect([...stuck].sort(), 'a pod waits for an image this machine can build: it should have been loaded').toEqual(used.sort());
    // Each unbuildable image the course uses is really used by a pod here (otherwise nothing needs it).
    expect(used.length).toBeGreaterThan(0);
  });
});

// A dress rehearsal (README: Running a class): every lesson's reference solution applied in
// order to a scratch workspace and to the cluster, and every lesson verified right after,
// exactly as a learner who did each lesson perfectly would leave things. On kind every
// check runs; on the test harness (simulated nodes) the checks that require what its
// backend cannot serve skip and say why, so a rehearsal there is honest about what it
// did not prove.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installAddon } from './addons.ts';
import { buildAndLoad, ownImages } from './own-images.ts';
import { applyWorkspace, CLUSTER_ENV_FILE, CLUSTER_ENV_TEMPLATE, renderClusterEnv } from './cluster-apply.ts';
import { loadChecks, type Lesson } from './lessons.ts';
import { runLesson, type LessonReport } from './runner.ts';
import { linkDependencies, replaceWorkspace } from './workspace.ts';
import { KubeProbe } from '../probes/kube.ts';

export interface RehearsalOptions {
  lessons: Lesson[];
  context?: string;
  kubeconfig?: string;
  /** Values for `.env.cluster` placeholders that cannot be generated (e.g. the workshop Postgres password). */
  clusterEnv?: Record<string, string>;
  disruptive?: boolean;
  serviceEnv?: NodeJS.ProcessEnv;
  /** Where the scratch workspace goes (default: a temp folder, removed afterwards). */
  workspace?: string;
  onLesson?: (lesson: Lesson, phase: 'apply' | 'verify') => void;
  /**
   * Awaited before each lesson's solution replaces the scratch workspace: the workspace and the
   * cluster are then exactly the lesson's start state (the previous lesson's solution, applied).
   * Tests use it to prove a lesson's checks fail there.
   */
  beforeLesson?: (lesson: Lesson, workspace: string) => Promise<void>;
  onReport?: (report: LessonReport) => void;
  log?: (line: string) => void;
}

export async function rehearse(opts: RehearsalOptions): Promise<LessonReport[]> {
  const scratch = opts.workspace ?? fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-rehearsal-'));
  const kube = new KubeProbe({ context: opts.context, kubeconfig: opts.kubeconfig });
  await kube.serverVersion();
  const backend = await kube.backend();
  const context = await kube.contextName();
  const reports: LessonReport[] = [];
  const generated: Record<string, string> = {};
  try {
    for (const lesson of opts.lessons) {
      await opts.beforeLesson?.(lesson, scratch);
      opts.onLesson?.(lesson, 'apply');
      replaceWorkspace(scratch, lesson.solutionDir);
      linkDependencies(scratch);
      const template = path.join(scratch, CLUSTER_ENV_TEMPLATE);
      // A fresh .env.cluster per lesson: the keys change as lessons go (08 drops settings, 09 adds passwords).
      fs.rmSync(path.join(scratch, CLUSTER_ENV_FILE), { force: true });
      if (fs.existsSync(template)) {
        const rendered = renderClusterEnv(fs.readFileSync(template, 'utf8'), opts.clusterEnv ?? {}, generated);
        fs.writeFileSync(path.join(scratch, CLUSTER_ENV_FILE), rendered);
      }
      for (const addon of lesson.addons ?? []) await installAddon(kube, addon, opts.log);
      // On real nodes, the lesson's own images (built from its Dockerfile) must be on the
      // nodes before pods can start, as the learner builds and loads them. The backend
      // knows how (kind load) or that there is nothing to do (the harness runs no images).
      buildAndLoad(scratch, ownImages(scratch), backend, context, opts.log);
      await applyWorkspace(kube, scratch, opts.log);
      opts.onLesson?.(lesson, 'verify');
      const report = await runLesson({
        lesson,
        checks: await loadChecks(lesson),
        workspace: scratch,
        kube: { context: opts.context, kubeconfig: opts.kubeconfig },
        disruptive: opts.disruptive,
        backend,
        serviceEnv: opts.serviceEnv,
      });
      reports.push(report);
      opts.onReport?.(report);
      if (report.broken) break;
    }
  } finally {
    if (!opts.workspace) fs.rmSync(scratch, { recursive: true, force: true });
  }
  return reports;
}

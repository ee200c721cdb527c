// `npm run solution N`: the reference workspace after lesson N. See what lesson N changes
// (--diff), every line between your workspace and it (--diff-workspace), write it somewhere
// (--out DIR), or catch up to it (--apply, after a backup).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXIT, type ExitCode, UsageError } from '../core/errors.ts';
import { findLesson, listLessons, startStateDir, type Lesson } from '../core/lessons.ts';
import { DEFAULT_WORKSPACE, displayPath } from '../core/paths.ts';
import { forgetFrom } from '../core/progress.ts';
import { updateState } from '../core/state.ts';
import {
  backupWorkspace,
  copyTree,
  isLocalConfig,
  isRuntimeEntry,
  linkDependencies,
  replaceWorkspace,
  resolveWorkspace,
  workspaceToReplace,
} from '../core/workspace.ts';
import { lessonArg, parse } from './args.ts';

const USAGE = 'solution N [--diff | --diff-workspace | --apply [--no-cluster] [--context NAME] | --out DIR] [--workspace DIR]';

export async function run(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(
    args,
    {
      out: { type: 'string' },
      diff: { type: 'boolean' },
      'diff-workspace': { type: 'boolean' },
      apply: { type: 'boolean' },
      workspace: { type: 'string' },
      'no-cluster': { type: 'boolean' },
      context: { type: 'string' },
    },
    USAGE,
  );
  const query = lessonArg(positionals, USAGE);
  if (query === undefined) throw new UsageError(`Which lesson? Usage: npm run ${USAGE}`);
  if ([values.out !== undefined, values.diff, values['diff-workspace'], values.apply].filter(Boolean).length > 1) {
    throw new UsageError('Choose one of --diff, --diff-workspace, --apply and --out.');
  }
  const lessons = listLessons();
  const lesson = findLesson(lessons, query);
  if (values.out !== undefined) return writeOut(lesson, values.out);
  if (values.apply)
    return apply(lesson, workspaceToReplace(values.workspace, DEFAULT_WORKSPACE), values['no-cluster'] ? undefined : { context: values.context });
  if (values.diff) return lessonDiff(lessons, lesson);
  return workspaceDiff(lesson, resolveWorkspace(values.workspace ?? DEFAULT_WORKSPACE), values['diff-workspace'] ?? false);
}

/** Copies without node_modules, logs, uploads and .env, so a diff shows only code. */
const codeOnly = (rel: string) => isRuntimeEntry(rel) || isLocalConfig(rel);

/** `git diff --no-index` of two folders in `cwd` (git's, so it pages and colours as you are used to). */
function gitDiff(cwd: string, from: string, to: string, how: 'stat' | 'full') {
  const args = ['diff', '--no-index', how === 'full' ? '--color=auto' : '--stat', '--', from, to];
  const result = how === 'full' ? spawnSync('git', args, { cwd, stdio: 'inherit' }) : spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.error) throw new UsageError('Showing a diff needs git on your PATH. Install git, or open solutions/ in your editor.');
  // git diff exits 1 when the folders differ: that is the answer, not a failure.
  return String(result.stdout ?? '').trim();
}

/**
 * --diff: what lesson N itself changes, the solution of the lesson before it against this
 * one's (the overlay solutions/changes/NN-slug/, with deletions). A learner who is stuck
 * wants the lesson's step, not every line between their workspace and the reference.
 */
function lessonDiff(lessons: Lesson[], lesson: Lesson): ExitCode {
  const start = startStateDir(lessons, lesson);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-diff-'));
  try {
    const before = start === lesson.solutionDir ? `lesson-${lesson.number}-start` : `lesson-${path.basename(start).slice(0, 2)}`;
    copyTree(start, path.join(tmp, before), codeOnly);
    copyTree(lesson.solutionDir, path.join(tmp, `lesson-${lesson.number}`), codeOnly);
    if (!gitDiff(tmp, before, `lesson-${lesson.number}`, 'stat')) {
      process.stdout.write(`Lesson ${lesson.number} changes no file of the app: its solution is its starting state.
`);
      return EXIT.ok;
    }
    gitDiff(tmp, before, `lesson-${lesson.number}`, 'full');
    return EXIT.ok;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function writeOut(lesson: Lesson, out: string): ExitCode {
  const dest = path.resolve(out);
  if (fs.existsSync(dest) && (!fs.statSync(dest).isDirectory() || fs.readdirSync(dest).length > 0)) {
    throw new UsageError(`${dest} already exists and is not an empty folder; choose a new folder so nothing of yours is overwritten.`);
  }
  copyTree(lesson.solutionDir, dest);
  linkDependencies(dest);
  process.stdout.write(
    `Wrote the reference workspace after lesson ${lesson.number} to ${dest}\nTry it: npm run verify -- ${lesson.index} --workspace ${dest}\n`,
  );
  return EXIT.ok;
}

/**
 * Catch up to lesson N: the code (after a backup), then the cluster, as the learner would
 * have left it: add-ons the lesson needs, k8s/ applied, its Secret made from .env.cluster.
 * The cluster part runs only when the solution has manifests and --no-cluster is not given.
 */
async function apply(lesson: Lesson, workspace: string, cluster: { context?: string } | undefined): Promise<ExitCode> {
  const backup = backupWorkspace(workspace, `before-solution-${lesson.number}`);
  replaceWorkspace(workspace, lesson.solutionDir);
  // The code is now the reference, not the learner's: progress says so, and what was
  // verified after this lesson described code that is gone.
  const lessons = listLessons();
  const following = lessons.find((l) => l.index === lesson.index + 1);
  // Progress describes legacy-app/ only, as verify records it.
  if (workspace === path.resolve(DEFAULT_WORKSPACE)) {
    updateState((s) => {
      s.current = lesson.slug;
      if (following) forgetFrom(s, lessons, following);
      s.applied[lesson.slug] = new Date().toISOString();
    });
  }
  if (backup) process.stdout.write(`Backed up your work to ${displayPath(backup)}\n`);
  process.stdout.write(`Your workspace ${displayPath(workspace)} now holds the reference solution of lesson ${lesson.number} (your .env files were kept).\n`);
  const hasManifests = fs.existsSync(path.join(workspace, 'k8s'));
  if (cluster && hasManifests) {
    const { KubeProbe } = await import('../probes/kube.ts');
    const { applyWorkspace } = await import('../core/cluster-apply.ts');
    const { installAddon } = await import('../core/addons.ts');
    const kube = new KubeProbe({ context: cluster.context });
    await kube.serverVersion();
    const log = (line: string) => process.stdout.write(`  ${line}\n`);
    // Every add-on up to this lesson: catching up to 13 on a fresh cluster needs 10's ingress too.
    const addons = [
      ...new Set(
        listLessons()
          .filter((l) => l.index <= lesson.index)
          .flatMap((l) => l.addons ?? []),
      ),
    ];
    for (const addon of addons) await installAddon(kube, addon, log);
    const done = await applyWorkspace(kube, workspace, log);
    process.stdout.write(
      `Cluster ${await kube.contextName()}: ${done.applied.length} objects applied${done.secrets.length ? `, Secret ${done.secrets.join(', ')} from .env.cluster` : ''}${done.restarted.length ? `, restarted ${done.restarted.join(', ')}` : ''}.\n`,
    );
  } else if (hasManifests) {
    process.stdout.write('The cluster was left as it is (--no-cluster). Apply it yourself: kubectl apply -R -f k8s/\n');
  }
  process.stdout.write(`Next: npm run verify ${lesson.index}, then npm run lesson ${lesson.index + 1}\n`);
  return EXIT.ok;
}

/** Without a flag: which files of your workspace differ from the solution. With --diff-workspace: every line. */
function workspaceDiff(lesson: Lesson, workspace: string, full: boolean): ExitCode {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-diff-'));
  try {
    copyTree(workspace, path.join(tmp, 'yours'), codeOnly);
    copyTree(lesson.solutionDir, path.join(tmp, 'solution'), codeOnly);
    if (full) {
      gitDiff(tmp, 'yours', 'solution', 'full');
      return EXIT.ok;
    }
    const stat = gitDiff(tmp, 'yours', 'solution', 'stat');
    process.stdout.write(
      stat
        ? `Your workspace vs the solution of lesson ${lesson.number}:\n${stat}\n\nWhat lesson ${lesson.number} itself changes: npm run solution ${lesson.index} -- --diff\nEvery line between yours and the solution: npm run solution ${lesson.index} -- --diff-workspace\nCatch up (backs up your work first): npm run solution ${lesson.index} -- --apply\n`
        : `Your workspace already matches the solution of lesson ${lesson.number}.\n`,
    );
    return EXIT.ok;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

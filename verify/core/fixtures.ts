// Fixtures: `lessons/NN-slug/fixtures/<name>/` holds a fixture.yaml and optionally a
// `files/` overlay applied on top of the lesson's solution (or starting state). Two kinds,
// both first-class in the curriculum test:
//   - known-wrong (`fail-*`, any name not starting with `accept-`): the listed checks must fail;
//   - accepted variants (`accept-*`): a correct solution that differs from the reference
//     (another library, another valid manifest shape). Every required check must pass, here
//     and in earlier lessons, because a verifier that rejects a right answer loses the room.
// A fixture with a `cluster:` key is a cluster state: a workspace alone cannot show it (k8s/
// edited but not applied, a Secret deleted in the cluster, a missing add-on). It says what to
// do to the live cluster once the lesson's solution is applied there (`make`) and how to put it
// back (`undo`); the cluster test (test/cluster/) runs it, the static curriculum test leaves it
// out. On an accept-* fixture, `cluster:` means the variant is also applied and must pass there.
// A new case is a new folder; nothing else changes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { startStateDir, type Lesson } from './lessons.ts';
import { copyTree, linkDependencies } from './workspace.ts';

export const ACCEPT_PREFIX = 'accept-';

const edit = z.strictObject({ file: z.string().min(1), find: z.string().min(1), replace: z.string() });

/** An object in the cluster, named the way `kubectl` names it. */
const objectRef = z.strictObject({ apiVersion: z.string().min(1), kind: z.string().min(1), name: z.string().min(1), namespace: z.string().min(1).optional() });
const deploymentRef = z.strictObject({ name: z.string().min(1), namespace: z.string().min(1) });

/**
 * One thing done to the live cluster: an object with exactly one of these keys. One strict
 * object rather than a union of eight, so a misspelt key or field is named in the error.
 */
const STEP_FIELDS = {
  /** The fixture's (or the solution's) k8s/ applied the way `solution --apply` does it (its Secret from .env.cluster, restarts on a config change). */
  apply: z.enum(['fixture', 'solution']),
  /** One object of the fixture's k8s/, server-side applied alone: what `kubectl apply -f` of its file does, no restart. */
  apply_object: z.strictObject({ kind: z.string().min(1), name: z.string().min(1) }),
  delete: objectRef,
  /** A JSON merge patch, as `kubectl patch --type merge` sends it. */
  patch: objectRef.extend({ merge: z.record(z.string(), z.unknown()) }),
  /** `kubectl rollout restart deployment/NAME`. */
  restart: deploymentRef,
  /** A pinned add-on (scripts/addons/NAME.yaml) installed again. */
  install_addon: z.string().min(1),
  /** Wait until the Deployment's rollout has finished. */
  rolled_out: deploymentRef,
  /** A pause, only where a timestamp must fall in a later second (managed-field times have one-second resolution). */
  wait_ms: z.number().int().positive().max(5_000),
};
const STEP_KEYS = Object.keys(STEP_FIELDS);
const clusterStep = z
  .strictObject(
    Object.fromEntries(Object.entries(STEP_FIELDS).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof STEP_FIELDS]: z.ZodOptional<(typeof STEP_FIELDS)[K]>;
    },
  )
  .refine((step) => Object.keys(step).length === 1, { message: `a step has exactly one key, one of: ${STEP_KEYS.join(', ')}` });

/** fixture.yaml's `cluster:`: the fixture is (also) a state of the live cluster. */
const clusterState = z.strictObject({
  /** Known-wrong only: a regular expression the first expect_fail check's message or evidence must match. */
  evidence: z.string().min(1).optional(),
  /** Done to the cluster after the lesson's solution is applied and the fixture's workspace built. */
  make: z.array(clusterStep).default([]),
  /** Puts the cluster back to the solution's state; the lesson must pass again afterwards. */
  undo: z.array(clusterStep).default([]),
});
export type ClusterStep = z.infer<typeof clusterStep>;
export type ClusterState = z.infer<typeof clusterState>;

/** fixture.yaml. Strict: a misspelt key (`expect_fails`) would silently test nothing. */
const fixtureSchema = z.strictObject({
  base: z.enum(['solution', 'start']).default('solution'),
  /** Known-wrong only: full check ids (`02.cache-shared`) that must fail on this workspace. */
  expect_fail: z.array(z.string().regex(/^\d{2}\.[a-z0-9-]+$/, 'a full check id such as 02.cache-shared')).optional(),
  /** Known-wrong only: the bold title of the README "Common mistakes" bullet this fixture embodies. */
  mistake: z.string().min(1).optional(),
  /** Paths committed to a fresh git repository in the workspace (e.g. a leaked .env). */
  git_commit: z.array(z.string()).default([]),
  /** Small textual edits of the base (the change in one line); each `find` must occur. */
  edits: z.array(edit).default([]),
  /** Files of the base removed from the workspace (e.g. a variant without a config module). */
  delete: z.array(z.string().min(1)).default([]),
  /** Accepted variants only: earlier lessons this variant is not expected to pass, with the reason. */
  not_earlier: z.record(z.string().regex(/^\d{2}$/, 'a two-digit lesson number'), z.string().min(10, 'give the reason')).default({}),
  /** A state of the live cluster, run by the cluster test instead of (known-wrong) or besides (accept-*) the static one. */
  cluster: clusterState.optional(),
});

export interface Fixture {
  lesson: Lesson;
  name: string;
  dir: string;
  description: string;
  kind: 'known-wrong' | 'accept';
  base: 'solution' | 'start';
  /** Full check ids that must fail on this workspace (known-wrong fixtures). */
  expectFail: string[];
  /** The README "Common mistakes" bullet this fixture embodies (its bold title). */
  mistake?: string;
  gitCommit: string[];
  edits: Array<{ file: string; find: string; replace: string }>;
  delete: string[];
  /** Accepted variants: earlier lesson number → why this variant does not pass it. */
  notEarlier: Record<string, string>;
  /** Set when the fixture is a state of the live cluster (see the top of this file). */
  cluster?: ClusterState;
}

export function listFixtures(lesson: Lesson): Fixture[] {
  const root = path.join(lesson.dir, 'fixtures');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .sort()
    .map((name) => readFixture(lesson, name, path.join(root, name)));
}

function readFixture(lesson: Lesson, name: string, dir: string): Fixture {
  const file = path.join(dir, 'fixture.yaml');
  const text = fs.readFileSync(file, 'utf8');
  const parsed = fixtureSchema.safeParse(YAML.parse(text) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = [...issue.path, ...('keys' in issue ? issue.keys : [])].join('.');
    throw new Error(`${path.relative(process.cwd(), file)}: ${key ? `${key}: ` : ''}${issue.message}`);
  }
  const raw = parsed.data;
  const kind = name.startsWith(ACCEPT_PREFIX) ? 'accept' : 'known-wrong';
  const mismatch = (why: string) => new Error(`${path.relative(process.cwd(), file)}: ${why}`);
  if (kind === 'accept' && (raw.expect_fail?.length || raw.mistake))
    throw mismatch(`an ${ACCEPT_PREFIX}* fixture is a correct solution: it takes no expect_fail or mistake`);
  if (kind === 'known-wrong' && !raw.expect_fail?.length)
    throw mismatch('a known-wrong fixture needs expect_fail (or name the folder accept-… if it is a correct variant)');
  if (kind === 'known-wrong' && Object.keys(raw.not_earlier).length) throw mismatch('not_earlier is for accept-* fixtures only');
  if (kind === 'accept' && raw.cluster?.evidence)
    throw mismatch('cluster.evidence is for known-wrong fixtures: an accepted variant passes, there is no failure to match');
  if (raw.cluster?.evidence) {
    try {
      new RegExp(raw.cluster.evidence);
    } catch (err) {
      throw mismatch(`cluster.evidence is not a regular expression: ${(err as Error).message}`);
    }
  }
  return {
    lesson,
    name,
    dir,
    description: /^#\s*(.*)$/m.exec(text)?.[1] ?? name,
    kind,
    base: raw.base,
    expectFail: raw.expect_fail ?? [],
    mistake: raw.mistake,
    gitCommit: raw.git_commit,
    edits: raw.edits,
    delete: raw.delete,
    notEarlier: raw.not_earlier,
    cluster: raw.cluster,
  };
}

/** Every workspace path the fixture changes: edited, overlaid or deleted (`/`-separated). */
export function changedPaths(fixture: Fixture): string[] {
  const overlay = path.join(fixture.dir, 'files');
  const files = fs.existsSync(overlay)
    ? (fs.readdirSync(overlay, { recursive: true, withFileTypes: true }) as fs.Dirent[])
        .filter((d) => d.isFile())
        .map((d) => path.relative(overlay, path.join(d.parentPath, d.name)))
    : [];
  return [...new Set([...fixture.edits.map((e) => e.file), ...files, ...fixture.delete].map((p) => p.split(path.sep).join('/')))].sort();
}

/** Build the fixture's workspace in `dest`: base tree, overlay, edits, deletions, git history, dependencies. */
export function materializeFixture(fixture: Fixture, lessons: Lesson[], dest: string): void {
  const base = fixture.base === 'start' ? startStateDir(lessons, fixture.lesson) : fixture.lesson.solutionDir;
  copyTree(base, dest);
  if (fs.existsSync(path.join(fixture.dir, 'files'))) fs.cpSync(path.join(fixture.dir, 'files'), dest, { recursive: true });
  for (const edit of fixture.edits) {
    const file = path.join(dest, edit.file);
    const text = fs.readFileSync(file, 'utf8');
    // A fixture whose edit no longer applies would silently test the solution itself.
    if (!text.includes(edit.find)) throw new Error(`fixture ${fixture.name}: "${edit.find}" is not in ${edit.file} any more; update the fixture`);
    fs.writeFileSync(file, text.replace(edit.find, edit.replace));
  }
  for (const rel of fixture.delete) {
    const target = path.join(dest, rel);
    // Same reason: deleting nothing would test the base, not the variant.
    if (!fs.existsSync(target)) throw new Error(`fixture ${fixture.name}: delete: ${rel} does not exist in the base any more; update the fixture`);
    fs.rmSync(target, { recursive: true, force: true });
  }
  if (fixture.gitCommit.length) {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=fixture', '-c', 'user.email=fixture@example.invalid', ...args], { cwd: dest, stdio: 'ignore' });
    git('init', '-q');
    git('add', '-f', '--', ...fixture.gitCommit);
    git('commit', '-qm', 'fixture');
  }
  linkDependencies(dest);
}

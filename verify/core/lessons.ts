// Lesson discovery: one folder per lesson, `lessons/NN-slug/`. The number in the folder
// name is the order; there is no second list to keep in sync.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { z } from 'zod';
import type { CheckDefinition } from './check.ts';
import { UsageError } from './errors.ts';
import { CODE_ROOT, LESSONS_DIR, REPO_ROOT, SOLUTIONS_DIR } from './paths.ts';

export const LESSON_FORMAT_VERSION = 1;

/** lesson.yaml: prose metadata only; logic lives in checks.ts. */
export interface LessonMeta {
  format_version: number;
  /** Shown in menus and reports. */
  title: string;
  /** One sentence: what the learner does. */
  summary: string;
  /**
   * Only for lessons whose work is on the machine, not in the workspace (lesson 00):
   * why the starting state may already pass. The curriculum test requires a reason.
   */
  start_state_passes?: string;
  /**
   * Cluster add-ons (scripts/addons/<name>.yaml) this lesson's solution needs, e.g. an
   * ingress controller. `solution --apply` and `rehearse` install them first.
   */
  addons?: string[];
  /**
   * README "Common mistakes" bullets that no check can observe in this workshop, each with
   * the honest reason. Every other bullet must be embodied by a known-wrong fixture.
   */
  unobservable_mistakes?: Array<{ mistake: string; why: string }>;
}

/** lesson.yaml's schema. Strict, so a misspelt key fails loudly instead of being ignored. */
const lessonMetaSchema = z.strictObject({
  format_version: z.literal(LESSON_FORMAT_VERSION),
  title: z.string().min(1),
  summary: z.string().min(1),
  start_state_passes: z.string().optional(),
  addons: z.array(z.string().min(1)).optional(),
  unobservable_mistakes: z.array(z.strictObject({ mistake: z.string().min(1), why: z.string().min(20, 'say why no check can observe it') })).optional(),
});

export interface Lesson extends LessonMeta {
  /** Two digits, as in the folder name and check ids: `01`. */
  number: string;
  index: number;
  /** Stable id used for progress: survives renumbering. */
  slug: string;
  dir: string;
  readmePath: string;
  /** `solutions/NN-slug/`: the complete workspace after this lesson. */
  solutionDir: string;
}

const FOLDER = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$/;

export function listLessons(root = LESSONS_DIR): Lesson[] {
  const solutionsRoot = path.join(root, '..', path.basename(SOLUTIONS_DIR));
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && FOLDER.test(d.name))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const [, number, slug] = FOLDER.exec(name)!;
      const dir = path.join(root, name);
      return {
        ...readMeta(path.join(dir, 'lesson.yaml')),
        number: number!,
        index: Number(number),
        slug: slug!,
        dir,
        readmePath: path.join(dir, 'README.md'),
        solutionDir: path.join(solutionsRoot, name),
      };
    });
}

function readMeta(file: string): LessonMeta {
  // A lesson folder half-way through being written (or a bad merge): say which file, not ENOENT.
  const shown = path.relative(process.cwd(), file) || file;
  if (!fs.existsSync(file)) throw new UsageError(`${shown} is missing: every lessons/NN-slug/ folder needs one (format_version, title, summary).`);
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${shown} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = lessonMetaSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = [...issue.path, ...('keys' in issue ? issue.keys : [])].join('.');
    throw new UsageError(
      `${shown} is not a valid lesson.yaml: ${key ? `${key}: ` : ''}${issue.message} (keys: format_version: ${LESSON_FORMAT_VERSION}, title, summary, and optionally start_state_passes, addons, unobservable_mistakes).`,
    );
  }
  return parsed.data;
}

/** Accepts `1`, `01`, or a slug like `extract-config`. */
export function findLesson(lessons: Lesson[], query: string): Lesson {
  const q = query.trim();
  const found = /^\d+$/.test(q) ? lessons.find((l) => l.index === Number(q)) : lessons.find((l) => l.slug === q || `${l.number}-${l.slug}` === q);
  if (!found) {
    const range = lessons.length ? `${lessons[0]!.index}–${lessons.at(-1)!.index}` : 'none';
    throw new UsageError(`There is no lesson "${q}". Lessons are numbered ${range}; run \`npm run lesson\` to see them.`);
  }
  return found;
}

/** The lesson's checks, loaded on demand (checks import probes; listing lessons should stay cheap). */
export async function loadChecks(lesson: Lesson): Promise<CheckDefinition[]> {
  // Run compiled (bin/workshop.mjs), the checks are compiled too, next to this module's tree.
  const compiled = CODE_ROOT !== REPO_ROOT;
  const file = compiled ? path.join(CODE_ROOT, path.relative(REPO_ROOT, lesson.dir), 'checks.js') : path.join(lesson.dir, 'checks.ts');
  const mod = (await import(pathToFileURL(file).href)) as {
    default: CheckDefinition[];
  };
  return mod.default;
}

/** The starting state of a lesson is the solution of the one before (lesson 0 starts from itself). */
export function startStateDir(lessons: Lesson[], lesson: Lesson): string {
  const i = lessons.indexOf(lesson);
  return (i > 0 ? lessons[i - 1]! : lesson).solutionDir;
}

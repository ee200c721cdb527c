// Module boundaries, checked on every `npm test`:
// - a lesson's folder imports no other lesson's folder (what two lessons share lives in lessons/shared/);
// - lessons/shared/ imports no lesson folder;
// - the engine (verify/, scripts/, bin/) imports nothing from lessons/ (the lesson loader imports
//   each checks.ts by a path computed at run time, which is not an import this test can see);
// - a script that is not a test imports nothing from test/;
// - lessons import from the engine only its public module, verify/lesson-api.ts (LESSON_API below).
// Imports are read with TypeScript's own pre-processor (static imports, `import type`,
// `export … from`, `import('…')` and `require('…')` with a literal path), never with regexes.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The one engine module a lesson may import: everything a lesson uses from verify/ is
 * re-exported there, so the engine's surface for lessons is one readable file. Widening it
 * means adding a re-export to that module, not another entry here.
 */
const LESSON_API = 'verify/lesson-api.ts';

/**
 * Cross-lesson imports tolerated for a while, `from -> to` (none today). Use it only to land a
 * move to lessons/shared/ in steps: any import not listed fails, and an entry that no longer
 * matches an import fails too, so the list only shrinks.
 */
const TEMPORARY_CROSS_LESSON: string[] = [];

const SOURCE = /\.(c|m)?(t|j)s$/;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every source file under `dir` (repository-relative, `/`-separated), without node_modules and lesson fixtures. */
function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const child = path.join(abs, e.name);
      const rel = path.relative(root, child).split(path.sep).join('/');
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && !/^lessons\/[^/]+\/fixtures$/.test(rel)) walk(child);
      } else if (SOURCE.test(e.name)) out.push(rel);
    }
  };
  if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
  return out.sort();
}

/** The repository-relative targets of a file's relative imports, read by TypeScript's pre-processor. */
function relativeImports(file: string, text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith('./') || spec.startsWith('../'))
    .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
}

interface Edge {
  from: string;
  to: string;
}

function edgesOf(files: string[]): Edge[] {
  return files.flatMap((from) => relativeImports(from, fs.readFileSync(path.join(root, from), 'utf8')).map((to) => ({ from, to })));
}

/** `lessons/07-deployments/rules.ts` → `07-deployments`; shared and anything else → undefined. */
const lessonOf = (file: string) => /^lessons\/(\d\d-[^/]+)\//.exec(file)?.[1];
const isEngine = (file: string) => /^(verify|scripts|bin)\//.test(file);
const isTest = (file: string) => /\.test\.(c|m)?(t|j)s$/.test(file);
const show = (edges: Edge[]) => edges.map((e) => `${e.from} -> ${e.to}`);

/** The rules, on any set of import edges (so they can be tested on made-up ones too). */
function violations(edges: Edge[]) {
  return {
    crossLesson: show(edges.filter((e) => lessonOf(e.from) && lessonOf(e.to) && lessonOf(e.from) !== lessonOf(e.to))),
    sharedToLesson: show(edges.filter((e) => e.from.startsWith('lessons/shared/') && lessonOf(e.to))),
    engineToLessons: show(edges.filter((e) => isEngine(e.from) && e.to.startsWith('lessons/'))),
    scriptsToTests: show(edges.filter((e) => e.from.startsWith('scripts/') && !isTest(e.from) && e.to.startsWith('test/'))),
    // A lesson's own unit tests may build a context from engine parts; its checks may not.
    lessonToEngineInternals: show(edges.filter((e) => e.from.startsWith('lessons/') && !isTest(e.from) && isEngine(e.to) && e.to !== LESSON_API)),
  };
}

const edges = edgesOf(['lessons', 'verify', 'scripts', 'bin'].flatMap(sources));
const found = violations(edges);

describe('module boundaries', () => {
  it('the pre-processor sees the imports (the rules below are not passing on an empty graph)', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(edges.some((e) => lessonOf(e.from) && e.to === LESSON_API)).toBe(true);
  });

  it('no lesson imports another lesson (shared rules live in lessons/shared/)', () => {
    expect(found.crossLesson.filter((e) => !TEMPORARY_CROSS_LESSON.includes(e))).toEqual([]);
    // An allowed exception that is gone must leave the list, so the list cannot grow back silently.
    expect(TEMPORARY_CROSS_LESSON.filter((e) => !found.crossLesson.includes(e))).toEqual([]);
  });

  it('lessons/shared/ imports no lesson folder', () => {
    expect(found.sharedToLesson).toEqual([]);
  });

  it('the engine (verify/, scripts/, bin/) imports nothing from lessons/', () => {
    expect(found.engineToLessons).toEqual([]);
  });

  it('scripts import nothing from test/ (their own tests may)', () => {
    expect(found.scriptsToTests).toEqual([]);
  });

  it('lessons import from the engine only verify/lesson-api.ts', () => {
    expect(found.lessonToEngineInternals).toEqual([]);
    // The rule is not passing on a module no lesson uses: lessons do import the public one.
    expect(edges.some((e) => e.from.startsWith('lessons/') && !isTest(e.from) && e.to === LESSON_API)).toBe(true);
  });
});

describe('the rules catch every import form', () => {
  const lesson = 'lessons/13-queues-and-email/rules.ts';
  it.each([
    "import { staticEnvValue } from '../07-deployments/rules.ts';",
    "import type { Problem } from '../07-deployments/rules.ts';",
    "export { staticEnvValue } from '../07-deployments/rules.ts';",
    "const m = await import('../07-deployments/rules.ts');",
    "const m = require('../07-deployments/rules.ts');",
  ])('%s', (line) => {
    const e = relativeImports(lesson, `// a comment\n${line}\n`).map((to) => ({ from: lesson, to }));
    expect(violations(e).crossLesson).toEqual([`${lesson} -> lessons/07-deployments/rules.ts`]);
  });

  it('an import in a comment or a string is not an import', () => {
    expect(relativeImports(lesson, "// import x from '../07-deployments/rules.ts';\nconst s = \"require('../07-deployments/rules.ts')\";")).toEqual([]);
  });

  it('each rule names the offending edge', () => {
    const v = violations([
      { from: 'lessons/shared/k8s.ts', to: 'lessons/09-storage/rules.ts' },
      { from: 'verify/core/runner.ts', to: 'lessons/shared/k8s.ts' },
      { from: 'scripts/bench.ts', to: 'test/helpers/cli.ts' },
      { from: 'scripts/setup/setup.e2e.test.ts', to: 'test/helpers/cli.ts' },
      { from: 'lessons/03-health-checks/checks.ts', to: 'verify/core/runner.ts' },
      { from: 'lessons/03-health-checks/checks.ts', to: 'verify/core/check.ts' },
      { from: 'lessons/03-health-checks/checks.ts', to: 'verify/lesson-api.ts' },
      { from: 'lessons/03-health-checks/checks.test.ts', to: 'verify/core/runner.ts' },
      { from: 'lessons/03-health-checks/checks.ts', to: 'lessons/03-health-checks/outage.ts' },
    ]);
    expect(v).toEqual({
      crossLesson: [],
      sharedToLesson: ['lessons/shared/k8s.ts -> lessons/09-storage/rules.ts'],
      engineToLessons: ['verify/core/runner.ts -> lessons/shared/k8s.ts'],
      scriptsToTests: ['scripts/bench.ts -> test/helpers/cli.ts'],
      lessonToEngineInternals: ['lessons/03-health-checks/checks.ts -> verify/core/runner.ts', 'lessons/03-health-checks/checks.ts -> verify/core/check.ts'],
    });
  });
});

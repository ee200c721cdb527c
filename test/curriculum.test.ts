// The curriculum is code, and this is its test (rustlings' `dev check`, for a cluster
// workshop): every lesson's metadata is sound, its required checks fail on its
// starting state and pass on its solution, later solutions still pass earlier
// lessons, and every known-wrong fixture fails with the check id it names.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import path from 'node:path';
import { changedPaths, listFixtures, materializeFixture } from '../verify/core/fixtures.ts';
import { commonMistakes, listedCheckIds, normaliseMistake, whereFile } from '../verify/core/lesson-readme.ts';
import { listLessons, loadChecks, startStateDir } from '../verify/core/lessons.ts';
import type { LessonReport } from '../verify/core/runner.ts';
import { ownImages } from '../verify/core/own-images.ts';
import { REPO_ROOT } from '../verify/core/paths.ts';
import { headings } from '../verify/render/markdown.ts';
import { summary, verifyIn } from './helpers/verify.ts';
import { tempDir, workspaceFrom } from './helpers/workspaces.ts';

const lessons = listLessons();

describe('lesson metadata', () => {
  test('lessons are numbered 00, 01, … without gaps, each with a README and a solution', () => {
    expect(lessons.map((l) => l.index)).toEqual(lessons.map((_, i) => i));
    for (const l of lessons) {
      expect(fs.existsSync(l.readmePath), `${l.readmePath}`).toBe(true);
      expect(fs.existsSync(l.solutionDir), `${l.solutionDir}`).toBe(true);
    }
  });

  test('solutions/ mirrors lessons/ one-to-one', () => {
    // solutions/changes/ holds the overlays the snapshots are generated from (npm run gen:solutions).
    const solutions = fs
      .readdirSync(`${REPO_ROOT}/solutions`)
      .filter((name) => name !== 'changes')
      .sort();
    expect(solutions).toEqual(lessons.map((l) => `${l.number}-${l.slug}`));
  });

  for (const lesson of lessons) {
    test(`${lesson.number}: check ids unique and kebab-case, hints and learn anchors valid, README lists every check`, async () => {
      const checks = await loadChecks(lesson);
      const readme = fs.readFileSync(lesson.readmePath, 'utf8');
      const anchors = new Set(headings(readme).map((h) => `#${h.anchor}`));
      const ids = checks.map((c) => c.id);
      expect(new Set(ids).size, 'duplicate check id').toBe(ids.length);
      expect(
        checks.some((c) => c.severity === 'required'),
        'a lesson needs at least one required check',
      ).toBe(true);
      for (const c of checks) {
        expect(c.id, 'kebab-case id').toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(c.title.trim(), `${c.id} has an empty title`).not.toBe('');
        expect(c.hints.length, `${c.id} has no hint`).toBeGreaterThan(0);
        for (const h of c.hints) expect(h.trim(), `${c.id} has an empty hint`).not.toBe('');
        expect(anchors, `${c.id} links to ${c.learn}, which is not a heading of ${lesson.readmePath}`).toContain(c.learn);
        for (const d of c.dependsOn ?? []) expect(ids, `${c.id} depends on unknown ${d}`).toContain(d);
        expect(readme, `README "Check yourself" should mention ${lesson.number}.${c.id}`).toContain(`${lesson.number}.${c.id}`);
      }
      expect(headings(readme).map((h) => h.text)).toEqual(expect.arrayContaining(['Common mistakes', 'Check yourself']));
    });

    test(`${lesson.number}: every check id "Check yourself" lists exists`, async () => {
      // The other direction of the test above: a listed id that no check has (a renamed or
      // planned check) sends the learner looking for a result that never appears.
      const readme = fs.readFileSync(lesson.readmePath, 'utf8');
      const known = new Set<string>();
      for (const l of lessons) for (const c of await loadChecks(l)) known.add(`${l.number}.${c.id}`);
      const unknown = listedCheckIds(readme).filter((id) => !known.has(id));
      expect(unknown, `${path.relative(REPO_ROOT, lesson.readmePath)} "Check yourself" lists ids no check has`).toEqual([]);
    });

    test(`${lesson.number}: every README common mistake is caught by a known-wrong fixture (or says why it cannot be)`, () => {
      const readme = fs.readFileSync(lesson.readmePath, 'utf8');
      const mistakes = commonMistakes(readme);
      const fixtures = listFixtures(lesson).filter((f) => f.kind === 'known-wrong');
      const named = new Set(fixtures.flatMap((f) => (f.mistake ? [normaliseMistake(f.mistake)] : [])));
      const unobservable = new Set((lesson.unobservable_mistakes ?? []).map((u) => normaliseMistake(u.mistake)));
      const uncovered = mistakes.filter((m) => !named.has(m) && !unobservable.has(m));
      expect(
        uncovered,
        `these "Common mistakes" of ${lesson.number} have no fixture with \`mistake:\` naming them (nor an unobservable_mistakes entry in lesson.yaml)`,
      ).toEqual([]);
      // And no fixture or lesson.yaml entry names a mistake the README no longer lists.
      const listed = new Set(mistakes);
      expect(
        [...named, ...unobservable].filter((m) => !listed.has(m)),
        'names a mistake that is not a bold title under "Common mistakes"',
      ).toEqual([]);
      for (const u of lesson.unobservable_mistakes ?? [])
        expect(named.has(normaliseMistake(u.mistake)), `${u.mistake} has a fixture; drop it from unobservable_mistakes`).toBe(false);
    });

    if (lesson.index >= 1) {
      test(`${lesson.number}: at least three accepted variants (correct solutions unlike the reference)`, () => {
        expect(
          listFixtures(lesson)
            .filter((f) => f.kind === 'accept')
            .map((f) => f.name).length,
        ).toBeGreaterThanOrEqual(3);
      });
    }
  }

  test('docs/checks.md is current (generated from the checks)', async () => {
    const { CHECKS_DOC, renderChecksDoc } = await import('../scripts/gen-docs.ts');
    const committed = fs.existsSync(CHECKS_DOC) ? fs.readFileSync(CHECKS_DOC, 'utf8') : '';
    expect(committed, 'docs/checks.md is outdated: run `npm run gen:docs` and commit it').toBe(await renderChecksDoc());
  });

  test('every base image a solution builds FROM is pinned in images.yaml (pre-pulled for bad Wi-Fi)', () => {
    const pinned = fs.readFileSync(`${REPO_ROOT}/images.yaml`, 'utf8');
    for (const l of lessons) {
      const dockerfile = `${l.solutionDir}/Dockerfile`;
      if (!fs.existsSync(dockerfile)) continue;
      for (const [, image] of fs.readFileSync(dockerfile, 'utf8').matchAll(/^FROM\s+(\S+)/gm)) {
        expect(pinned, `${image} (FROM in ${dockerfile}) is missing from images.yaml`).toContain(`image: ${image}`);
      }
    }
  });

  test('every image a solution runs is pinned in images.yaml (preloaded) or built from its own Dockerfile', () => {
    // ownImages() lists what the rehearsal would build: anything else must be pinned, or a room
    // with bad Wi-Fi waits for a registry (or a kind-loaded image is replaced by a pull).
    for (const l of lessons.filter((x) => fs.existsSync(`${x.solutionDir}/Dockerfile`))) {
      for (const image of ownImages(l.solutionDir))
        expect(image, `${l.number}: ${image} is neither the app's own image nor in images.yaml`).toMatch(/^teamnotes:\d+\.\d+\.\d+$/);
    }
    expect(ownImages(lessons.at(-1)!.solutionDir)).toEqual(['teamnotes:1.1.0']);
  });

  test('legacy-app/ as committed is the pristine legacy app (solutions/00-setup)', () => {
    const tree = (p: string) => execFileSync('git', ['rev-parse', `HEAD:${p}`], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    expect(tree('legacy-app')).toBe(tree(`solutions/${lessons[0]!.number}-${lessons[0]!.slug}`));
  });
});

for (const [i, lesson] of lessons.entries()) {
  // Concurrent: each test has its own workspace copy, scratch database and Redis database,
  // and most of a behaviour check is waiting (uploads, drain delays), not CPU.
  describe.concurrent(`lesson ${lesson.number} ${lesson.slug}`, () => {
    if (lesson.start_state_passes) {
      test('starting state may pass, for the reason lesson.yaml gives', () => {
        expect(lesson.start_state_passes!.trim().length).toBeGreaterThan(20);
        expect(startStateDir(lessons, lesson)).toBe(lesson.solutionDir);
      });
    } else {
      test('every required check fails (or waits on one that fails) on the starting state', async () => {
        const report = await verifyIn(lesson, workspaceFrom(startStateDir(lessons, lesson)));
        expect(report.broken, report.broken?.message).toBeUndefined();
        expect(report.ok).toBe(false);
        const passingRequired = report.checks.filter((c) => c.severity === 'required' && c.outcome.status === 'pass');
        expect(
          passingRequired.map((c) => c.id),
          summary(report).join('\n'),
        ).toEqual([]);
      });
    }

    test('the reference solution passes', async () => {
      const report = await verifyIn(lesson, workspaceFrom(lesson.solutionDir));
      expect(report.broken, report.broken?.message).toBeUndefined();
      expect(
        report.checks.filter((c) => c.outcome.status === 'fail').map((c) => c.id),
        summary(report).join('\n'),
      ).toEqual([]);
      expect(report.ok).toBe(true);
    });

    for (const earlier of lessons.slice(0, i)) {
      test(`the solution still passes lesson ${earlier.number}`, async () => {
        const report = await verifyIn(earlier, workspaceFrom(lesson.solutionDir));
        expect(report.ok, summary(report).join('\n')).toBe(true);
      });
    }

    // A known-wrong state of the live cluster (`cluster:` in fixture.yaml) is run by test/cluster/.
    for (const fixture of listFixtures(lesson).filter((f) => f.kind === 'known-wrong' && !f.cluster)) {
      test(`known-wrong ${fixture.name} fails with ${fixture.expectFail.join(', ')}`, async () => {
        expect(fixture.expectFail.length).toBeGreaterThan(0);
        const dir = tempDir();
        materializeFixture(fixture, lessons, dir);
        const report = await verifyIn(lesson, dir);
        expect(report.broken, report.broken?.message).toBeUndefined();
        // Cumulative (verify --all): a fixture may expect a check of an earlier lesson, e.g. a
        // Secret manifest committed in lesson 10 still fails 07.no-secret-literals.
        const earlierNumbers = [...new Set(fixture.expectFail.map((id) => id.slice(0, 2)))].filter((n) => n !== lesson.number);
        const reports = [
          report,
          ...(await Promise.all(
            earlierNumbers.map((n) =>
              verifyIn(
                lessons.find((l) => l.number === n)!,
                dir,
              ),
            ),
          )),
        ];
        const failed = reports.flatMap((r) => r.checks.filter((c) => c.outcome.status === 'fail').map((c) => c.id));
        expect(failed, reports.flatMap((r) => summary(r)).join('\n')).toEqual(expect.arrayContaining(fixture.expectFail));
        // A required check failing fails the lesson; a recommended one only warns.
        const blocking = report.checks.some((c) => fixture.expectFail.includes(c.id) && c.severity === 'required');
        expect(report.ok).toBe(!blocking);
        expect(
          reports.flatMap((r) => untrueWheres(r, dir)),
          'a message points at a file or line that does not exist in this workspace',
        ).toEqual([]);
      });
    }

    for (const fixture of listFixtures(lesson).filter((f) => f.kind === 'accept')) {
      test(`accepted variant ${fixture.name} passes lesson ${lesson.number}`, async () => {
        const dir = tempDir();
        materializeFixture(fixture, lessons, dir);
        const report = await verifyIn(lesson, dir);
        expect(report.broken, report.broken?.message).toBeUndefined();
        expect(failingRequired(report), `${fixture.description}\n${summary(report).join('\n')}`).toEqual([]);
        expect(report.ok).toBe(true);
      });
      const earlier = lessons.slice(0, i).filter((l) => l.index >= 1 && !(l.number in fixture.notEarlier));
      // The app's behaviour depends only on its code, package.json and env files. A variant that
      // changes none of them (a Dockerfile, a manifest) behaves exactly like the reference, which
      // already passes every earlier lesson's behaviour checks; its static layers are what can
      // differ. That keeps ~40 variants from re-running every earlier lesson's apps in CI.
      const touchesApp = changedPaths(fixture).some((p) => /(^|\/)(package(-lock)?\.json|\.env[^/]*)$|\.(c|m)?[jt]s$/.test(p));
      const layers = touchesApp ? undefined : new Set(['env', 'code', 'manifest'] as const);
      if (earlier.length) {
        test(`accepted variant ${fixture.name} still passes lessons ${earlier.map((l) => l.number).join(', ')}${touchesApp ? '' : ' (static layers: it changes no app code)'}`, async () => {
          const dir = tempDir();
          materializeFixture(fixture, lessons, dir);
          for (const l of earlier) {
            const report = await verifyIn(l, dir, layers);
            expect(failingRequired(report), `lesson ${l.number} on ${fixture.name}\n${summary(report).join('\n')}`).toEqual([]);
          }
        });
      }
    }
  });
}

function failingRequired(report: LessonReport): string[] {
  return report.checks.filter((c) => c.severity === 'required' && c.outcome.status === 'fail').map((c) => c.id);
}

/** `where`s of failing checks that name a workspace file that is not there, or a line past its end. */
function untrueWheres(report: LessonReport, dir: string): string[] {
  const bad: string[] = [];
  for (const c of report.checks) {
    if (c.outcome.status !== 'fail' || !c.outcome.where) continue;
    const named = whereFile(c.outcome.where);
    if (!named) continue;
    const file = path.join(dir, named.file);
    if (!fs.existsSync(file)) {
      bad.push(`${c.id}: ${c.outcome.where} (no such file)`);
    } else if (named.line !== undefined && fs.statSync(file).isFile()) {
      const lines = fs.readFileSync(file, 'utf8').split('\n').length;
      if (named.line < 1 || named.line > lines) bad.push(`${c.id}: ${c.outcome.where} (the file has ${lines} lines)`);
    }
  }
  return bad;
}

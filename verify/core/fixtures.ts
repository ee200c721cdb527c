// Known-wrong fixtures: `lessons/NN-slug/fixtures/<name>/` holds a fixture.yaml and a
// `files/` overlay applied on top of the lesson's solution (or starting state). The
// curriculum test runs each one and expects the listed checks to fail. A new case is
// a new folder; nothing else changes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { startStateDir, type Lesson } from './lessons.ts';
import { copyTree, linkDependencies } from './workspace.ts';

export interface Fixture {
  lesson: Lesson;
  name: string;
  dir: string;
  description: string;
  base: 'solution' | 'start';
  /** Full check ids that must fail on this workspace. */
  expectFail: string[];
  /** Paths committed to a fresh git repository in the workspace (e.g. a leaked .env). */
  gitCommit: string[];
  /** Small textual edits of the base (the mistake in one line); each `find` must occur. */
  edits: Array<{ file: string; find: string; replace: string }>;
}

export function listFixtures(lesson: Lesson): Fixture[] {
  const root = path.join(lesson.dir, 'fixtures');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .sort()
    .map((name) => {
      const dir = path.join(root, name);
      const text = fs.readFileSync(path.join(dir, 'fixture.yaml'), 'utf8');
      const raw = YAML.parse(text) as { base?: string; expect_fail?: string[]; git_commit?: string[]; edits?: Fixture['edits'] };
      return {
        lesson,
        name,
        dir,
        description: /^#\s*(.*)$/m.exec(text)?.[1] ?? name,
        base: raw.base === 'start' ? 'start' : 'solution',
        expectFail: raw.expect_fail ?? [],
        gitCommit: raw.git_commit ?? [],
        edits: raw.edits ?? [],
      };
    });
}

/** Build the fixture's workspace in `dest`: base tree, overlay, git history, dependencies. */
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
  if (fixture.gitCommit.length) {
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=fixture', '-c', 'user.email=fixture@example.invalid', ...args], { cwd: dest, stdio: 'ignore' });
    git('init', '-q');
    git('add', '-f', '--', ...fixture.gitCommit);
    git('commit', '-qm', 'fixture');
  }
  linkDependencies(dest);
}

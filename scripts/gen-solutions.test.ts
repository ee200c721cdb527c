// The reference solutions are generated from overlays (solutions/changes/). The committed
// snapshots must be exactly what the overlays produce, and the generator must carry every
// byte and the executable bit over, or a lockfile or a script would change on the way.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { listLessons } from '../verify/core/lessons.ts';
import { checkSolutions, generateSolutions, main, overlaysFromSnapshots } from './gen-solutions.ts';

test('solutions/ is what solutions/changes/ produces (npm run gen:solutions)', () => {
  const drift = checkSolutions();
  expect(drift, `solutions/ drifted from its overlays. Edit solutions/changes/<lesson>/ and run npm run gen:solutions:\n${drift.join('\n')}`).toEqual([]);
});

describe('the generator, on a course of its own', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Two lessons in a scratch folder: 00 writes the app, 01 changes one file, adds a script and deletes one. */
  function course(): { root: string; lessons: ReturnType<typeof listLessons> } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'l2k-gen-solutions-'));
    dirs.push(root);
    const write = (rel: string, content: string | Buffer, mode = 0o644) => {
      const file = path.join(root, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      fs.chmodSync(file, mode);
    };
    for (const name of ['00-start', '01-change'])
      write(`lessons/${name}/lesson.yaml`, `format_version: 1\ntitle: ${name}\nsummary: a lesson of the test course\n`);
    write('solutions/changes/00-start/solution.yaml', 'delete: []\n');
    write('solutions/changes/00-start/files/src/app.js', 'console.log(1);\n');
    write('solutions/changes/00-start/files/src/old.js', 'gone soon\n');
    // Every byte value, including what no text encoding would keep.
    write('solutions/changes/00-start/files/public/logo.bin', Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    write('solutions/changes/01-change/solution.yaml', 'delete: [src/old.js]\n');
    write('solutions/changes/01-change/files/src/app.js', 'console.log(2);\r\n');
    write('solutions/changes/01-change/files/scripts/run.sh', '#!/bin/sh\necho hi\n', 0o755);
    write('solutions/changes/01-change/files/package-lock.json', '{\n  "lockfileVersion": 3\n}\n');
    return { root, lessons: listLessons(path.join(root, 'lessons')) };
  }

  test('writes each snapshot byte for byte, with the executable bit, and applies deletions', () => {
    const { root, lessons } = course();
    expect(generateSolutions(lessons)).toBeGreaterThan(0);
    const snap = (rel: string) => path.join(root, 'solutions', rel);
    expect(fs.readFileSync(snap('00-start/public/logo.bin'))).toEqual(fs.readFileSync(path.join(root, 'solutions/changes/00-start/files/public/logo.bin')));
    expect(fs.readFileSync(snap('01-change/public/logo.bin')).length).toBe(256);
    expect(fs.readFileSync(snap('01-change/src/app.js'), 'utf8')).toBe('console.log(2);\r\n');
    expect(fs.readFileSync(snap('00-start/src/app.js'), 'utf8')).toBe('console.log(1);\n');
    expect(fs.statSync(snap('01-change/scripts/run.sh')).mode & 0o111).not.toBe(0);
    expect(fs.statSync(snap('01-change/src/app.js')).mode & 0o111).toBe(0);
    expect(fs.existsSync(snap('00-start/src/old.js'))).toBe(true);
    expect(fs.existsSync(snap('01-change/src/old.js'))).toBe(false);
    expect(checkSolutions(lessons)).toEqual([]);
    expect(generateSolutions(lessons), 'a second run has nothing to write').toBe(0);
  });

  test('--check names a hand-edited, a lost and an extra snapshot file, and a lost executable bit', () => {
    const { root, lessons } = course();
    generateSolutions(lessons);
    fs.appendFileSync(path.join(root, 'solutions/01-change/src/app.js'), '// fixed by hand\n');
    fs.rmSync(path.join(root, 'solutions/00-start/src/old.js'));
    fs.writeFileSync(path.join(root, 'solutions/01-change/src/new.js'), 'x\n');
    fs.chmodSync(path.join(root, 'solutions/01-change/scripts/run.sh'), 0o644);
    const drift = checkSolutions(lessons).map((line) => line.replace(/^.*solutions\//, ''));
    expect(drift).toEqual([
      '00-start/src/old.js is missing',
      '01-change/scripts/run.sh differs (content or executable bit)',
      '01-change/src/app.js differs (content or executable bit)',
      '01-change/src/new.js is not produced by any overlay',
    ]);
    // Runtime output and local configuration in a snapshot folder are not the solution's.
    fs.mkdirSync(path.join(root, 'solutions/01-change/logs'));
    fs.writeFileSync(path.join(root, 'solutions/01-change/logs/app.log'), 'x');
    fs.writeFileSync(path.join(root, 'solutions/01-change/.env'), 'X=1');
    generateSolutions(lessons);
    expect(checkSolutions(lessons)).toEqual([]);
    expect(fs.existsSync(path.join(root, 'solutions/01-change/.env'))).toBe(true);
  });

  test('deriving the overlays from the snapshots gives back the same overlays', () => {
    const { root, lessons } = course();
    generateSolutions(lessons);
    const before = fs.readFileSync(path.join(root, 'solutions/changes/01-change/files/src/app.js'));
    overlaysFromSnapshots(lessons);
    const files = (dir: string) => (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
    expect(files(path.join(root, 'solutions/changes/01-change/files'))).toEqual(['package-lock.json', 'scripts', 'scripts/run.sh', 'src', 'src/app.js']);
    expect(fs.readFileSync(path.join(root, 'solutions/changes/01-change/files/src/app.js'))).toEqual(before);
    expect(fs.readFileSync(path.join(root, 'solutions/changes/01-change/solution.yaml'), 'utf8')).toMatch(/delete:\n\s*- src\/old\.js/);
    expect(checkSolutions(lessons)).toEqual([]);
  });

  test('a misspelt key or a deletion of nothing is one clear line, exit 2', () => {
    const { root, lessons } = course();
    fs.writeFileSync(path.join(root, 'solutions/changes/01-change/solution.yaml'), 'deletes: [src/old.js]\n');
    expect(() => checkSolutions(lessons)).toThrow(/solution\.yaml: deletes: Unrecognized key/);
    fs.writeFileSync(path.join(root, 'solutions/changes/01-change/solution.yaml'), 'delete: [src/never.js]\n');
    expect(() => checkSolutions(lessons)).toThrow(/delete: src\/never\.js is not in the solution before lesson 01/);
    const lines: string[] = [];
    expect(main(['--frobnicate'], (l) => lines.push(l))).toBe(2);
    expect(lines).toEqual(['Unknown option --frobnicate. Usage: npm run gen:solutions [-- --check | -- --from-snapshots]']);
  });
});

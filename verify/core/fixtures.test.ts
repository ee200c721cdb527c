// fixture.yaml's `cluster:` section: a cluster state is data, so a misspelt step must fail
// loudly (it would otherwise leave the cluster unbroken and test the solution itself).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { listFixtures } from './fixtures.ts';
import type { Lesson } from './lessons.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A lesson folder in a scratch directory holding one fixture with this fixture.yaml. */
function lessonWith(name: string, yaml: string): Lesson {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2k-fixtures-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'fixtures', name), { recursive: true });
  fs.writeFileSync(path.join(dir, 'fixtures', name, 'fixture.yaml'), yaml);
  return { dir, number: '07', index: 7, slug: 'x', readmePath: '', solutionDir: '', format_version: 1, title: 'x', summary: 'x' };
}

const KNOWN_WRONG = '# a state\nexpect_fail: [07.rollout-complete]\n';

describe('fixture.yaml cluster:', () => {
  test('reads evidence, make and undo steps as written', () => {
    const [fixture] = listFixtures(
      lessonWith(
        'cluster-secret-deleted',
        `${KNOWN_WRONG}cluster:\n  evidence: 'Secret \\S+ does not exist'\n  make:\n    - { wait_ms: 1100 }\n    - { delete: { apiVersion: v1, kind: Secret, name: s, namespace: n } }\n  undo:\n    - { apply: solution }\n    - { rolled_out: { name: web, namespace: n } }\n`,
      ),
    );
    expect(fixture!.cluster).toEqual({
      evidence: 'Secret \\S+ does not exist',
      make: [{ wait_ms: 1100 }, { delete: { apiVersion: 'v1', kind: 'Secret', name: 's', namespace: 'n' } }],
      undo: [{ apply: 'solution' }, { rolled_out: { name: 'web', namespace: 'n' } }],
    });
  });

  test('a fixture without cluster: is a static one', () => {
    expect(listFixtures(lessonWith('fail-static', KNOWN_WRONG))[0]!.cluster).toBeUndefined();
  });

  test.each([
    ['an unknown step', '  make:\n    - { scale: { name: web } }\n', /cluster\.make\.0/],
    ['a step with two keys', '  make:\n    - { apply: fixture, wait_ms: 5 }\n', /cluster\.make\.0/],
    ['a misspelt field in a step', '  make:\n    - { delete: { apiVersion: v1, kind: Secret, nme: s } }\n', /cluster\.make\.0/],
    ['apply of something that is neither workspace', '  undo:\n    - { apply: cluster }\n', /cluster\.undo\.0/],
    ['a misspelt section', '  makes: []\n', /cluster\.makes: Unrecognized key/],
    ['an evidence that is no regular expression', "  evidence: '(unclosed'\n", /cluster\.evidence is not a regular expression/],
  ])('%s is an error naming the file', (_what, body, message) => {
    const lesson = lessonWith('cluster-bad', `${KNOWN_WRONG}cluster:\n${body}`);
    expect(() => listFixtures(lesson)).toThrow(/fixture\.yaml/);
    expect(() => listFixtures(lesson)).toThrow(message);
  });

  test('an accepted variant takes make and undo but no evidence: it has no failure to match', () => {
    const ok = lessonWith('accept-other-shape', '# another shape\ncluster:\n  make:\n    - { apply: fixture }\n  undo:\n    - { apply: solution }\n');
    expect(listFixtures(ok)[0]!.cluster?.make).toEqual([{ apply: 'fixture' }]);
    const bad = lessonWith('accept-other-shape', "# another shape\ncluster:\n  evidence: 'x'\n");
    expect(() => listFixtures(bad)).toThrow(/cluster\.evidence is for known-wrong fixtures/);
  });
});

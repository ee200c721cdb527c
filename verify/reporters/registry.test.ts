// The reporters over a real runner run: two tiny checks (one passes, one fails after the
// first), reported by each registry entry into a string.
import { describe, expect, test } from 'vitest';
import { defineCheck, fail, pass } from '../core/check.ts';
import type { Lesson } from '../core/lessons.ts';
import { toJson } from '../core/report-json.ts';
import { runLesson, type LessonReport } from '../core/runner.ts';
import { combine, REPORTERS, type ReporterName } from './registry.ts';

const lesson: Lesson = {
  format_version: 1,
  title: 'A lesson for the reporters',
  summary: 'two checks',
  number: '07',
  index: 7,
  slug: 'reporters',
  dir: '/nonexistent',
  readmePath: '/nonexistent/README.md',
  solutionDir: '/nonexistent/solution',
};
const checks = [
  defineCheck({ id: 'first', title: 'First', severity: 'required', layer: 'code', hints: ['h'], learn: '#a', run: async () => pass('fine') }),
  defineCheck({
    id: 'second',
    title: 'Second',
    severity: 'required',
    layer: 'code',
    dependsOn: ['first'],
    hints: ['h'],
    learn: '#a',
    run: async () => fail('broken', { where: 'src/x.js:3', fix: 'mend it' }),
  }),
];

async function report(name: ReporterName): Promise<{ out: string; result: LessonReport }> {
  let out = '';
  const reporter = REPORTERS[name].create({ workspace: '/ws', color: false, rerun: 'npm run verify', hint: 'npm run hint', write: (t) => void (out += t) });
  reporter.runStart([lesson]);
  const result = await runLesson({ lesson, checks, workspace: '/ws', onEvent: reporter.lesson(lesson, ['07.first', '07.second'], 'npm run lesson 8') });
  reporter.runDone([result], result.ok ? 0 : 1);
  return { out, result };
}

describe('reporter registry', () => {
  test('json prints exactly the --json contract, once, at the end', async () => {
    const { out, result } = await report('json');
    expect(out).toBe(`${JSON.stringify(toJson(result), null, 2)}\n`);
    expect(JSON.parse(out)).toMatchObject({
      lesson: '07',
      ok: false,
      checks: [
        { id: '07.first', status: 'pass' },
        { id: '07.second', status: 'fail', where: 'src/x.js:3' },
      ],
    });
  });

  test('jsonl streams versioned events in order: run, lesson, each check started then done, lesson, run', async () => {
    const { out } = await report('jsonl');
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { v: number; type: string; id?: string; check?: { id: string } });
    expect(events.every((e) => e.v === 1)).toBe(true);
    expect(events.map((e) => `${e.type}${e.id ? ` ${e.id}` : e.check ? ` ${e.check.id}` : ''}`)).toEqual([
      'run-start',
      'lesson-start',
      'check-start 07.first',
      'check-done 07.first',
      'check-start 07.second',
      'check-done 07.second',
      'lesson-done',
      'run-done',
    ]);
    expect(events.at(-1)).toMatchObject({ ok: false, exitCode: 1 });
  });

  test('human prints the greppable lines', async () => {
    const { out } = await report('human');
    expect(out).toContain('✔ PASS  07.first');
    expect(out).toContain('✖ FAIL  07.second');
  });

  test('combine feeds every reporter the same run', async () => {
    let a = '';
    let b = '';
    const ctx = (w: (t: string) => void) => ({ workspace: '/ws', color: false, rerun: 'r', hint: 'h', write: w });
    const both = combine([REPORTERS.json.create(ctx((t) => void (a += t))), REPORTERS.jsonl.create(ctx((t) => void (b += t)))]);
    both.runStart([lesson]);
    const result = await runLesson({ lesson, checks, workspace: '/ws', onEvent: both.lesson(lesson, ['07.first', '07.second'], undefined) });
    both.runDone([result], 1);
    expect(JSON.parse(a).ok).toBe(false);
    expect(b.trim().split('\n')).toHaveLength(8);
  });
});

import { describe, expect, test } from 'vitest';
import { fail, pass } from '../core/check.ts';
import { evidenceRung, hintLadder } from './hint.ts';

describe('hint ladder', () => {
  const written = ['symptom', 'concept', 'snippet'];

  test('the last rung is computed from the current failure: where, expected, evidence and fix', () => {
    const outcome = fail('a required value has a literal fallback', {
      where: 'src/mailer.js:12',
      expected: 'no default for required values',
      fix: 'Remove the fallback.',
      evidence: ['src/mailer.js:12  smtpUrl: env.SMTP_URL || …'],
    });
    const ladder = hintLadder(written, outcome);
    expect(ladder.slice(0, 3)).toEqual(written);
    expect(ladder).toHaveLength(4);
    expect(ladder[3]).toBe(
      'Right now, at src/mailer.js:12: a required value has a literal fallback. Expected: no default for required values. ' +
        'Evidence: src/mailer.js:12  smtpUrl: env.SMTP_URL || … Do this: Remove the fallback.',
    );
  });

  test('a different failure of the same check gives a different last rung', () => {
    const a = hintLadder(written, fail('x', { where: 'src/db.js:4' })).at(-1);
    const b = hintLadder(written, fail('x', { where: 'src/server.js:30' })).at(-1);
    expect(a).toContain('src/db.js:4');
    expect(b).toContain('src/server.js:30');
    expect(b).not.toContain('src/db.js:4');
  });

  test('no computed rung for an outcome that is not a failure', () => {
    expect(evidenceRung(pass('fine'))).toBeUndefined();
    expect(hintLadder(written, pass('fine'))).toEqual(written);
  });
});

import { describe, expect, test } from 'vitest';
import { failFindings, findingLine, reportFindings } from './finding.ts';

const a = { where: 'k8s/web.yaml:12 › spec.replicas', message: 'replicas: 1' };
const b = { where: 'Dockerfile:3', message: 'no USER: the container runs as root' };
const c = { where: '.env.cluster:4', message: 'REDIS_URL points at localhost' };
const details = { expected: 'e', why: 'w', fix: 'f' };

describe('findings into an outcome', () => {
  test('an evidence line is the place, two spaces, the message', () => {
    expect(findingLine(a)).toBe('k8s/web.yaml:12 › spec.replicas  replicas: 1');
  });

  test('the first finding is the message and where; the others are evidence, in order', () => {
    expect(failFindings([a, b, c], details)).toEqual({
      status: 'fail',
      message: 'replicas: 1',
      where: a.where,
      ...details,
      evidence: [findingLine(b), findingLine(c)],
    });
  });

  test('maxEvidence keeps the first ones; evidence of the caller comes after the findings', () => {
    expect(failFindings([a, b, c], { maxEvidence: 1, evidence: ['extra'] }).evidence).toEqual([findingLine(b), 'extra']);
  });

  test('reportFindings passes with its message when nothing was found', () => {
    expect(reportFindings([], 'all good', details)).toEqual({ status: 'pass', message: 'all good' });
    expect(reportFindings([b], 'all good', details)).toMatchObject({ status: 'fail', message: b.message, where: b.where, evidence: [] });
  });

  test('failFindings without a finding is a bug in the check, not a verdict', () => {
    expect(() => failFindings([])).toThrow(/at least one finding/);
  });
});

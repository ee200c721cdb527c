// One thing wrong at one place, and the one way findings become an Outcome. Rules return
// findings as data; only this module turns them into text, so no check has to build a
// `where  text` line and split it apart again.
import { fail, pass, type Outcome } from './check.ts';

export interface Finding {
  /** Where it is: `src/db.js:4`, `Dockerfile:7`, `k8s/web.yaml:12 › spec.replicas`. */
  where: string;
  /** What is wrong there, in one line. */
  message: string;
}

/** How a finding reads in an evidence list: its place, two spaces, its message. */
export function findingLine(f: Finding): string {
  return `${f.where}  ${f.message}`;
}

type Details = Omit<Outcome, 'status' | 'message' | 'where'>;

/**
 * A fail whose message and `where` are the first finding's; the rest follow as evidence
 * (before any evidence `details` brings), at most `maxEvidence` of them. Called with no
 * finding it throws: that is a bug in the check, not a verdict.
 */
export function failFindings(findings: readonly Finding[], details: Details & { maxEvidence?: number } = {}): Outcome {
  const [first, ...rest] = findings;
  if (!first) throw new Error('failFindings needs at least one finding');
  const { maxEvidence, evidence, ...more } = details;
  const lines = [...rest.slice(0, maxEvidence ?? rest.length).map(findingLine), ...(evidence ?? [])];
  return fail(first.message, { where: first.where, ...more, evidence: lines });
}

/** A pass with `ok` when nothing was found, else failFindings. */
export function reportFindings(findings: readonly Finding[], ok: string, details: Details & { maxEvidence?: number } = {}): Outcome {
  return findings.length ? failFindings(findings, details) : pass(ok);
}

// Messages name the learner's files, never the verifier's scratch space: an app started
// from a private copy (`/tmp/verify-ws-…`) prints that copy's paths in its stack traces,
// and a "cd legacy-app" in a fix is wrong for someone verifying --workspace DIR.
import os from 'node:os';
import path from 'node:path';
import type { Outcome } from './check.ts';
import { DEFAULT_WORKSPACE, displayPath } from './paths.ts';

const COPY_PREFIX = 'verify-ws-';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Rewrites one text: temp copies become the workspace, `legacy-app` becomes DIR when DIR is another folder. */
export function workspaceText(text: string, workspace: string): string {
  const shown = displayPath(workspace);
  // macOS reports /var/… as /private/var/…; either spelling of the temp dir is a copy.
  const tmp = escape(path.resolve(os.tmpdir())).replace(/^/, '(?:/private)?');
  let out = text.replace(new RegExp(`${tmp}[\\\\/]${COPY_PREFIX}[A-Za-z0-9]+`, 'g'), shown);
  if (path.resolve(workspace) !== path.resolve(DEFAULT_WORKSPACE)) {
    out = out.replace(/\bcd legacy-app\b/g, `cd ${shown}`).replace(/(^|[\s`'"(])legacy-app\//g, `$1${shown.replace(/\/?$/, '/')}`);
  }
  return out;
}

/** Every text field of an outcome, rewritten with workspaceText. */
export function outcomeForWorkspace(outcome: Outcome, workspace: string): Outcome {
  const fix = (t: string | undefined) => (t === undefined ? t : workspaceText(t, workspace));
  return {
    ...outcome,
    message: workspaceText(outcome.message, workspace),
    where: fix(outcome.where),
    observed: fix(outcome.observed),
    expected: fix(outcome.expected),
    why: fix(outcome.why),
    fix: fix(outcome.fix),
    evidence: outcome.evidence?.map((e) => workspaceText(e, workspace)),
  };
}

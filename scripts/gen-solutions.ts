// `npm run gen:solutions`: writes every full snapshot solutions/NN-slug/ from the overlays in
// solutions/changes/ (verify/core/solution-overlays.ts says why they are authored that way).
//   --check           write nothing; exit 1 naming every snapshot file that differs (npm test runs it)
//   --from-snapshots  the other way round: rewrite every overlay from the snapshots as they are
//                     (how the hand-kept snapshots were converted; use it again only to adopt a
//                     snapshot someone edited by hand, and review the diff of solutions/changes/)
import path from 'node:path';
import { EXIT, type ExitCode, isExpectedError } from '../verify/core/errors.ts';
import { listLessons } from '../verify/core/lessons.ts';
import { composeSolutions, deriveOverlay, readTree, snapshotDrift, type Tree, writeOverlay, writeSnapshot } from '../verify/core/solution-overlays.ts';

const USAGE = 'npm run gen:solutions [-- --check | -- --from-snapshots]';
const shown = (p: string) => path.relative(process.cwd(), p) || p;

/** Drift between the overlays and the snapshots, one line per file; empty when they agree. */
export function checkSolutions(lessons = listLessons()): string[] {
  const lines: string[] = [];
  for (const [lesson, tree] of composeSolutions(lessons)) {
    for (const { rel, how } of snapshotDrift(tree, lesson.solutionDir)) {
      const what = { missing: 'is missing', differs: 'differs (content or executable bit)', extra: 'is not produced by any overlay' }[how];
      lines.push(`${shown(path.join(lesson.solutionDir, rel))} ${what}`);
    }
  }
  return lines;
}

export function generateSolutions(lessons = listLessons()): number {
  let changed = 0;
  for (const [lesson, tree] of composeSolutions(lessons)) changed += writeSnapshot(tree, lesson.solutionDir);
  return changed;
}

export function overlaysFromSnapshots(lessons = listLessons()): void {
  let before: Tree = new Map();
  for (const lesson of lessons) {
    const after = readTree(lesson.solutionDir);
    writeOverlay(lesson, deriveOverlay(before, after));
    before = after;
  }
}

export function main(args: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): ExitCode {
  const flags = new Set(args);
  const known = new Set(['--check', '--from-snapshots']);
  const unknown = args.find((a) => !known.has(a));
  if (unknown !== undefined || flags.size > 1) {
    out(`${unknown !== undefined ? `Unknown option ${unknown}.` : 'Choose one of --check and --from-snapshots.'} Usage: ${USAGE}`);
    return EXIT.broken;
  }
  try {
    if (flags.has('--from-snapshots')) {
      overlaysFromSnapshots();
      out('Rewrote solutions/changes/ from the snapshots. Review it: git diff --stat solutions/changes/');
      return EXIT.ok;
    }
    if (flags.has('--check')) {
      const drift = checkSolutions();
      if (!drift.length) {
        out('solutions/ matches the overlays in solutions/changes/.');
        return EXIT.ok;
      }
      out(`${drift.length} file(s) of solutions/ differ from what the overlays in solutions/changes/ produce:`);
      for (const line of drift) out(`  ${line}`);
      out('The snapshots are generated: make the change in solutions/changes/<lesson>/ (files/ or solution.yaml), then run: npm run gen:solutions');
      return EXIT.learnerHasWork;
    }
    const changed = generateSolutions();
    out(changed ? `Wrote ${changed} file(s) of solutions/ from solutions/changes/. Commit both.` : 'solutions/ already matches solutions/changes/.');
    return EXIT.ok;
  } catch (err) {
    if (!isExpectedError(err)) throw err;
    out(err.message);
    return EXIT.broken;
  }
}

if (process.argv[1]?.endsWith('gen-solutions.ts')) process.exitCode = main(process.argv.slice(2));

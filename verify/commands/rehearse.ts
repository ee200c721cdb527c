// `npm run rehearse`: the instructor's dress rehearsal (see core/rehearsal.ts).
import fs from 'node:fs';
import pc from 'picocolors';
import { parseEnvFile } from '../core/cluster-apply.ts';
import { EXIT, type ExitCode, UsageError } from '../core/errors.ts';
import { findLesson, listLessons } from '../core/lessons.ts';
import { rehearse } from '../core/rehearsal.ts';
import type { LessonReport } from '../core/runner.ts';
import { parse } from './args.ts';

const USAGE = 'rehearse [--from N] [--to N] [--cluster-env FILE] [--context NAME] [--disruptive]';

export async function run(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(
    args,
    { from: { type: 'string' }, to: { type: 'string' }, 'cluster-env': { type: 'string' }, context: { type: 'string' }, disruptive: { type: 'boolean' } },
    USAGE,
  );
  if (positionals.length) throw new UsageError(`rehearse takes no lesson argument; use --from/--to. Usage: npm run ${USAGE}`);
  const all = listLessons();
  const from = values.from === undefined ? all[0]! : findLesson(all, values.from);
  const to = values.to === undefined ? all.at(-1)! : findLesson(all, values.to);
  if (to.index < from.index) throw new UsageError(`--to ${to.number} comes before --from ${from.number}.`);
  let clusterEnv: Record<string, string> = {};
  if (values['cluster-env']) {
    // Not --env-file: Node 20 reads that flag itself, even after the script name.
    if (!fs.existsSync(values['cluster-env'])) throw new UsageError(`--cluster-env ${values['cluster-env']} does not exist.`);
    clusterEnv = parseEnvFile(fs.readFileSync(values['cluster-env'], 'utf8'));
  }
  const color = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);
  const out = (s: string) => process.stdout.write(s);
  out(`Dress rehearsal: lessons ${from.number}–${to.number}, each solution applied in order to a scratch workspace and the cluster, then verified.\n\n`);
  const reports = await rehearse({
    lessons: all.slice(from.index, to.index + 1),
    context: values.context,
    clusterEnv,
    disruptive: values.disruptive ?? false,
    onReport: (r) => out(line(r, color)),
  });
  const failed = reports.filter((r) => !r.ok);
  const broken = reports.find((r) => r.broken);
  if (broken) {
    out(
      `\n${color.red('✖')} Lesson ${broken.lesson.number} could not be verified: ${broken.broken!.message}\n  Next: ${broken.broken!.next ?? 'npm run setup'}\n`,
    );
    return EXIT.broken;
  }
  out(
    failed.length
      ? `\n${color.red('✖')} ${failed.length} lesson(s) failed: ${failed.map((r) => r.lesson.number).join(', ')}. Fix the solutions (or the cluster) before class.\n`
      : `\n${color.green('✔')} Every lesson passes on this cluster.\n`,
  );
  return failed.length ? EXIT.learnerHasWork : EXIT.ok;
}

/** One block per lesson: the verdict, then every check that did not pass with its reason. */
function line(r: LessonReport, color: ReturnType<typeof pc.createColors>): string {
  const count = (s: string) => r.checks.filter((c) => c.outcome.status === s).length;
  const mark = r.ok ? color.green('✔') : color.red('✖');
  const head = `${mark} ${r.lesson.number} ${r.lesson.slug.padEnd(22)} ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped\n`;
  const details = r.checks
    .filter((c) => c.outcome.status !== 'pass')
    .map((c) => `    ${c.outcome.status === 'fail' ? color.red('✖ FAIL') : color.dim('○ SKIP')} ${c.id}  ${c.outcome.message}\n`)
    .join('');
  return head + details;
}

// The human reporter: stable, greppable lines (`✔ PASS 01.id`, `✖ FAIL 01.id`) with
// found / expected / why / fix / learn under every failure, then one next command.
import pc from 'picocolors';
import { terminalWidth, wrapText } from './wrap.ts';
import type { CheckReport, LessonReport, RunEvent } from './runner.ts';

export interface HumanReporterOptions {
  color: boolean;
  write?: (text: string) => void;
  /** The command that re-runs this verification, for the closing line. */
  rerun: string;
  /** The command for a hint, with the same flags (default `npm run hint`). */
  hint?: string;
  /** Columns to wrap at (default: the terminal's, 80 when piped). */
  width?: number;
  /** The command to go on with once the lesson passes (absent after the last lesson). */
  next?: string;
}

/** The human reporter needs the definition order up front to stream results in order. */
export function humanReporter(ids: string[], opts: HumanReporterOptions): (event: RunEvent) => void {
  const c = pc.createColors(opts.color);
  const write = opts.write ?? ((t: string) => process.stdout.write(t));
  const done = new Map<string, CheckReport>();
  let printed = 0;
  return (event) => {
    if (event.kind === 'lesson-start') write(`\n${c.bold(`Lesson ${event.lesson.number} · ${event.lesson.title}`)}\n\n`);
    if (event.kind === 'check-done') {
      done.set(event.report.id, event.report);
      while (printed < ids.length && done.has(ids[printed]!)) write(formatCheck(done.get(ids[printed++]!)!, c, opts.width ?? terminalWidth()));
    }
    if (event.kind === 'lesson-done') {
      const width = opts.width ?? terminalWidth();
      write(
        formatSummary(event.report, c, opts.rerun, opts.next, opts.hint ?? 'npm run hint')
          .split('\n')
          .map((l) => wrapText(l, width, '      ', ''))
          .join('\n'),
      );
    }
  };
}

type Colors = ReturnType<typeof pc.createColors>;

function formatCheck(r: CheckReport, c: Colors, width: number): string {
  const { outcome: o } = r;
  const tag =
    o.status === 'pass' ? c.green('✔ PASS') : o.status === 'skip' ? c.dim('○ SKIP') : r.severity === 'required' ? c.red('✖ FAIL') : c.yellow('▲ WARN');
  const sev = r.severity === 'required' ? '' : c.dim(` [${r.severity}]`);
  let out = `${wrapText(`${c.bold(r.id)}${sev}  ${o.status === 'pass' ? c.dim(r.title) : r.title}`, width, ' '.repeat(10), `  ${tag}  `)}\n`;
  if (o.status === 'pass') return out;
  const line = (label: string, text: string | undefined, keepLines = false) => {
    if (!text) return;
    const first = `          ${c.dim(label.padEnd(9))} `;
    const indent = ' '.repeat(20);
    // A code frame (`> 4 | …`) is shown as it is: wrapping would break code mid-line and move the caret.
    const frame = (l: string) => keepLines && /^[> ] +\d* +\|/.test(l);
    out += `${text
      .split('\n')
      .map((l, i) => (frame(l) ? (i ? indent : first) + l : wrapText(l, width, indent, i ? indent : first)))
      .join('\n')}\n`;
  };
  if (o.status === 'skip') {
    line('', o.message);
    return out;
  }
  line('found', o.message);
  line('where', o.where);
  line('observed', o.observed);
  line('expected', o.expected);
  line('why', o.why);
  line('fix', o.fix);
  // One label for the block: evidence is often a code frame or a log tail, read as one piece.
  const evidence = (o.evidence ?? []).slice(0, 12);
  if (evidence.length) line('evidence', evidence.join('\n'), true);
  line('learn', r.learn);
  return out;
}

function formatSummary(report: LessonReport, c: Colors, rerun: string, next: string | undefined, hint: string): string {
  const checks = report.checks;
  const passed = checks.filter((r) => r.outcome.status === 'pass').length;
  const failedRequired = checks.filter((r) => r.outcome.status === 'fail' && r.severity === 'required');
  const warnings = checks.filter((r) => r.outcome.status === 'fail' && r.severity !== 'required');
  const layerSkips = checks.filter((r) => r.skippedBecause === 'layer');
  let out = `\n${passed}/${checks.length} passed`;
  if (warnings.length) out += ` · ${warnings.length} recommended to look at`;
  if (layerSkips.length) out += ` · ${layerSkips.length} not run (${[...new Set(layerSkips.map((r) => r.layer))].join(', ')})`;
  out += '\n';
  if (report.broken) {
    out += `\n${c.red('✖ ENV')}  ${report.broken.message}\n`;
    if (report.broken.next) out += `       Next: ${c.bold(report.broken.next)}\n`;
    out += `       Then run ${c.bold(rerun)} again.\n`;
  } else if (report.ok) {
    out += `${c.green('✔')} Lesson ${report.lesson.number} done.`;
    out += next ? ` Next: ${c.bold(next)}\n` : ' That was the last lesson: well done.\n';
  } else {
    const first = failedRequired[0] ?? checks.find((r) => r.skippedBecause === 'dependency');
    out += `Next: fix ${c.bold(first?.id ?? 'the failures above')}, then run ${c.bold(rerun)} again. Stuck? ${c.bold(hint)}\n`;
  }
  return out;
}

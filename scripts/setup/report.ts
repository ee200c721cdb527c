// The doctor's output. The report is a plain-text block between two marker lines, never
// coloured, so a learner can paste it into a chat or an issue and the instructor sees every
// version at once. (Not a ``` fence: in a terminal that is noise the learner cannot read.) The problems under it follow the house style: found, expected, why, next.
import type { Facts } from './facts.ts';
import type { Item } from './doctor.ts';
import type pc from 'picocolors';

const MARK = { ok: '✔', fail: '✖', warn: '▲' } as const;

export interface ReportMeta {
  /** e.g. "legacy-to-k8s 0.1.0 @ 63eea04" */
  workshop: string;
  when: Date;
}

export function formatReport(facts: Facts, items: Item[], meta: ReportMeta): string {
  const width = Math.max(...items.map((i) => i.label.length)) + 2;
  const lines = [
    `workshop doctor · ${meta.workshop} · ${meta.when.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `os  ${facts.os.platform} ${facts.os.release} (${facts.os.arch})`,
    ...items.map((i) => `${MARK[i.status]} ${i.label.padEnd(width)}${i.detail}`),
  ];
  const fails = items.filter((i) => i.status === 'fail').length;
  const warns = items.filter((i) => i.status === 'warn').length;
  lines.push(fails ? `${fails} to fix, ${warns} to watch` : warns ? `ready · ${warns} to watch` : 'ready');
  return `${REPORT_START}\n${lines.join('\n')}\n${REPORT_END}\n`;
}

export const REPORT_START = '── paste this block when you ask for help ──';
export const REPORT_END = '── end of the doctor report ──';

type Colors = ReturnType<typeof pc.createColors>;

/** Every ✖ then every ▲, each with found / expected / why / next (and the official link). */
export function formatProblems(items: Item[], c: Colors): string {
  const ordered = [...items.filter((i) => i.status === 'fail'), ...items.filter((i) => i.status === 'warn')];
  let out = '';
  for (const i of ordered) {
    if (!i.problem) continue;
    const p = i.problem;
    out += `\n${i.status === 'fail' ? c.red('✖') : c.yellow('▲')} ${c.bold(p.title)}\n`;
    const line = (label: string, text?: string) => {
      if (text) out += `    ${c.dim(label.padEnd(9))} ${text}\n`;
    };
    line('found', p.found);
    line('expected', p.expected);
    line('why', p.why);
    line('next', p.next);
    if (p.link && !p.next.includes(p.link)) line('see', p.link);
  }
  return out;
}

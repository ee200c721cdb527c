// One markdown-it instance renders lessons: to ANSI for the terminal (this file's
// renderTerminal) and, later, to HTML for a dashboard (md.render). Plain text when
// colours are off (piped output, NO_COLOR), so `npm run lesson 1 > lesson.txt` reads well.
import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import pc from 'picocolors';

export const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

export interface TerminalOptions {
  color: boolean;
  width: number;
}

const ANSI = /\x1b\[[0-9;]*m/g;
/** Stands for a space inside inline code while wrapping, so code is never split across lines. */
const KEEP_TOGETHER = '\u0000';
const visible = (s: string) => s.replace(ANSI, '').length;

/** GitHub-style heading anchor, the same one lesson links (`#2-fail-fast-on-missing-values`) use. */
export function slugify(heading: string): string {
  return heading
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

/** Headings of a markdown document, with their anchors. */
export function headings(source: string): Array<{ level: number; text: string; anchor: string }> {
  const tokens = md.parse(source, {});
  const out: Array<{ level: number; text: string; anchor: string }> = [];
  tokens.forEach((t, i) => {
    if (t.type === 'heading_open') {
      const text = tokens[i + 1]?.content ?? '';
      out.push({ level: Number(t.tag.slice(1)), text, anchor: slugify(text) });
    }
  });
  return out;
}

function wrap(text: string, width: number, indent: string, firstIndent = indent): string {
  const words = text.split(/ +/);
  const lines: string[] = [];
  let line = firstIndent;
  let empty = true;
  for (const word of words) {
    if (!empty && visible(line) + 1 + visible(word) > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

export function renderTerminal(source: string, opts: TerminalOptions): string {
  const c = pc.createColors(opts.color);
  const tokens = md.parse(source, {});
  const out: string[] = [];
  const lists: Array<{ ordered: boolean; n: number }> = [];
  let quote = 0;
  let pendingBullet: string | undefined;
  let table: string[][] | undefined;
  let row: string[] = [];

  const prefix = () => '  '.repeat(lists.length) + (quote ? c.dim('│ ') : '');
  const block = (text: string) => out.push(text, '');

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.type) {
      case 'heading_open': {
        const text = inline(tokens[++i]!, c);
        const level = Number(t.tag.slice(1));
        if (level === 1) block(c.bold(c.cyan(text)) + '\n' + c.cyan('═'.repeat(Math.min(visible(text), opts.width))));
        else if (level === 2) block(c.bold(c.underline(text)));
        else block(c.bold(text));
        i++;
        break;
      }
      case 'paragraph_open': {
        const text = inline(tokens[++i]!, c);
        i++;
        if (table) break;
        const base = prefix();
        if (pendingBullet !== undefined) {
          const first = base.slice(0, Math.max(0, base.length - 2)) + pendingBullet;
          out.push(wrap(text, opts.width, base, first));
          pendingBullet = undefined;
          // Tight lists do not get blank lines between items.
          if (!t.hidden) out.push('');
        } else block(wrap(text, opts.width, base));
        break;
      }
      case 'bullet_list_open':
      case 'ordered_list_open':
        lists.push({ ordered: t.type === 'ordered_list_open', n: Number(t.attrGet('start') ?? 1) });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        if (!lists.length && out.at(-1) !== '') out.push('');
        break;
      case 'list_item_open': {
        const list = lists.at(-1)!;
        pendingBullet = list.ordered ? `${list.n++}. `.padEnd(2) : c.cyan('• ');
        break;
      }
      case 'blockquote_open':
        quote++;
        break;
      case 'blockquote_close':
        quote--;
        break;
      case 'fence':
      case 'code_block': {
        const lang = t.info.trim().split(/\s+/)[0];
        const lines = t.content.replace(/\n$/, '').split('\n');
        const pad = prefix() + '    ';
        const label = lang ? [prefix() + '  ' + c.dim(`─ ${lang}`)] : [];
        block([...label, ...lines.map((l) => pad + c.yellow(l))].join('\n'));
        break;
      }
      case 'hr':
        block(c.dim('─'.repeat(Math.min(40, opts.width))));
        break;
      case 'table_open':
        table = [];
        break;
      case 'tr_open':
        row = [];
        break;
      case 'th_open':
      case 'td_open': {
        const cell = inline(tokens[++i]!, c);
        row.push(t.type === 'th_open' ? c.bold(cell) : cell);
        i++;
        break;
      }
      case 'tr_close':
        table?.push(row);
        break;
      case 'table_close':
        if (table) block(renderTable(table, c, prefix(), opts.width));
        table = undefined;
        break;
      default:
        break;
    }
  }
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .replace(new RegExp(KEEP_TOGETHER, 'g'), ' ')
      .trimEnd() + '\n'
  );
}

function renderTable(rows: string[][], c: ReturnType<typeof pc.createColors>, indent: string, width: number): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(cell))));
  const total = indent.length + widths.reduce((a, w) => a + w, 0) + 3 * (widths.length - 1);
  // Too wide for the terminal: one block per row ("Header: value" lines), which wraps
  // cleanly instead of running off the right edge.
  if (total > width) return renderTableAsRecords(rows, c, indent, width);
  const line = (r: string[]) => indent + r.map((cell, i) => cell + ' '.repeat(widths[i]! - visible(cell))).join(c.dim(' │ '));
  const [head, ...body] = rows;
  const rule = indent + widths.map((w) => '─'.repeat(w)).join(c.dim('─┼─'));
  return [line(head ?? []), c.dim(rule), ...body.map(line)].join('\n');
}

function renderTableAsRecords(rows: string[][], c: ReturnType<typeof pc.createColors>, indent: string, width: number): string {
  const [head = [], ...body] = rows;
  return body
    .map((r) => {
      const [first = '', ...rest] = r;
      const lines = [wrap(`${c.cyan('•')} ${first}`, width, `${indent}  `, indent)];
      rest.forEach((cell, i) => {
        if (cell.trim()) lines.push(wrap(`${c.dim(`${head[i + 1] ?? ''}:`)} ${cell}`, width, `${indent}    `, `${indent}  `));
      });
      return lines.join('\n');
    })
    .join('\n');
}

function inline(token: Token, c: ReturnType<typeof pc.createColors>): string {
  let s = '';
  const styles: Array<(x: string) => string> = [];
  let linkHref: string | undefined;
  let linkStart = 0;
  const apply = (x: string) => styles.reduce((acc, f) => f(acc), x);
  for (const child of token.children ?? []) {
    switch (child.type) {
      case 'text':
        s += apply(child.content);
        break;
      case 'code_inline':
        // Kept on one line when wrapping (a command split over two lines cannot be copied);
        // the placeholder becomes a space again once the paragraph is wrapped.
        s += c.cyan((c.isColorSupported ? child.content : `\`${child.content}\``).replace(/ /g, KEEP_TOGETHER));
        break;
      case 'strong_open':
        styles.push(c.bold);
        break;
      case 'em_open':
        styles.push(c.italic);
        break;
      case 'strong_close':
      case 'em_close':
        styles.pop();
        break;
      case 'link_open':
        linkHref = String(child.attrGet('href') ?? '') || undefined;
        linkStart = s.length;
        styles.push(c.underline);
        break;
      case 'link_close': {
        styles.pop();
        // An autolink (<https://…>) already shows its address: printing it again is noise.
        const text = s.slice(linkStart).replace(ANSI, '');
        const shown = linkHref && (text === linkHref || `mailto:${text}` === linkHref);
        if (linkHref && !linkHref.startsWith('#') && !shown) s += c.dim(` (${linkHref})`);
        linkHref = undefined;
        break;
      }
      case 'softbreak':
        s += ' ';
        break;
      case 'hardbreak':
        s += '\n';
        break;
      default:
        s += child.content ?? '';
    }
  }
  return s;
}

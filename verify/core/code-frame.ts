// Pointing at a mistake in a learner's file: the lines around it with the bad one marked,
// and the position of a JSON syntax error, which Node reports as a character offset.
import { LearnerFileError } from './errors.ts';

/** Up to two lines either side of `line` (1-based), the line itself marked with `>` and its column with `^`. */
export function codeFrame(text: string, line: number, column?: number): string[] {
  const lines = text.split(/\r?\n/);
  const first = Math.max(1, line - 2);
  const last = Math.min(lines.length, line + 2);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    // Tabs would push the caret out of place; a frame shows them as two spaces.
    const code = (lines[n - 1] ?? '').replace(/\t/g, '  ');
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${code}`.trimEnd());
    if (n === line && column && column > 0) out.push(`  ${' '.repeat(width)} | ${' '.repeat(column - 1)}^`);
  }
  return out;
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * JSON.parse for a learner's file: a syntax error becomes a LearnerFileError naming the
 * file, the line and the reason (exit 1), never an internal error.
 */
export function parseLearnerJson<T>(text: string, file: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    const reason = (err as Error).message
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/ in JSON at position \d+.*$/, '')
      .replace(/^JSON\.parse: /, '');
    const message = (err as Error).message;
    // "…at position 65" (Node 20–22); "Unexpected end of JSON input" has none: the end is where it broke.
    const offset = /position (\d+)/.exec(message)?.[1] ?? (/end of JSON input/.test(message) ? String(text.trimEnd().length) : undefined);
    const pos = offset !== undefined ? lineAndColumn(text, Number(offset)) : undefined;
    throw syntaxError(file, text, pos, 'JSON', text.trim() === '' ? 'the file is empty' : reason);
  }
}

/** `k8s/app.yaml:12 is not valid YAML: …`, with a code frame and the line to fix. */
export function syntaxError(
  file: string,
  text: string,
  pos: { line: number; column?: number } | undefined,
  language: string,
  reason: string,
): LearnerFileError {
  const at = pos ? `:${pos.line}` : '';
  return new LearnerFileError(
    `${file}${at} is not valid ${language}: ${reason}`,
    file,
    pos?.line,
    pos ? codeFrame(text, pos.line, pos.column) : [],
    `fix ${file}${pos ? ` line ${pos.line}` : ''} (usually a missing or extra comma, quote, bracket or indentation)`,
  );
}

// What runs in the web process, read statically: the files reachable from its entry point
// through relative require()/import, and the timers in them that schedule the digest.
// A timer in the web runs once per replica (and restarts with every deploy); that is what
// the CronJob replaces. Other timers (lesson 05's log-level poll, time-outs) are fine:
// only a timer that speaks of the digest counts: in its arguments, in the function around
// it, or in the functions it calls (followed three calls deep, by name, across the files).
import path from 'node:path';
import type { CheckContext } from '../../verify/lesson-api.ts';

export interface TimerCall {
  file: string;
  line: number;
  text: string;
}

/** The web's entry file: `node <file>` of the start script, else package.json's main, else index.js. */
export function webEntry(ctx: CheckContext): string {
  let pkg: { main?: string; scripts?: Record<string, string> } = {};
  try {
    pkg = JSON.parse(ctx.files.read('package.json') ?? '{}') as typeof pkg;
  } catch {
    // Unreadable package.json: fall back to the conventions below.
  }
  const start = pkg.scripts?.start?.trim().split(/\s+/) ?? [];
  const file = start[0] === 'node' ? start.slice(1).find((w) => !w.startsWith('-')) : undefined;
  return path.posix.normalize(file ?? pkg.main ?? 'index.js');
}

// A `/` after one of these (or at the start) begins a regular expression, not a division.
const BEFORE_REGEX = /(^|[(,=:[!&|?{};+\-*%<>~^]|\b(?:return|typeof|case|do|else|in|of|void|yield|await|delete|instanceof|new))\s*$/;

/** The index just past the regular expression literal opening at `start` (flags excluded). */
function regexEnd(code: string, start: number): number {
  let inClass = false;
  for (let j = start + 1; j < code.length; j++) {
    const c = code[j]!;
    if (c === '\\') j++;
    else if (c === '\n') return j;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) return j + 1;
  }
  return code.length;
}

/**
 * Comments and regular expression bodies blanked out (same length, newlines kept), and string
 * contents too when `strings`; code untouched. Regular expressions are blanked so that a quote
 * or a `/*` inside one cannot be taken for the start of a string or a comment.
 */
export function stripComments(code: string, strings = false): string {
  let out = '';
  let i = 0;
  while (i < code.length) {
    const c = code[i]!;
    const next = code[i + 1];
    if (c === '/' && next !== '/' && next !== '*' && BEFORE_REGEX.test(out.slice(-40))) {
      const end = regexEnd(code, i);
      const literal = code.slice(i, end);
      out += literal.length < 2 ? literal : literal[0] + literal.slice(1, -1).replace(/[^\n]/g, ' ') + literal.at(-1);
      i = end;
    } else if (c === '/' && next === '/') {
      const end = code.indexOf('\n', i);
      const stop = end === -1 ? code.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      const stop = end === -1 ? code.length : end + 2;
      out += code.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += code[j] === '\\' ? 2 : 1;
      const literal = code.slice(i, j + 1);
      out += strings ? c + literal.slice(1, -1).replace(/[^\n]/g, ' ') + (j < code.length ? c : '') : literal;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const REQUIRE =
  /\brequire\s*\(\s*['"`](\.{1,2}\/[^'"`]+)['"`]\s*\)|\bimport\s*(?:[\w{}\s,*]+\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|\bimport\s*\(\s*['"`](\.{1,2}\/[^'"`]+)['"`]\s*\)/g;

function resolveLocal(ctx: CheckContext, from: string, spec: string): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  return [base, `${base}.js`, `${base}.cjs`, `${base}.mjs`, `${base}/index.js`].find((f) => /\.(c|m)?js$/.test(f) && ctx.files.exists(f));
}

/** Every local file the entry pulls in, the entry first. */
export function reachableFiles(ctx: CheckContext, entry: string): string[] {
  const seen: string[] = [];
  const queue = ctx.files.exists(entry) ? [entry] : [];
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.includes(file)) continue;
    seen.push(file);
    const code = stripComments(ctx.files.read(file) ?? '');
    for (const m of code.matchAll(REQUIRE)) {
      const target = resolveLocal(ctx, file, (m[1] ?? m[2] ?? m[3])!);
      if (target && !seen.includes(target)) queue.push(target);
    }
  }
  return seen;
}

/** Index of the bracket that closes the one at `open` ('(' or '{'), or the end of the text. */
function closing(code: string, open: number): number {
  const pair: Record<string, string> = { '(': ')', '{': '}' };
  const want = pair[code[open]!]!;
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i]!;
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += code[j] === '\\' ? 2 : 1;
      i = j;
    } else if (c === code[open]) depth++;
    else if (c === want && --depth === 0) return i;
  }
  return code.length;
}

interface FunctionBody {
  name: string;
  start: number;
  end: number;
}

/** Named functions (declarations, `name = (…) =>`, `name = function`, methods) and their bodies. */
function functions(code: string): FunctionBody[] {
  const out: FunctionBody[] = [];
  const heads =
    /\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(|\b([A-Za-z_$][\w$]*)\s*[=:]\s*(?:async\s+)?(?:function\b[^(]*\(|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)|^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*\([^()]*\)\s*\{/gm;
  for (const m of code.matchAll(heads)) {
    const name = (m[1] ?? m[2] ?? m[3])!;
    const brace = code.indexOf('{', m.index! + m[0].length - 1);
    const arrowExpr = brace === -1 || /=>\s*[^{\s]/.test(code.slice(m.index!, brace + 1));
    const start = m.index!;
    const end = arrowExpr ? code.indexOf('\n', start) : closing(code, brace);
    out.push({ name, start, end: end === -1 ? code.length : end });
  }
  return out;
}

const TIMER = /\b(?:setInterval|setTimeout|scheduleJob|schedule)\s*\(|\bnew\s+CronJob\s*\(/g;
const DIGEST = /digest/i;
const CALLED = /\b([A-Za-z_$][\w$]*)\s*\(/g;
const NOT_CALLS = new Set(['if', 'for', 'while', 'switch', 'catch', 'function', 'return', 'require', 'await', 'new', 'typeof']);
const DEPTH = 3;

/** Names called in a piece of code: `jobs.nightly()` → nightly. */
function calls(code: string): string[] {
  return [...code.matchAll(CALLED)].map((m) => m[1]!).filter((n) => !NOT_CALLS.has(n));
}

/** Timers in `files` that schedule the digest. */
export function digestTimers(ctx: CheckContext, files: string[]): TimerCall[] {
  const code = new Map(files.map((f) => [f, stripComments(ctx.files.read(f) ?? '')]));
  const bodies = new Map<string, string[]>();
  for (const text of code.values()) for (const f of functions(text)) bodies.set(f.name, [...(bodies.get(f.name) ?? []), text.slice(f.start, f.end)]);
  /** Does calling these names reach code that speaks of the digest, within DEPTH calls? */
  const reaches = (names: string[]): boolean => {
    const seen = new Set<string>();
    let frontier = names;
    for (let depth = 0; depth < DEPTH && frontier.length; depth++) {
      const next: string[] = [];
      for (const name of frontier.filter((n) => !seen.has(n))) {
        seen.add(name);
        for (const body of bodies.get(name) ?? []) {
          if (DIGEST.test(body)) return true;
          next.push(...calls(body));
        }
      }
      frontier = next;
    }
    return false;
  };

  const found: TimerCall[] = [];
  for (const file of files) {
    const text = code.get(file)!;
    const fns = functions(text);
    for (const m of stripComments(text, true).matchAll(TIMER)) {
      const open = m.index! + m[0].length - 1;
      const args = text.slice(open, closing(text, open) + 1);
      const callback = /^\(\s*(?:[\w$]+\.)*([A-Za-z_$][\w$]*)\s*[,)]/.exec(args)?.[1];
      const around = fns.filter((f) => f.start < m.index! && m.index! < f.end).map((f) => f.name);
      const named = [...(callback ? [callback] : []), ...calls(args.slice(1))];
      if ([args, ...around, ...named].some((t) => DIGEST.test(t)) || reaches(named)) {
        const line = text.slice(0, m.index!).split('\n').length;
        found.push({ file, line, text: (ctx.files.read(file) ?? '').split('\n')[line - 1]!.trim() });
      }
    }
  }
  return found;
}

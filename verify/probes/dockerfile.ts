// A Dockerfile read for static checks (dockerfile-ast): stages, instructions with line
// numbers, the few facts the rules need (base images with build ARGs resolved, user,
// command form), and the mistakes that stop `docker build` before any rule matters.
import { DockerfileParser } from 'dockerfile-ast';
import type { FilesProbe } from './files.ts';

export interface Instruction {
  keyword: string;
  args: string;
  /** 1-based, for `Dockerfile:12` in messages. */
  line: number;
}

export interface Stage {
  /** The base image with the ARGs declared before the first FROM resolved: `node:22.12.0-alpine`. */
  image: string;
  /** As written after FROM (without flags and `AS name`): `node:${NODE_VERSION}-alpine`. */
  written: string;
  /** ARGs the reference uses that have no default here: their value is only known at build time. */
  unresolved: string[];
  name?: string;
  tag?: string;
  digest?: string;
  line: number;
  instructions: Instruction[];
}

export interface SyntaxProblem {
  line: number;
  text: string;
}

export interface ParsedDockerfile {
  stages: Stage[];
  /** The stage that becomes the image. */
  final: Stage;
  /** What `docker build` would refuse (or silently read another way), in file order. */
  syntax: SyntaxProblem[];
}

const KEYWORDS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'MAINTAINER',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);
/** Instructions whose arguments may be a JSON array (exec form). */
const JSON_FORM = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'VOLUME']);

export function readDockerfile(files: FilesProbe, rel = 'Dockerfile'): ParsedDockerfile | undefined {
  const text = files.read(rel);
  if (text === undefined) return undefined;
  const doc = DockerfileParser.parse(text);
  const stages: Stage[] = [];
  const globalArgs = new Map<string, string | undefined>();
  const syntax: SyntaxProblem[] = [];
  for (const inst of doc.getInstructions()) {
    const keyword = inst.getKeyword().toUpperCase();
    const line = inst.getRange().start.line + 1;
    const args = inst.getArgumentsContent() ?? '';
    const problem = syntaxProblem(keyword, args, stages.length === 0);
    if (problem) syntax.push({ line, text: problem });
    if (keyword === 'FROM') {
      const written = args.split(/\s+/)[0] ?? '';
      const { value: image, unresolved } = expandArgs(written, globalArgs);
      const ref = parseImageRef(image);
      stages.push({ image, written, unresolved, name: /\s+as\s+(\S+)/i.exec(args)?.[1], tag: ref.tag, digest: ref.digest, line, instructions: [] });
    } else if (stages.length === 0 && keyword === 'ARG') {
      // ARGs before the first FROM are the only ones a FROM line can use.
      for (const [name, value] of argDeclarations(args)) globalArgs.set(name, value);
    } else {
      stages.at(-1)?.instructions.push({ keyword, args, line });
    }
  }
  if (!stages.length) return undefined;
  return { stages, final: stages.at(-1)!, syntax };
}

/** Why `docker build` would stop at this instruction (or read it otherwise than it looks); undefined when fine. */
function syntaxProblem(keyword: string, args: string, beforeFirstFrom: boolean): string | undefined {
  if (!KEYWORDS.has(keyword)) return `unknown instruction ${keyword}: docker build stops here`;
  if (beforeFirstFrom && keyword !== 'FROM' && keyword !== 'ARG') return `${keyword} before the first FROM: only ARG may come before it`;
  if (!args.trim()) return `${keyword} without arguments: docker build stops here`;
  if (JSON_FORM.has(keyword) && args.trim().startsWith('[') && !isExecForm(args)) {
    return `${keyword} ${args.trim()}: starts like a JSON array but is not valid JSON, so Docker runs it through /bin/sh -c as one shell command`;
  }
  if (keyword === 'SHELL' && !isExecForm(args)) return 'SHELL needs a JSON array, such as ["/bin/sh", "-c"]';
  if (keyword === 'COPY' || keyword === 'ADD') {
    const operands = isExecForm(args)
      ? (JSON.parse(args) as string[])
      : args
          .trim()
          .split(/\s+/)
          .filter((a) => !a.startsWith('--'));
    if (operands.length < 2) return `${keyword} needs a source and a destination (got "${args.trim()}")`;
  }
  if (keyword === 'FROM') {
    const words = args
      .trim()
      .split(/\s+/)
      .filter((a) => !a.startsWith('--'));
    if (!(words.length === 1 || (words.length === 3 && /^as$/i.test(words[1]!)))) return `FROM ${args.trim()}: expected FROM <image> [AS <name>]`;
  }
  return undefined;
}

/** `NAME=value`, `NAME="a b"` or a bare `NAME` (no default), as ARG declares them. */
function argDeclarations(args: string): Array<[string, string | undefined]> {
  return [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("[^"]*"|'[^']*'|\S*))?/g)].map((m) => [m[1]!, m[2]?.replace(/^["']|["']$/g, '')]);
}

/** Substitute `$NAME`, `${NAME}`, `${NAME:-default}` as the builder does in a FROM line. */
function expandArgs(text: string, args: Map<string, string | undefined>): { value: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const value = text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_, braced?: string, op?: string, word?: string, bare?: string) => {
      const name = (braced ?? bare)!;
      const set = args.get(name);
      if (op === '-') return set || word || '';
      if (op === '+') return set ? (word ?? '') : '';
      if (set === undefined) unresolved.push(name);
      return set ?? '';
    },
  );
  return { value, unresolved };
}

/** `registry:5000/repo/name:tag@sha256:…` → its tag and digest. */
export function parseImageRef(image: string): { repository: string; tag?: string; digest?: string } {
  const [named = '', digest] = image.split('@');
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  return { repository: hasTag ? named.slice(0, colon) : named, tag: hasTag ? named.slice(colon + 1) || undefined : undefined, digest: digest || undefined };
}

/** Whether a JSON-array (exec form) command: `["node", "src/server.js"]`. */
export function isExecForm(args: string): boolean {
  return execArgv(args) !== undefined;
}

/** The argv of an exec-form command, or undefined for shell form. */
export function execArgv(args: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

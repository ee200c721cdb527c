// Kubernetes manifests in the workspace (k8s/ by default), parsed with positions so a
// message can say `k8s/deployment.yaml:23 › spec.template.spec.containers[0].image`.
// YAML that cannot be parsed at all is the learner's to fix (exit 1): the first check
// that reads it fails with the parser's line and a code frame, the others wait on it.
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { syntaxError } from '../core/code-frame.ts';

export interface Manifest {
  /** Relative to the workspace: `k8s/deployment.yaml`. */
  file: string;
  kind: string;
  apiVersion: string;
  name: string;
  namespace?: string;
  /** The object as plain JSON. */
  object: Record<string, unknown>;
  /** 1-based line of a field path in its file (the nearest existing parent when the field is absent). */
  lineOf(fieldPath: Array<string | number>): number;
}

export class ManifestsProbe {
  private cache = new Map<string, Manifest[]>();

  constructor(private readonly workspace: string) {}

  /** Every object in `dir`'s *.yaml / *.yml files (recursively), in file order. Empty when the folder is missing. */
  load(dir = 'k8s'): Manifest[] {
    const cached = this.cache.get(dir);
    if (cached) return cached;
    const root = path.join(this.workspace, dir);
    const files = fs.existsSync(root) ? walk(root).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
    const out = files.flatMap((abs) => parseFile(abs, path.relative(this.workspace, abs).split(path.sep).join('/')));
    this.cache.set(dir, out);
    return out;
  }

  find(kind: string, dir?: string): Manifest[] {
    return this.load(dir).filter((m) => m.kind === kind);
  }
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function parseFile(abs: string, rel: string): Manifest[] {
  const counter = new LineCounter();
  const text = fs.readFileSync(abs, 'utf8');
  const docs = parseAllDocuments(text, { lineCounter: counter });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: Manifest[] = [];
  for (const doc of list as Document[]) {
    const error = doc.errors[0];
    if (error) {
      // The learner's file, not the machine: the first check that reads it fails with the line (exit 1).
      const pos = error.linePos?.[0] ?? { line: 1, col: 1 };
      throw syntaxError(rel, text, { line: pos.line, column: pos.col }, 'YAML', error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''));
    }
    const object = doc.toJS() as Record<string, unknown> | null;
    if (!object || typeof object !== 'object') continue;
    const meta = (object.metadata ?? {}) as { name?: string; namespace?: string };
    out.push({
      file: rel,
      kind: String(object.kind ?? ''),
      apiVersion: String(object.apiVersion ?? ''),
      name: String(meta.name ?? ''),
      namespace: meta.namespace,
      object,
      lineOf: (fieldPath) => {
        for (let n = fieldPath.length; n >= 0; n--) {
          const node = doc.getIn(fieldPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
          const pair = n > 0 ? keyNode(doc, fieldPath.slice(0, n)) : undefined;
          const offset = pair ?? node?.range?.[0];
          if (offset !== undefined) return counter.linePos(offset).line;
        }
        return 1;
      },
    });
  }
  return out;
}

/** Offset of the key of the last path element (so a line points at `replicas:`, not its value). */
function keyNode(doc: Document, fieldPath: Array<string | number>): number | undefined {
  const parent = fieldPath.length > 1 ? doc.getIn(fieldPath.slice(0, -1), true) : doc.contents;
  const last = fieldPath.at(-1);
  if (isMap(parent)) {
    const item = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === last);
    return (item?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
  }
  if (isSeq(parent) && typeof last === 'number') return (parent.items[last] as { range?: [number, number, number] } | undefined)?.range?.[0];
  return undefined;
}

/** `spec.template.spec.containers[0].image` for messages. */
export function formatPath(fieldPath: Array<string | number>): string {
  return fieldPath.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

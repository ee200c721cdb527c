// Read-only view of the workspace for static checks: list, read and search text files,
// always reporting `file:line` so a message can point at the exact place.
import fs from 'node:fs';
import path from 'node:path';
import { findingLine } from '../core/finding.ts';
import { isRuntimeEntry } from '../core/workspace.ts';

export interface Match {
  file: string;
  line: number;
  text: string;
}

const TEXT_EXTENSIONS = new Set([
  '.js',
  '.cjs',
  '.mjs',
  '.ts',
  '.cts',
  '.mts',
  '.json',
  '.md',
  '.yaml',
  '.yml',
  '.html',
  '.ejs',
  '.hbs',
  '.pug',
  '.sh',
  '.txt',
  '.env',
  '.example',
  '.conf',
  '.toml',
  '.ini',
  '.sql',
  '',
]);
const MAX_FILE_BYTES = 512 * 1024;

export class FilesProbe {
  private listing?: string[];
  private cache = new Map<string, string | undefined>();

  constructor(readonly root: string) {}

  exists(rel: string): boolean {
    return fs.existsSync(path.join(this.root, rel));
  }

  read(rel: string): string | undefined {
    if (!this.cache.has(rel)) {
      try {
        this.cache.set(rel, fs.readFileSync(path.join(this.root, rel), 'utf8'));
      } catch {
        this.cache.set(rel, undefined);
      }
    }
    return this.cache.get(rel);
  }

  /** Every text file of the workspace (relative, `/`-separated), without node_modules, logs, uploads. */
  list(): string[] {
    if (!this.listing) {
      this.listing = [];
      const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const abs = path.join(dir, entry.name);
          const rel = path.relative(this.root, abs).split(path.sep).join('/');
          if (isRuntimeEntry(rel)) continue;
          if (entry.isDirectory()) walk(abs);
          else if (entry.isFile() && isText(entry.name) && fs.statSync(abs).size <= MAX_FILE_BYTES) this.listing!.push(rel);
        }
      };
      walk(this.root);
      this.listing.sort();
    }
    return this.listing;
  }

  /** Source code only (what runs), as opposed to docs and config. */
  sourceFiles(): string[] {
    return this.list().filter((f) => /\.(c|m)?(j|t)s$/.test(f));
  }

  /** All lines matching `pattern` in `files` (default: every text file). */
  search(pattern: RegExp, files: string[] = this.list()): Match[] {
    const flags = pattern.flags.replace('g', '');
    const re = new RegExp(pattern.source, flags);
    const matches: Match[] = [];
    for (const file of files) {
      const lines = (this.read(file) ?? '').split('\n');
      lines.forEach((text, i) => {
        if (re.test(text)) matches.push({ file, line: i + 1, text: text.trim() });
      });
    }
    return matches;
  }
}

function isText(name: string): boolean {
  if (name.startsWith('.env')) return true;
  return TEXT_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/** `src/db.js:4  const DB_PASSWORD = …` — for evidence lists. */
export function formatMatch(m: Match, max = 100): string {
  const text = m.text.length > max ? `${m.text.slice(0, max - 1)}…` : m.text;
  return findingLine({ where: `${m.file}:${m.line}`, message: text });
}

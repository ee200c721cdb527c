// Compiles verify/**/*.ts and lessons/*/*.ts (no tests, no fixtures) to JavaScript
// under node_modules/.cache/legacy-to-k8s-cli/, mirroring the tree, with relative
// `.ts` imports rewritten to `.js`. Rebuilds only when a source is newer than the last
// build or the set of files changed (a stamp file records both).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'node_modules', '.cache', 'legacy-to-k8s-cli');
const STAMP = path.join(OUT, '.stamp.json');
// test/fake-course: the tests' three-lesson course (WORKSHOP_LESSONS_DIR), compiled too so the
// CLI tests run it through this entry point; always included, so the build never flips between runs.
const SOURCE_DIRS = ['verify', 'lessons', 'test/fake-course'];

function sources() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'fixtures' && entry.name !== 'node_modules') walk(abs);
      } else if (/\.(ts|cjs|html)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        files.push({ abs, mtimeMs: fs.statSync(abs).mtimeMs });
      }
    }
  };
  for (const d of SOURCE_DIRS) if (fs.existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  return files.sort((a, b) => a.abs.localeCompare(b.abs));
}

function isFresh(files) {
  try {
    const stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
    return stamp.files === files.map((f) => f.abs).join('\n') && files.every((f) => f.mtimeMs <= stamp.builtAt);
  } catch {
    return false;
  }
}

const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g;

export async function ensureBuilt() {
  const files = sources();
  if (isFresh(files)) return OUT;
  const builtAt = Date.now();
  const { build } = await import('esbuild');
  const ts = files.filter((f) => f.abs.endsWith('.ts')).map((f) => f.abs);
  const result = await build({
    entryPoints: ts,
    outdir: OUT,
    outbase: ROOT,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  });
  // Write a fresh tree next to the old one and swap, so two commands started at once
  // (watch mode plus a terminal) never import from a half-written tree.
  const fresh = `${OUT}.${process.pid}`;
  fs.rmSync(fresh, { recursive: true, force: true });
  for (const file of result.outputFiles) {
    const dest = path.join(fresh, path.relative(OUT, file.path));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, file.text.replace(RELATIVE_TS, '$1$2.js$3'));
  }
  // Non-TypeScript files (the listen spy, the classroom and web pages) are copied as they are.
  for (const f of files.filter((x) => !x.abs.endsWith('.ts'))) {
    const dest = path.join(fresh, path.relative(ROOT, f.abs));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(f.abs, dest);
  }
  fs.writeFileSync(path.join(fresh, '.stamp.json'), JSON.stringify({ builtAt, files: files.map((f) => f.abs).join('\n') }));
  const old = `${OUT}.old.${process.pid}`;
  try {
    if (fs.existsSync(OUT)) fs.renameSync(OUT, old);
    fs.renameSync(fresh, OUT);
  } catch {
    // Another command swapped its build in first; it was built from the same sources.
  }
  fs.rmSync(old, { recursive: true, force: true });
  fs.rmSync(fresh, { recursive: true, force: true });
  return OUT;
}

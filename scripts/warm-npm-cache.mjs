#!/usr/bin/env node
// Runs after `npm install` in the repository (postinstall): puts into npm's cache every
// package the app's own installs ask for, so the lessons work offline afterwards. Lesson 06
// runs `npm install --package-lock-only` inside legacy-app/: that needs each package's
// metadata (which versions exist), and the repository's own `npm ci` never fetches
// metadata, only tarballs. `npm cache add` fetches both.
// Never fails the install: offline or behind a broken proxy it says so in one line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.WORKSHOP_SKIP_CACHE_WARM) process.exit(0);

/** `name@version` for every package of every solution's lockfile, `name@range` for every dependency of the others. */
function specs() {
  const out = new Set();
  const solutions = path.join(root, 'solutions');
  for (const dir of fs.existsSync(solutions) ? fs.readdirSync(solutions) : []) {
    const lock = path.join(solutions, dir, 'package-lock.json');
    const pkg = path.join(solutions, dir, 'package.json');
    if (fs.existsSync(lock)) {
      for (const [where, entry] of Object.entries(JSON.parse(fs.readFileSync(lock, 'utf8')).packages ?? {})) {
        if (!where || !entry.version || entry.link) continue;
        const name = entry.name ?? where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
        out.add(`${name}@${entry.version}`);
      }
    } else if (fs.existsSync(pkg)) {
      for (const [name, range] of Object.entries(JSON.parse(fs.readFileSync(pkg, 'utf8')).dependencies ?? {})) out.add(`${name}@${range}`);
    }
  }
  return [...out].sort();
}

const list = specs();
// --prefer-offline: what is cached already is not fetched again, so a second install is quick.
const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
const r = spawnSync(npm[0], [...npm[1], 'cache', 'add', '--prefer-offline', '--no-audit', '--no-fund', ...list], {
  stdio: ['ignore', 'ignore', 'pipe'],
  encoding: 'utf8',
});
if (r.status === 0) {
  process.stdout.write(`workshop: ${list.length} packages the lessons install are in npm's cache; the lessons work offline.\n`);
} else {
  const reason = (r.stderr || r.error?.message || '').split('\n').find((l) => /error/i.test(l)) ?? `npm cache add exited ${r.status}`;
  process.stdout.write(
    `workshop: could not cache the lessons' packages (${reason.trim()}); lesson 06 will need the network. Retry: node scripts/warm-npm-cache.mjs\n`,
  );
}

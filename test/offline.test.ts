// Offline means offline: after `npm install` in the repository (its postinstall warms npm's
// cache), the app's own install of lesson 06 works with the network cut (npm --offline).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../verify/core/paths.ts';
import { tempDir } from './helpers/workspaces.ts';

test('lesson 06: npm install --package-lock-only works offline on the starting state', () => {
  const dir = tempDir('l2k-offline-');
  fs.copyFileSync(path.join(REPO_ROOT, 'solutions/05-admin-api/package.json'), path.join(dir, 'package.json'));
  const r = spawnSync('npm', ['install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, `${r.stdout}\n${r.stderr}\n(the cache is warmed by \`npm install\`'s postinstall: node scripts/warm-npm-cache.mjs)`).toBe(0);
  const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  expect(Object.keys(lock.packages)).toEqual(expect.arrayContaining(['node_modules/express', 'node_modules/connect-redis']));
});

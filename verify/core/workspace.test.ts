import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../../test/helpers/workspaces.ts';
import { isLocalConfig, isRuntimeEntry, replaceWorkspace } from './workspace.ts';

test('what counts as run-time output or local configuration', () => {
  expect(isRuntimeEntry('node_modules/express/index.js')).toBe(true);
  expect(isRuntimeEntry('src/.git/HEAD')).toBe(true);
  expect(isRuntimeEntry('logs/app.log')).toBe(true);
  expect(isRuntimeEntry('uploads/1')).toBe(true);
  // A learner's own modules named like the app's output folders are code.
  expect(isRuntimeEntry('src/logs/index.js')).toBe(false);
  expect(isRuntimeEntry('src/uploads.js')).toBe(false);
  expect(isLocalConfig('.env')).toBe(true);
  expect(isLocalConfig('.env.local')).toBe(true);
  expect(isLocalConfig('.env.example')).toBe(false);
  expect(isLocalConfig('.env.cluster.example')).toBe(false);
  expect(isLocalConfig('.env.cluster')).toBe(true);
});

test("replaceWorkspace swaps the code but keeps node_modules and the learner's .env", () => {
  const ws = tempDir();
  const source = tempDir();
  fs.mkdirSync(path.join(ws, 'node_modules/x'), { recursive: true });
  fs.writeFileSync(path.join(ws, '.env'), 'MINE=1\n');
  fs.writeFileSync(path.join(ws, 'old.js'), 'old');
  fs.mkdirSync(path.join(source, 'src'));
  fs.writeFileSync(path.join(source, 'src/new.js'), 'new');
  fs.writeFileSync(path.join(source, '.env'), 'SOLUTION=1\n');
  replaceWorkspace(ws, source);
  expect(fs.readdirSync(ws).sort()).toEqual(['.env', 'node_modules', 'src']);
  expect(fs.readFileSync(path.join(ws, '.env'), 'utf8')).toBe('MINE=1\n');
  expect(fs.readFileSync(path.join(ws, 'src/new.js'), 'utf8')).toBe('new');
});

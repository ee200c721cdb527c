import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { DEFAULT_WORKSPACE } from './paths.ts';
import { workspaceText } from './message-paths.ts';

test("a private copy's path becomes the workspace; legacy-app becomes DIR only for another workspace", () => {
  const copy = path.join(os.tmpdir(), 'verify-ws-AbC123');
  expect(workspaceText(`Error: Cannot find module at ${copy}/src/config.js:3`, '/home/me/app')).toBe(
    'Error: Cannot find module at /home/me/app/src/config.js:3',
  );
  expect(workspaceText('Start it yourself (`cd legacy-app && npm start`); see legacy-app/src/db.js', '/home/me/app')).toBe(
    'Start it yourself (`cd /home/me/app && npm start`); see /home/me/app/src/db.js',
  );
  expect(workspaceText('cd legacy-app && npm start', DEFAULT_WORKSPACE)).toBe('cd legacy-app && npm start');
});

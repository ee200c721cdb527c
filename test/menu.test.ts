// The lesson menu needs a real terminal: it runs inside tmux (its own server, killed
// afterwards), and the test reads the screen and presses keys like a learner.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../verify/core/paths.ts';
import { tempDir } from './helpers/workspaces.ts';

test('npm run lesson on a terminal: a menu, arrow keys, Enter starts the lesson and shows it in a pager', async () => {
  const home = tempDir('l2k-menu-');
  const state = path.join(home, 'state.json');
  const socket = `l2k-${process.pid}-${Date.now()}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-t', 'menu');
  const waitFor = async (text: string | RegExp) => {
    for (let i = 0; i < 100; i++) {
      const s = screen();
      if (typeof text === 'string' ? s.includes(text) : text.test(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`never saw ${text} on the screen:\n${screen()}`);
  };
  const command = `cd ${REPO_ROOT} && WORKSHOP_STATE_FILE=${state} WORKSHOP_HOME=${home} ${process.execPath} bin/workshop.mjs lesson; sleep 30`;
  tmux('new-session', '-d', '-s', 'menu', '-x', '120', '-y', '50', command);
  try {
    const menu = await waitFor('Which lesson do you want to work on?');
    expect(menu).toMatch(/00 Set up and meet Teamnotes/);
    tmux('send-keys', '-t', 'menu', 'Down');
    await waitFor(/❯ .*01 Extract configuration/);
    tmux('send-keys', '-t', 'menu', 'Enter');
    // A lesson longer than the screen opens in a pager: the closing line comes after q.
    const paged = await waitFor(/Extract configuration\n═+/);
    expect(paged).not.toContain('When you are done');
    tmux('send-keys', '-t', 'menu', 'q');
    await waitFor('When you are done: npm run verify');
    expect(JSON.parse(fs.readFileSync(state, 'utf8')).current).toBe('extract-config');
  } finally {
    tmux('kill-server');
  }
});

// `npm run bench`: how long learners wait, as ratios against a floor measured in the
// same run (`node -e 0`), so numbers from different machines compare. Prints a table;
// asserts nothing (speed is measured here, never in a timed test).
//   verify 01      `npm run verify -- 1 --workspace <solution 01> --json`, median of N runs
//   lesson 1       `npm run lesson 1` until its first byte of output, median of N runs
// npm itself costs a few hundred milliseconds before our code runs; `npm run bench:floor`
// (a script that is just `node -e 0`) measures that, so the table shows both.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listLessons } from '../verify/core/lessons.ts';
import { REPO_ROOT } from '../verify/core/paths.ts';
import { copyTree, linkDependencies } from '../verify/core/workspace.ts';
import { startBackingServices } from '../verify/services/backing.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const GOALS = { verify: 2000, lesson: 400 };

/** Milliseconds until the process exits, or (firstOutput) until it first writes to stdout. */
function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv, firstOutput = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'ignore'] });
    let settled = false;
    const done = () => {
      if (!settled) resolve(performance.now() - started);
      settled = true;
    };
    if (firstOutput) child.stdout.once('data', done);
    child.stdout.resume();
    child.once('exit', (code) => (code !== null && code > 1 && !settled ? reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`)) : done()));
  });
}

async function median(label: string, measure: () => Promise<number>): Promise<number> {
  await measure(); // warm-up: file cache, tsx's transform cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await measure());
  times.sort((a, b) => a - b);
  const m = times[Math.floor(times.length / 2)]!;
  process.stderr.write(`  ${label}: ${times.map((t) => t.toFixed(0)).join(' ')} ms\n`);
  return m;
}

const services = await startBackingServices();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2k-bench-'));
try {
  const lesson1 = listLessons().find((l) => l.index === 1)!;
  const workspace = path.join(tmp, 'ws');
  copyTree(lesson1.solutionDir, workspace);
  linkDependencies(workspace);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...services.urls,
    NO_COLOR: '1',
    WORKSHOP_STATE_FILE: path.join(tmp, 'state.json'),
    WORKSHOP_HOME: path.join(tmp, 'home'),
  };
  process.stderr.write(`Measuring (${RUNS} runs each, after one warm-up) on ${os.cpus().length} cores…\n`);
  const floor = await median('node -e 0', () => timeCommand(process.execPath, ['-e', '0'], env));
  const npmFloor = await median('npm run bench:floor', () => timeCommand('npm', ['run', '-s', 'bench:floor'], env));
  const verify = await median('verify 01', () => timeCommand('npm', ['run', '-s', 'verify', '--', '1', '--workspace', workspace, '--json'], env));
  const lesson = await median('lesson 1 (first output)', () => timeCommand('npm', ['run', '-s', 'lesson', '1'], env, true));
  const lessonDirect = await median('lesson 1 without npm', () => timeCommand(process.execPath, ['bin/workshop.mjs', 'lesson', '1'], env, true));

  const row = (name: string, ms: number, goal?: number) =>
    `| ${name.padEnd(30)} | ${ms.toFixed(0).padStart(6)} ms | ${(ms / floor).toFixed(1).padStart(6)}× | ${goal ? `${ms <= goal ? '✔' : '✖'} ≤ ${goal} ms` : ''}`;
  console.log(`\n| measured (median)              |    time   |  ratio  | goal`);
  console.log(`|--------------------------------|-----------|---------|-----------`);
  console.log(row('floor: node -e 0', floor));
  console.log(row('floor: npm run (node -e 0)', npmFloor));
  console.log(row('npm run verify -- 1 (code+app)', verify, GOALS.verify));
  console.log(row('npm run lesson 1 → 1st output', lesson, GOALS.lesson));
  console.log(row('  same without npm', lessonDirect));
} finally {
  await services.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

// `npm run bench`: how long learners wait, as ratios against a floor measured in the
// same run (`node -e 0`), so numbers from different machines compare. Prints a table;
// asserts nothing (speed is measured here, never in a timed test).
//   verify NN      `npm run verify -- N --workspace <solution N> --json` for lessons 01, 03, 04 and 07 (--no-cluster), median of N runs
//   lesson 1       `npm run lesson 1` until its first byte of output, median of N runs
//   throughput     GET / on the lesson-05 solution vs the legacy app, autocannon, one run each, side by side
// npm itself costs a few hundred milliseconds before our code runs; `npm run bench:floor`
// (a script that is just `node -e 0`) measures that, so the table shows both.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listLessons } from '../verify/core/lessons.ts';
import { REPO_ROOT } from '../verify/core/paths.ts';
import { copyTree, linkDependencies } from '../verify/core/workspace.ts';
import autocannon from 'autocannon';
import { startApp } from '../verify/probes/app.ts';
import { Cleanup } from '../verify/probes/cleanup.ts';
import { freePort } from '../verify/probes/ports.ts';
import { startBackingServices } from '../verify/services/backing.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 8);
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
/** A runnable copy of a lesson's solution in the bench's temp dir. */
function solutionCopy(index: number): string | undefined {
  const lesson = listLessons().find((l) => l.index === index);
  if (!lesson || !fs.existsSync(lesson.solutionDir)) return undefined;
  const dir = path.join(tmp, `ws-${index}`);
  copyTree(lesson.solutionDir, dir);
  linkDependencies(dir);
  return dir;
}

/** Requests per second on GET / of the app in `dir`, under autocannon (10 connections). */
async function throughput(dir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const cleanup = new Cleanup();
  try {
    const port = await freePort();
    // The legacy app ignores PORT; the listen spy moves its hard-coded 3000 to our port.
    const started = await startApp(dir, { env: { ...env, PORT: String(port), SESSION_SECRET: 'bench', ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef0123456789', LOG_LEVEL: 'info' }, remapPorts: { 3000: port } }, cleanup);
    if (!started.ports.length) throw new Error(`the app in ${dir} did not start: ${started.app.tail(3).join(' / ')}`);
    const result = await autocannon({ url: `http://127.0.0.1:${started.ports[0]}/`, connections: 10, duration: LOAD_SECONDS });
    return result.requests.average;
  } finally {
    await cleanup.run();
  }
}

try {
  const workspace = solutionCopy(1)!;
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
  const laterVerifies: Array<[string, number]> = [];
  // 03 and 04 run the app (behaviour); 07 is the manifest layer alone (schema, cross-object rules).
  for (const [index, extra] of [[3, []], [4, []], [7, ['--no-cluster']]] as Array<[number, string[]]>) {
    const dir = solutionCopy(index);
    if (!dir) continue;
    const n = String(index).padStart(2, '0');
    const label = `npm run verify -- ${index}${extra.length ? ` ${extra.join(' ')}` : ''}`;
    laterVerifies.push([label, await median(`verify ${n}`, () => timeCommand('npm', ['run', '-s', 'verify', '--', String(index), '--workspace', dir, '--json', ...extra], env))]);
  }
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
  for (const [name, ms] of laterVerifies) console.log(row(name, ms));

  const migrated = solutionCopy(5);
  if (migrated) {
    process.stderr.write(`Load: GET / for ${LOAD_SECONDS} s each, 10 connections…\n`);
    const legacyRps = await throughput(solutionCopy(0)!, env);
    const migratedRps = await throughput(migrated, env);
    console.log(`\n| throughput, GET / (${LOAD_SECONDS} s, 10 connections) | req/s  | vs legacy | goal`);
    console.log(`|------------------------------------|--------|-----------|-----------`);
    console.log(`| legacy app (lesson 00)             | ${legacyRps.toFixed(0).padStart(6)} |    100 %  |`);
    const pct = (100 * migratedRps) / legacyRps;
    console.log(`| migrated app (lesson 05)           | ${migratedRps.toFixed(0).padStart(6)} | ${pct.toFixed(0).padStart(6)} %  | ${pct >= 80 ? '✔' : '✖'} ≥ 80 %`);
  }
} finally {
  await services.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

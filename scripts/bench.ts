// `npm run bench`: how long learners wait, to process exit, as ratios against a floor
// measured in the same run (`node -e 0`), so numbers from different machines compare.
// Prints a table beside the goals; asserts nothing (speed is measured here, never in a timed test).
//   verify 01/03/13  `npm run verify -- N --workspace <solution N> --json --no-cluster`, median of N runs
//   hint             `npm run hint` on a failing workspace verified just before (the saved report answers)
//   lesson N         `npm run lesson 1` against an empty npm script (`npm run bench:floor`)
//   throughput       GET / on the lesson-05 solution vs the legacy app, autocannon, one run each, side by side
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
    const started = await startApp(
      dir,
      {
        env: { ...env, PORT: String(port), SESSION_SECRET: 'bench', ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef0123456789', LOG_LEVEL: 'info' },
        remapPorts: { 3000: port },
      },
      cleanup,
    );
    if (!started.ports.length) throw new Error(`the app in ${dir} did not start: ${started.app.tail(3).join(' / ')}`);
    const result = await autocannon({ url: `http://127.0.0.1:${started.ports[0]}/`, connections: 10, duration: LOAD_SECONDS });
    return result.requests.average;
  } finally {
    await cleanup.run();
  }
}

/** The goals of the "learner loop" issue, with the figures measured when it was filed (idle machine). */
const LOOP_GOALS: Array<{ what: string; before: string; goalMs?: number; goalRatioOfNpm?: number }> = [
  { what: 'verify 01', before: '7.3 s', goalMs: 1500 },
  { what: 'verify 03', before: '11.9 s', goalMs: 4000 },
  { what: 'verify 13', before: '33 s', goalMs: 12_000 },
  { what: 'hint, workspace unchanged', before: '8–11 s', goalMs: 500 },
  { what: 'npm run lesson N', before: '1.35× npm run', goalRatioOfNpm: 1.2 },
];

try {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...services.urls,
    NO_COLOR: '1',
    WORKSHOP_STATE_FILE: path.join(tmp, 'state.json'),
    WORKSHOP_HOME: path.join(tmp, 'home'),
  };
  const verifyOf = (index: number) => {
    const dir = solutionCopy(index);
    return dir ? () => timeCommand('npm', ['run', '-s', 'verify', '--', String(index), '--workspace', dir, '--json', '--no-cluster'], env) : undefined;
  };
  process.stderr.write(`Measuring (${RUNS} runs each, after one warm-up) on ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}…\n`);
  const floor = await median('node -e 0', () => timeCommand(process.execPath, ['-e', '0'], env));
  const npmFloor = await median('npm run bench:floor', () => timeCommand('npm', ['run', '-s', 'bench:floor'], env));
  const measured = new Map<string, number>();
  // Every figure is to process exit: a verify that prints and then lingers is a verify that lingers.
  for (const [what, index] of [
    ['verify 01', 1],
    ['verify 03', 3],
    ['verify 13', 13],
  ] as const) {
    const measure = verifyOf(index);
    if (measure) measured.set(what, await median(what, measure));
  }
  // A failing workspace, verified once: every hint after that is served from the saved report.
  const failing = solutionCopy(0)!;
  await timeCommand('npm', ['run', '-s', 'verify', '--', '1', '--workspace', failing, '--no-cluster'], env);
  measured.set(
    'hint, workspace unchanged',
    await median('hint (saved report)', () => timeCommand('npm', ['run', '-s', 'hint', '--', '1', '--workspace', failing, '--no-cluster'], env)),
  );
  measured.set('npm run lesson N', await median('npm run lesson 1', () => timeCommand('npm', ['run', '-s', 'lesson', '1'], env)));
  const verify07 = verifyOf(7);
  const manifests = verify07 ? await median('verify 07 (manifests only)', verify07) : undefined;

  console.log(`\n| what (median, to process exit) | before          | now        | × node -e 0 | goal`);
  console.log(`|--------------------------------|-----------------|------------|-------------|------------------`);
  console.log(`| floor: node -e 0               |                 | ${`${floor.toFixed(0)} ms`.padStart(10)} |        1.0× |`);
  console.log(
    `| floor: npm run (node -e 0)     |                 | ${`${npmFloor.toFixed(0)} ms`.padStart(10)} | ${`${(npmFloor / floor).toFixed(1)}×`.padStart(11)} |`,
  );
  for (const goal of LOOP_GOALS) {
    const ms = measured.get(goal.what);
    if (ms === undefined) continue;
    const met = goal.goalMs !== undefined ? ms <= goal.goalMs : ms / npmFloor <= goal.goalRatioOfNpm!;
    const target =
      goal.goalMs !== undefined ? `≤ ${(goal.goalMs / 1000).toFixed(1)} s` : `≤ ${goal.goalRatioOfNpm}× npm floor (now ${(ms / npmFloor).toFixed(2)}×)`;
    console.log(
      `| ${goal.what.padEnd(30)} | ${goal.before.padEnd(15)} | ${`${ms.toFixed(0)} ms`.padStart(10)} | ${`${(ms / floor).toFixed(1)}×`.padStart(11)} | ${met ? '✔' : '✖'} ${target}`,
    );
  }
  if (manifests !== undefined)
    console.log(
      `| verify 07 (manifest layer)     |                 | ${`${manifests.toFixed(0)} ms`.padStart(10)} | ${`${(manifests / floor).toFixed(1)}×`.padStart(11)} |`,
    );
  console.log(`\nGoals are for an idle machine; the load average when this ran was ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores.`);

  const migrated = solutionCopy(5);
  if (migrated) {
    process.stderr.write(`Load: GET / for ${LOAD_SECONDS} s each, 10 connections…\n`);
    const legacyRps = await throughput(solutionCopy(0)!, env);
    const migratedRps = await throughput(migrated, env);
    console.log(`\n| throughput, GET / (${LOAD_SECONDS} s, 10 connections) | req/s  | vs legacy | goal`);
    console.log(`|------------------------------------|--------|-----------|-----------`);
    console.log(`| legacy app (lesson 00)             | ${legacyRps.toFixed(0).padStart(6)} |    100 %  |`);
    const pct = (100 * migratedRps) / legacyRps;
    console.log(
      `| migrated app (lesson 05)           | ${migratedRps.toFixed(0).padStart(6)} | ${pct.toFixed(0).padStart(6)} %  | ${pct >= 80 ? '✔' : '✖'} ≥ 80 %`,
    );
  }
} finally {
  await services.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

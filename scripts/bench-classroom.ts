// Load benchmark of the classroom server, on loopback: N simulated learners each send a
// report every few seconds for a while (default 200 learners, every 5 s, for 2 minutes),
// while one dashboard listens on the live stream. Reports:
//   - ingest latency (POST → 202) p50 / p99 and the slowest,
//   - reports lost (sent but not answered 202, or never reflected in /api/learners),
//   - dashboard update latency: a report's POST → the first SSE snapshot that contains it.
// Goals (issue: the instructor's room): p99 < 100 ms, 0 lost. Run: npm run bench:classroom
// (BENCH_LEARNERS, BENCH_INTERVAL_S, BENCH_SECONDS override the defaults).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildReport } from '../verify/classroom/client.ts';
import { REPO_ROOT } from '../verify/core/paths.ts';

const LEARNERS = Number(process.env.BENCH_LEARNERS ?? 200);
const INTERVAL_S = Number(process.env.BENCH_INTERVAL_S ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 120);

// The real `npm run classroom` in its own process: the simulated laptops below must not
// share an event loop with the server they measure.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2k-bench-room-'));
const classroom = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/workshop.mjs'), 'classroom', '--port', '0', '--room', path.join(dir, 'room.json')], {
  env: { ...process.env, NO_COLOR: '1' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
  let out = '';
  classroom.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /(http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)/.exec(out);
    if (m) resolve({ url: m[1]!, token: m[2]! });
  });
  classroom.on('close', (code) => reject(new Error(`npm run classroom exited ${code}: ${out}`)));
});
const server = { url };
const auth = { authorization: `Bearer ${token}` };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};

// The dashboard: reads the SSE stream and notes when each learner's newest report shows up.
const sent = new Map<string, { at: string; postedAt: number }>();
const dashboardLatency: number[] = [];
const stream = await fetch(`${server.url}/api/events?token=${token}`);
const reader = stream.body!.getReader();
const decoder = new TextDecoder();
let buffered = '';
const seen = new Set<string>();
void (async () => {
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
    if (done) return;
    buffered += decoder.decode(value);
    let end;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (!data) continue;
      const now = performance.now();
      for (const l of (JSON.parse(data.slice(6)) as { learners: Array<{ name: string; lastSeen: string }> }).learners) {
        const s = sent.get(l.name);
        const key = `${l.name}@${l.lastSeen}`;
        if (s && s.at === l.lastSeen && !seen.has(key)) {
          seen.add(key);
          dashboardLatency.push(now - s.postedAt);
        }
      }
    }
  }
})();

const latencies: number[] = [];
let lost = 0;
let posted = 0;
const started = performance.now();
const deadline = started + SECONDS * 1000;

async function learner(i: number): Promise<void> {
  const name = `learner ${String(i).padStart(3, '0')}`;
  // Spread the learners over the interval, as a real room is.
  await new Promise((r) => setTimeout(r, (i / LEARNERS) * INTERVAL_S * 1000));
  let round = 0;
  while (performance.now() < deadline) {
    const failing = round % 3 !== 2;
    const body = buildReport(
      name,
      [
        {
          lesson: '03',
          ok: !failing,
          checks: [
            { id: '03.liveness-process-only', status: 'pass', severity: 'required', durationMs: 120 },
            { id: '03.readiness-fails-when-db-down', status: failing ? 'fail' : 'pass', severity: 'required', durationMs: 2400 },
            { id: '03.graceful-shutdown', status: 'pass', severity: 'required', durationMs: 3100 },
          ],
        },
      ],
      { '03.readiness-fails-when-db-down': round % 4 },
    );
    const t0 = performance.now();
    sent.set(name, { at: body.at, postedAt: t0 });
    posted++;
    try {
      const res = await fetch(`${server.url}/api/reports`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      latencies.push(performance.now() - t0);
      if (res.status !== 202) lost++;
      await res.arrayBuffer();
    } catch {
      lost++;
    }
    round++;
    await new Promise((r) => setTimeout(r, INTERVAL_S * 1000));
  }
}

console.log(`classroom load: ${LEARNERS} learners, a report every ${INTERVAL_S} s each, for ${SECONDS} s, on ${server.url}`);
await Promise.all(Array.from({ length: LEARNERS }, (_, i) => learner(i)));
await new Promise((r) => setTimeout(r, 1000));

// Every learner's newest report must be what the room shows.
const learners = (await (await fetch(`${server.url}/api/learners`, { headers: auth })).json()) as Array<{ name: string; lastSeen: string }>;
const shown = new Map(learners.map((l) => [l.name, l.lastSeen]));
const notReflected = [...sent].filter(([name, s]) => shown.get(name) !== s.at).length;
await reader.cancel().catch(() => {});
classroom.kill('SIGTERM');
await new Promise((r) => classroom.once('close', r));
fs.rmSync(dir, { recursive: true, force: true });

const p99 = pct(latencies, 99);
const rows = [
  ['reports sent', String(posted), ''],
  ['ingest latency p50', `${pct(latencies, 50).toFixed(1)} ms`, ''],
  ['ingest latency p99', `${p99.toFixed(1)} ms`, `goal < 100 ms ${p99 < 100 ? '✔' : '✖'}`],
  ['ingest latency max', `${Math.max(...latencies).toFixed(1)} ms`, ''],
  ['reports lost', String(lost + notReflected), `goal 0 ${lost + notReflected === 0 ? '✔' : '✖'}`],
  ['dashboard update p50', `${pct(dashboardLatency, 50).toFixed(0)} ms`, ''],
  ['dashboard update p99', `${pct(dashboardLatency, 99).toFixed(0)} ms`, ''],
];
for (const [what, value, goal] of rows) console.log(`  ${what!.padEnd(22)} ${value!.padStart(10)}  ${goal}`);
process.exitCode = p99 < 100 && lost + notReflected === 0 ? 0 : 1;

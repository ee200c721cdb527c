// The per-check context against real things: a check that runs out of its budget leaves
// no process and no open socket behind (a real child started by the process probe, a real
// loopback server that never answers); scenarios run once, under their own signal, in
// their declared order, and stop when no check needs them any more.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { toyCheck, toyLesson } from '../../test/helpers/toy-lesson.ts';
import { tempDir } from '../../test/helpers/workspaces.ts';
import { fail, pass, type CheckDefinition } from './check.ts';
import { poll, sleep } from './poll.ts';
import { runLesson, type RunEvent } from './runner.ts';
import { defineScenario } from './scenario.ts';
import { processAlive as alive } from './process-alive.ts';

const lesson = toyLesson('A lesson for testing the check context');
const check = (id: string, run: CheckDefinition['run'], extra: Partial<CheckDefinition> = {}) => toyCheck('behaviour', id, run, extra);

/** An app that listens on PORT and ignores SIGTERM: only a SIGKILL stops it. */
function stubbornApp(): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'toy', scripts: { start: 'node server.js' } }));
  fs.writeFileSync(
    path.join(dir, 'server.js'),
    `process.on('SIGTERM', () => {}); require('node:http').createServer(() => {}).listen(Number(process.env.PORT));`,
  );
  return dir;
}

/**
 * A loopback server that accepts requests and never answers. It counts the sockets still
 * open, and apart from them the ones that carried a request.
 */
async function silentServer() {
  const open = new Set<import('node:net').Socket>();
  const carrying = new Set<import('node:net').Socket>();
  let requests = 0;
  const server = http.createServer((req) => {
    requests++;
    carrying.add(req.socket);
  });
  server.on('connection', (socket) => {
    open.add(socket);
    socket.on('close', () => (open.delete(socket), carrying.delete(socket)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    get openSockets() {
      return open.size;
    },
    get requestSockets() {
      return carrying.size;
    },
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** Resolves with the report of check `id` as soon as the runner emits it. */
function doneOf(id: string) {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const onEvent = (e: RunEvent) => {
    if (e.kind === 'check-done' && e.report.id === `42.${id}`) resolve();
  };
  return { done, onEvent };
}

describe('a check over its budget', () => {
  test('leaves no child process and no socket with a request on it within 1 s; no socket at all soon after', { timeout: 30_000 }, async () => {
    const server = await silentServer();
    closers.push(server.close);
    const workspace = stubbornApp();
    let pid: number | undefined;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const hung = doneOf('hangs');

    const running = runLesson({
      lesson,
      workspace,
      onEvent: hung.onEvent,
      checks: [
        check(
          'hangs',
          async (ctx) => {
            const started = await ctx.app.start({ env: { PORT: String(await ctx.app.freePort()) } });
            pid = started.app.pid;
            await ctx.http(server.url).get('/never', { timeoutMs: 60_000 });
            return pass('never reached: the server does not answer');
          },
          { timeoutMs: 3000 },
        ),
        // Keeps the run (and its end-of-run cleanup) going while the test looks.
        check('keeps-the-run-going', async () => (await Promise.race([released, sleep(10_000)]), pass('released')), { timeoutMs: 15_000 }),
      ],
    });

    await hung.done;
    const afterBudget = Date.now();
    expect(pid).toBeDefined();
    expect(server.requests).toBe(1);
    const gone = await poll('the app to be gone', () => !alive(pid!), { timeout: 1000, interval: 20 });
    const closed = await poll('the request socket to close', () => server.requestSockets === 0, {
      timeout: Math.max(0, 1000 - (Date.now() - afterBudget)),
      interval: 20,
    });
    const within = Date.now() - afterBudget;
    // Node's fetch pool answers an aborted request by opening a spare connection that carries
    // nothing; it closes it after its own keep-alive timeout (4 s). Bounded, so it is asserted too.
    const idleClosed = await poll('every socket to close', () => server.openSockets === 0, { timeout: 6000, interval: 50 });
    release();
    const report = await running;

    expect(gone.ok, gone.message).toBe(true);
    expect(closed.ok, `${closed.message}: ${server.requestSockets} socket(s) with a request still open`).toBe(true);
    expect(within).toBeLessThanOrEqual(1000);
    expect(idleClosed.ok, idleClosed.message).toBe(true);
    expect(report.checks[0]!.outcome).toMatchObject({ status: 'fail', message: 'did not finish within 3 s' });
  });
});

describe('a check over its budget, talking to the cluster', () => {
  test('has its API read stopped within 1 s, while the restore in its finally still goes out', { timeout: 30_000 }, async () => {
    // An API server that accepts the request and never answers: the real one would have to
    // hang on purpose, so a loopback server stands in for it (what is tested is the client).
    const server = await silentServer();
    closers.push(server.close);
    const dir = tempDir();
    const kubeconfig = path.join(dir, 'config');
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{ name: silent, cluster: { server: '${server.url}', insecure-skip-tls-verify: true } }]`,
        'users: [{ name: someone, user: { token: not-a-real-token } }]',
        'contexts: [{ name: silent, context: { cluster: silent, user: someone } }]',
        'current-context: silent',
      ].join('\n'),
    );
    // client-node takes seconds to import on a busy machine: load it first, so the budget is
    // spent waiting on the API server, not on the import.
    await import('@kubernetes/client-node');
    const hung = doneOf('asks-the-cluster');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const running = runLesson({
      lesson,
      workspace: process.cwd(),
      kube: { kubeconfig, context: 'silent' },
      onEvent: hung.onEvent,
      checks: [
        check(
          'asks-the-cluster',
          async (ctx) => {
            try {
              await ctx.kube.get('apps/v1', 'Deployment', 'teamnotes');
              return pass('never: the API server does not answer');
            } finally {
              // What a disruptive check does: undo its change, even when its time ran out.
              void ctx.kube
                .delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'verify-scratch', namespace: 'default' } })
                .catch(() => undefined);
            }
          },
          { timeoutMs: 3000, layer: 'cluster' },
        ),
        check('keeps-the-run-going', async () => (await Promise.race([released, sleep(10_000)]), pass('released')), { timeoutMs: 15_000 }),
      ],
    });
    await hung.done;
    const asked = server.requests;
    // The read is aborted (its socket closes); the restore's request goes out after it.
    const [restored, closed] = await Promise.all([
      poll('the restore in the finally to reach the API server', () => server.requests > asked, { timeout: 1000, interval: 20 }),
      poll('the read request socket to close', () => server.requestSockets <= (server.requests > asked ? 1 : 0), { timeout: 1000, interval: 20 }),
    ]);
    release();
    const report = await running;
    expect(asked, `the check reached the API server (${report.checks[0]!.outcome.message})`).toBeGreaterThan(0);
    expect(closed.ok, `${closed.message}: ${server.requestSockets} socket(s) with a request still open (1 is the restore's)`).toBe(true);
    expect(restored.ok, restored.message).toBe(true);
  });
});

describe('scenarios', () => {
  test('run once, outlive the check that asked first, and are read by every check that asks', async () => {
    let runs = 0;
    const slow = defineScenario({
      name: 'slow',
      async run(ctx) {
        runs++;
        await ctx.sleep(600);
        return { signalAborted: ctx.signal.aborted };
      },
    });
    const report = await runLesson({
      lesson,
      workspace: process.cwd(),
      checks: [
        check('impatient', async (ctx) => (await ctx.scenario(slow), pass('never: out of budget first')), { timeoutMs: 200 }),
        check('patient', async (ctx) => {
          await sleep(50);
          const r = await ctx.scenario(slow);
          return r.signalAborted ? fail('the scenario ran under an aborted signal') : pass('read the scenario');
        }),
      ],
    });
    expect(runs).toBe(1);
    expect(report.checks.map((c) => [c.id, c.outcome.status, c.outcome.message])).toEqual([
      ['42.impatient', 'fail', 'did not finish within 200 ms'],
      ['42.patient', 'pass', 'read the scenario'],
    ]);
  });

  test('are stopped (signal, processes) once no check still needs them', { timeout: 20_000 }, async () => {
    const workspace = stubbornApp();
    let pid: number | undefined;
    let aborted: unknown;
    const forever = defineScenario({
      name: 'forever',
      async run(ctx) {
        ctx.signal.addEventListener('abort', () => (aborted = ctx.signal.reason));
        pid = (await ctx.app.start({ env: { PORT: String(await ctx.app.freePort()) } })).app.pid;
        await ctx.sleep(60_000);
      },
    });
    const gone = doneOf('asks');
    const running = runLesson({
      lesson,
      workspace,
      onEvent: gone.onEvent,
      checks: [
        check('asks', async (ctx) => (await ctx.scenario(forever), pass('never')), { timeoutMs: 3000, scenarios: [forever] }),
        check('other', async () => (await sleep(4500), pass('still running after the scenario was released')), { scenarios: [] }),
      ],
    });
    await gone.done;
    // The only check that asked is over and the other one declared it reads no scenario: nobody can need it.
    const stopped = await poll('the scenario app to be gone', () => pid !== undefined && !alive(pid), { timeout: 1000, interval: 20 });
    expect(String(aborted)).toMatch(/scenario forever stopped: no check still needs it/);
    expect(stopped.ok, stopped.message).toBe(true);
    await running;
  });

  test('live on while a check still to finish may read them (it declared nothing, or declared them)', async () => {
    let aborted = false;
    const app = defineScenario({
      name: 'app',
      async run(ctx) {
        ctx.signal.addEventListener('abort', () => (aborted = true));
        return 'started';
      },
    });
    const report = await runLesson({
      lesson,
      workspace: process.cwd(),
      checks: [
        check('first', async (ctx) => pass(await ctx.scenario(app)), { scenarios: [app] }),
        // Still running when `first` is done, and only then asks: the scenario must still be there.
        check('late', async (ctx) => {
          await sleep(300);
          return aborted ? fail('the scenario was stopped before this check asked') : pass(`read ${await ctx.scenario(app)}`);
        }),
      ],
    });
    expect(report.checks.map((c) => c.outcome.message)).toEqual(['started', 'read started']);
    expect(aborted, 'stopped at the end of the run').toBe(true);
  });

  test('a check that reads a scenario it does not declare is a bug in the lesson, reported as such', async () => {
    const s = defineScenario({ name: 'undeclared', run: async () => 1 });
    const other = defineScenario({ name: 'other', run: async () => 2 });
    const report = await runLesson({
      lesson,
      workspace: process.cwd(),
      checks: [check('reads', async (ctx) => pass(String(await ctx.scenario(s))), { scenarios: [other] })],
    });
    expect(report.broken?.message).toMatch(/Internal error in check 42\.reads: check reads reads scenario undeclared but does not list it in its scenarios/);
  });

  test('start after the scenarios they are declared after', async () => {
    const order: string[] = [];
    const first = defineScenario({ name: 'first', run: async (ctx) => (await ctx.sleep(100), order.push('first done'), 1) });
    const second = defineScenario({ name: 'second', after: [first], run: async () => (order.push('second started'), 2) });
    const report = await runLesson({
      lesson,
      workspace: process.cwd(),
      checks: [
        check('second', async (ctx) => pass(String(await ctx.scenario(second)))),
        check('first', async (ctx) => (await sleep(20), pass(String(await ctx.scenario(first))))),
      ],
    });
    expect(order).toEqual(['first done', 'second started']);
    expect(report.checks.map((c) => c.outcome.message)).toEqual(['2', '1']);
  });
});

describe('ctx.poll', () => {
  test('a wait that runs out names what it waited for and the last observation', async () => {
    let n = 0;
    const r = await poll('GET /readyz to answer 200', () => `503 #${++n}`, { until: (v) => v.startsWith('200'), timeout: 120, interval: 30 });
    expect(r.ok).toBe(false);
    expect(r.value).toBe(`503 #${n}`);
    expect(r.message).toBe(`waited 120 ms for GET /readyz to answer 200 (last: 503 #${n})`);
  });

  test('stops at once when its signal fires', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('budget')), 50);
    const started = Date.now();
    await expect(poll('never', () => false, { timeout: 10_000, interval: 5_000, signal: controller.signal })).rejects.toThrow('budget');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

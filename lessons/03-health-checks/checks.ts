import { defineCheck, fail, pass } from '../../verify/lesson-api.ts';
import {
  healthApp,
  healthAppScenario,
  NOTICE_MS,
  outage,
  postgresOutage,
  redisOutage,
  show,
  shutdown,
  shutdownScenario,
  SHUTDOWN_DELAY_SECONDS,
} from './scenarios.ts';

/** A readiness probe's default timeoutSeconds is 1; allow some slack for a busy laptop. */
const READY_BUDGET_MS = 2000;

export default [
  defineCheck({
    id: 'liveness-ok',
    title: 'GET /livez answers 200',
    severity: 'required',
    layer: 'behaviour',
    learn: '#1-a-liveness-endpoint-that-depends-on-nothing',
    timeoutMs: 35_000,
    scenarios: [healthAppScenario],
    hints: [
      'The verifier starts your app and asks GET /livez.',
      'Liveness answers one question: is this process able to answer at all? Return 200 without touching Postgres or Redis.',
      "app.get('/livez', (req, res) => res.json({ status: 'ok' }));",
    ],
    // What else is correct: 200 with any body (JSON, text), any router layout; the path
    // is fixed because lesson 07's probes use it. Still caught: a missing route (404), one that
    // depends on a dependency at start (503 while starting).
    async run(ctx) {
      const app = await healthApp(ctx);
      if (app.problem) return fail(app.problem, { evidence: app.result.app.tail() });
      return app.firstLive.status === 200
        ? pass(`GET /livez → ${show(app.firstLive)}`)
        : fail(`GET /livez → ${show(app.firstLive)}`, {
            expected: '200',
            why: "Kubernetes restarts a container whose liveness probe fails; without the endpoint it can't tell a hung process from a healthy one.",
            fix: "Add app.get('/livez', …) that answers 200 and depends on nothing else.",
          });
    },
  }),
  defineCheck({
    id: 'readiness-ok',
    title: 'GET /readyz answers 200 once the app can serve',
    severity: 'required',
    layer: 'behaviour',
    learn: '#2-a-readiness-endpoint-that-checks-dependencies-quickly',
    timeoutMs: 35_000,
    scenarios: [healthAppScenario],
    hints: [
      'The verifier polls GET /readyz for up to 10 s after start-up and expects 200 when Postgres and Redis are fine.',
      'Readiness answers: can I take traffic now? Check Postgres (SELECT 1) and Redis (PING), each with a short timeout; 200 when both answer, 503 otherwise.',
    ],
    // What else is correct: 200 with any body once Postgres and Redis answer, after up to 10 s
    // of start-up (503 until then is right). Still caught: never ready, no route.
    async run(ctx) {
      const app = await healthApp(ctx);
      if (app.problem) return fail(app.problem, { evidence: app.result.app.tail() });
      return app.ready.status === 200
        ? pass(`GET /readyz → ${show(app.ready)}`)
        : fail(`GET /readyz → ${show(app.ready)}${app.ready.status === 503 ? ' (still, after 10 s of start-up)' : ''}`, {
            expected: '200 while Postgres and Redis answer',
            why: 'A Service sends traffic only to pods whose readiness probe passes: without it, a pod gets requests before it can serve them.',
            fix: "Add app.get('/readyz', …): ping Postgres and Redis with a timeout, answer 200 or 503.",
            evidence: app.result.app.tail(4),
          });
    },
  }),
  defineCheck({
    id: 'readiness-fails-when-db-down',
    title: 'With Postgres unreachable, /readyz answers 503 quickly',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['readiness-ok'],
    learn: '#2-a-readiness-endpoint-that-checks-dependencies-quickly',
    timeoutMs: 40_000,
    scenarios: [postgresOutage],
    hints: [
      'The verifier makes Postgres hang (connections open, no answers) and asks GET /readyz, giving it 3 s.',
      `A probe that hangs is a failed probe, but slowly: Kubernetes waits timeoutSeconds (1 s by default). Put a timeout of about 1 s on the Postgres check and answer 503 when it fires.`,
      "Promise.race([pool.query('SELECT 1'), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000))])",
    ],
    // What else is correct: any check that gets an answer from Postgres (SELECT 1, a pool
    // connect, pg_isready-like), time-boxed any way, run per request or by a background
    // loop whose last result /readyz serves (it must turn 503 within NOTICE_MS). Still
    // caught: no timeout (the probe hangs), and readiness that never looks at Postgres.
    async run(ctx) {
      const { readiness, afterMs } = await outage(ctx, 'postgres');
      const when = afterMs ? ` (${(afterMs / 1000).toFixed(1)} s into the outage)` : '';
      if (readiness.status === 503 && readiness.ms <= READY_BUDGET_MS) return pass(`Postgres hanging: GET /readyz → ${show(readiness)}${when}`);
      return fail(`Postgres hanging: GET /readyz → ${show(readiness)}${when}`, {
        expected: `503 answered within ${READY_BUDGET_MS / 1000} s, at the latest ${NOTICE_MS / 1000} s into the outage`,
        why: 'While the database is gone this pod cannot serve; readiness must say so fast, so the Service stops sending it requests (and sends them back when it recovers).',
        fix: 'Time-box each dependency check (≈1 s) in /readyz and answer 503 when one fails or times out.',
      });
    },
  }),
  defineCheck({
    id: 'liveness-independent-of-db',
    title: 'With Postgres unreachable, /livez still answers 200',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['liveness-ok'],
    learn: '#1-a-liveness-endpoint-that-depends-on-nothing',
    timeoutMs: 40_000,
    scenarios: [postgresOutage],
    hints: [
      'While Postgres hangs, the verifier also asks GET /livez.',
      'If liveness checks the database, a database outage makes Kubernetes restart every pod of the app at once — which fixes nothing and turns a blip into an outage.',
    ],
    // What else is correct: any /livez that does not wait on Postgres (a constant, an event-loop
    // lag check). Still caught: a liveness that queries the database, or shares /readyz.
    async run(ctx) {
      const { liveness } = await outage(ctx, 'postgres');
      return liveness.status === 200 && liveness.ms <= READY_BUDGET_MS
        ? pass(`Postgres hanging: GET /livez → ${show(liveness)}`)
        : fail(`Postgres hanging: GET /livez → ${show(liveness)}`, {
            expected: `200 within ${READY_BUDGET_MS / 1000} s`,
            why: 'A liveness failure restarts the container. Restarting cannot fix a database outage, so liveness must not depend on it.',
            fix: 'Make /livez answer 200 without calling Postgres or Redis.',
          });
    },
  }),
  defineCheck({
    id: 'readiness-fails-when-redis-down',
    title: 'With Redis unreachable, /readyz answers 503 quickly',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['readiness-ok'],
    learn: '#2-a-readiness-endpoint-that-checks-dependencies-quickly',
    timeoutMs: 50_000,
    scenarios: [redisOutage],
    hints: [
      'The verifier makes Redis hang and asks GET /readyz.',
      'Sessions and the cache live in Redis since lesson 02: without it the app cannot serve. PING it with a timeout in /readyz.',
    ],
    // What else is correct: PING, any command that needs the server, or a client's own
    // "ready" flag, on every request or from a background loop (see the Postgres check).
    async run(ctx) {
      const { readiness, liveness, afterMs } = await outage(ctx, 'redis');
      const when = afterMs ? ` (${(afterMs / 1000).toFixed(1)} s into the outage)` : '';
      if (readiness.status === 503 && readiness.ms <= READY_BUDGET_MS)
        return pass(`Redis hanging: GET /readyz → ${show(readiness)}${when} (and /livez → ${show(liveness)})`);
      return fail(`Redis hanging: GET /readyz → ${show(readiness)}${when}`, {
        expected: `503 answered within ${READY_BUDGET_MS / 1000} s, at the latest ${NOTICE_MS / 1000} s into the outage`,
        why: 'Without Redis no session works; a pod that says it is ready takes requests it can only fail.',
        fix: 'Add a time-boxed Redis PING to /readyz.',
      });
    },
  }),
  defineCheck({
    id: 'graceful-shutdown',
    title: 'On SIGTERM the app finishes in-flight requests, stops accepting new ones, and exits 0',
    severity: 'required',
    layer: 'behaviour',
    learn: '#3-drain-on-sigterm',
    timeoutMs: 45_000,
    scenarios: [shutdown],
    hints: [
      `The verifier starts a 3-second upload, sends SIGTERM in the middle (with SHUTDOWN_DELAY_SECONDS=${SHUTDOWN_DELAY_SECONDS}), and expects the upload to succeed, new connections to be refused before the upload ends, and exit code 0.`,
      "Node's default on SIGTERM is to die on the spot, cutting every request in flight: during every rollout some users get errors. Handle SIGTERM: flag not-ready, wait the delay, server.close(), then close the pool and Redis and exit 0.",
      "process.on('SIGTERM', async () => { shuttingDown = true; await sleep(delayMs); server.close(async () => { await pool.end(); await redis.close(); process.exit(0); }); });",
    ],
    // What else is correct: server.close() with closeIdleConnections, a hand-rolled connection
    // tracker, http-terminator-like logic, any delay ≥ 0; exit 0 by process.exit or by
    // letting the event loop empty. Still caught: dying on the signal, cutting the upload,
    // accepting new connections until the end, a non-zero exit or none within 15 s.
    async run(ctx) {
      const s = await shutdownScenario(ctx);
      if (s.problem) return fail(s.problem, { evidence: s.tail });
      const problems: string[] = [];
      if (s.upload?.status !== 201)
        problems.push(`the upload in flight ${s.upload?.error ? `was cut off (${s.upload.error})` : `answered ${s.upload?.status}`}`);
      if (s.upload?.status === 201 && !s.refusedWhileDraining) problems.push('new connections were still accepted while the upload finished');
      if (s.exitCode === null) problems.push("the process died on SIGTERM without handling it (Node's default)");
      else if (s.exitCode !== 0) problems.push(`the process ${s.exit}`);
      if (!problems.length)
        return pass(`upload finished (201), new connections refused while draining, exit 0 after ${((s.exitedWithinMs ?? 0) / 1000).toFixed(1)} s`);
      return fail(problems.join('; '), {
        expected: 'the in-flight upload answered 201, then no new connections, then exit code 0',
        why: 'Kubernetes sends SIGTERM on every rollout, scale-down and node drain, then SIGKILL after terminationGracePeriodSeconds (30 s). Requests cut off or a non-zero exit show up as errors and failed rollouts.',
        fix: 'On SIGTERM: mark not ready, wait SHUTDOWN_DELAY_SECONDS, server.close(), close Postgres and Redis, process.exit(0).',
        evidence: s.tail,
      });
    },
  }),
  defineCheck({
    id: 'readiness-503-while-draining',
    title: 'Right after SIGTERM, /readyz answers 503 (and the app still accepts connections)',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['readiness-ok'],
    learn: '#3-drain-on-sigterm',
    timeoutMs: 45_000,
    scenarios: [shutdown],
    hints: [
      'Right after sending SIGTERM, the verifier asks GET /readyz on a new connection.',
      'Kubernetes takes a moment to remove a terminating pod from the Service: keep accepting for SHUTDOWN_DELAY_SECONDS, but answer 503 on /readyz so nothing new is routed to you.',
    ],
    // What else is correct: any 503 body, a flag or a state machine. Still caught: 200 while
    // shutting down, and a listener closed at once (that refuses what the Service still routes).
    async run(ctx) {
      const s = await shutdownScenario(ctx);
      if (s.problem) return fail(s.problem, { evidence: s.tail });
      const r = s.readinessAfterSigterm!;
      if (r.status === 503) return pass(`GET /readyz within 0.6 s of SIGTERM → ${show(r)}`);
      return fail(`GET /readyz during the 0.6 s after SIGTERM → ${show(r)}`, {
        expected: `503, while still accepting connections for SHUTDOWN_DELAY_SECONDS (${SHUTDOWN_DELAY_SECONDS} s here)`,
        why:
          r.status === 200
            ? 'A pod that says it is ready while shutting down keeps getting new requests until it disappears: those fail.'
            : 'Closing the listener at once refuses requests Kubernetes still routes to the pod while endpoints update.',
        fix: 'Set a shuttingDown flag on SIGTERM; /readyz answers 503 when it is set; close the server only after the delay.',
      });
    },
  }),
];

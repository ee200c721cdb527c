// Lesson 13's scenarios, each run once per verify and shared by the checks that read it.
// Every scenario has its own database, Redis database and SMTP sink, so they run side by
// side without seeing each other's mail.
//
//   requestPath → drain   the web alone with SMTP hanging: how long a signup and a note
//                         take. Then a worker takes those mails, is stopped with SIGTERM
//                         mid-send, and a second worker finishes what is left.
//   stack → arrives → digest
//                         web + worker with SMTP reachable: one signup's mail; then the
//                         digest job run twice at once, with a second web replica running.
//   retry stack → retried a web + worker of their own (own database, Redis database and
//                         SMTP sink): a mail sent while SMTP refuses connections. Apart
//                         from the other stack because it changes what SMTP does.
//
// The three chains run side by side, and every wait ends on an event (a connection, a
// mail, an exit) with the old fixed window as its upper bound. Only the duplicate watches
// and the replica's window are fixed: they wait for something that must NOT happen.
import { defineScenario, describeExit, type CheckContext, type HttpClient } from '../../verify/lesson-api.ts';
import { testUser } from '../shared/teamnotes.ts';
import { isolatedEnv, notListening, startInstance, type Instance } from '../shared/run-app.ts';
import {
  DIGEST_SCRIPT,
  mailbox,
  mailsTo,
  missingScript,
  ok,
  quiet,
  runJob,
  startWorker,
  subjectOf,
  timedPost,
  waitReady,
  waitUntil,
  WORKER_SCRIPT,
  type JobRun,
  type Mailbox,
  type Timed,
} from './processes.ts';

const WORKER_FILE = 'src/worker.js';
const DIGEST_FILE = 'src/digest-job.js';

/** What "the request did not wait on SMTP" means: a readiness probe's patience, about. */
export const REQUEST_BUDGET_MS = 2000;
/** Longer than any SMTP timeout of the legacy code would let a request hang here. */
const REQUEST_TIMEOUT_MS = 8000;
/** How long after SIGTERM the worker may take; the scenario gives it SHUTDOWN_TIMEOUT_SECONDS=10. */
export const WORKER_EXIT_DEADLINE_MS = 15_000;
/** Mail must arrive within this after it can (a worker running, SMTP answering). */
export const DELIVERY_MS = 15_000;
/** A failed send's retry may wait for its backoff: up to this after SMTP is back. */
export const RETRY_WINDOW_MS = 30_000;
/** How long the checks keep watching for a second copy of a mail that arrived. */
const DUPLICATE_WATCH_MS = 2000;

export interface Expected {
  address: string;
  what: string;
  want: number;
}

export interface RequestPath {
  problem?: string;
  fix?: string;
  tail: string[];
  env: Record<string, string | undefined>;
  box?: Mailbox;
  web?: Instance;
  /** The requests, in order, until the first one that failed or was slow. */
  requests: Timed[];
  /** The mails those requests should cause, once each. */
  expected: Expected[];
}

function slow(t: Timed): boolean {
  return !ok(t) || t.ms > REQUEST_BUDGET_MS;
}

/** The web alone, SMTP black-holed (connections open, no answer: the worst kind of outage). */
export function requestPath(ctx: CheckContext): Promise<RequestPath> {
  return ctx.scenario(requestPathScenario);
}

const requestPathScenario = defineScenario({
  name: 'request-path',
  async run(ctx): Promise<RequestPath> {
    const box = await mailbox(ctx);
    box.proxy.blackhole();
    // A short shutdown deadline for the worker of the drain stage (the web drains nothing here).
    const { env } = await isolatedEnv(ctx, { SMTP_URL: box.url, SHUTDOWN_DELAY_SECONDS: '1', SHUTDOWN_TIMEOUT_SECONDS: '10' });
    const web = await startInstance(ctx, env);
    const base: RequestPath = { env, box, web, requests: [], expected: [], tail: [] };
    const problem = notListening(web);
    if (problem) return { ...base, problem, tail: web.result.app.tail() };
    await waitReady(ctx, web.url);
    const [alice, bob] = [testUser(), testUser()];
    const asAlice = ctx.http(web.url);
    const asBob = ctx.http(web.url);
    for (const step of [
      () => timedPost(asAlice, '/api/signup', alice, REQUEST_TIMEOUT_MS),
      () => timedPost(asBob, '/api/signup', bob, REQUEST_TIMEOUT_MS),
      // A note by Bob: the team (Alice) is told about it.
      () => timedPost(asBob, '/api/notes', { title: `queued ${Date.now()}`, body: 'written while SMTP hangs' }, REQUEST_TIMEOUT_MS),
    ]) {
      const t = await step();
      base.requests.push(t);
      if (slow(t)) break;
    }
    base.expected = [
      { address: alice.email, what: 'welcome and note mail', want: 2 },
      { address: bob.email, what: 'welcome mail', want: 1 },
    ];
    base.tail = web.result.app.tail(4);
    return base;
  },
});

/**
 * Start the drain scenario as soon as the mails are queued: it needs nothing else, and
 * its check reads it only once retries are proven. It stops its own workers.
 */
export function startDrain(ctx: CheckContext): void {
  void ctx.scenario(drainScenario).catch(() => undefined);
}

export function requestsFast(rp: RequestPath): boolean {
  return rp.requests.length === 3 && !rp.requests.some(slow);
}

export interface Tally extends Expected {
  got: number;
}

function tally(box: Mailbox, expected: Expected[]): Tally[] {
  return expected.map((e) => ({ ...e, got: mailsTo(box, e.address).length }));
}

export const allOnce = (t: Tally[]) => t.length > 0 && t.every((x) => x.got === x.want);
export const describeTally = (t: Tally[]) => t.map((x) => `${x.address}: ${x.got} of ${x.want} (${x.what})`).join('; ');

export interface Drain {
  problem?: string;
  fix?: string;
  /** "exited with code 0", "still running 15 s after SIGTERM". */
  exit?: string;
  exitCode?: number | null;
  exitMs?: number;
  mails: Tally[];
  tail: string[];
}

/** The mails of requestPath in flight in a worker (SMTP hanging) when it gets SIGTERM; then a second worker. */
export function drain(ctx: CheckContext): Promise<Drain> {
  return ctx.scenario(drainScenario);
}

const drainScenario = defineScenario({
  name: 'drain',
  after: [requestPathScenario],
  async run(ctx): Promise<Drain> {
    const rp = await ctx.scenario(requestPathScenario);
    const box = rp.box!;
    const none = { mails: [] as Tally[], tail: rp.tail };
    if (rp.problem || !requestsFast(rp)) return { ...none, problem: rp.problem ?? 'the web did not queue the mails (see 13.email-off-request-path)' };
    const missing = missingScript(ctx, WORKER_SCRIPT, 'worker', WORKER_FILE);
    if (missing) return { ...none, ...missing };

    const before = box.proxy.connections;
    const first = await startWorker(ctx, rp.env);
    if (first.problem) return { ...none, problem: first.problem, tail: first.app.tail() };
    const sending = await waitUntil(ctx, 'the worker to connect to SMTP_URL', () => box.proxy.connections > before, 10_000);
    if (!sending) {
      return {
        ...none,
        problem: 'the worker did not start sending the queued mails within 10 s (no connection to SMTP_URL), so there was nothing in flight to stop',
        tail: first.app.tail(),
      };
    }
    await ctx.sleep(300); // the other queued mails start too
    first.app.signal('SIGTERM');
    const signalled = Date.now();
    // The SMTP server answers again a second later: the sends in flight end (they fail,
    // their connections cut), as they would when a hung server recovers or times out.
    await ctx.sleep(1000);
    box.proxy.restore();
    const exit = (await ctx.poll('the worker to exit after SIGTERM', () => first.app.exitInfo, { timeout: WORKER_EXIT_DEADLINE_MS, interval: 50 })).value;
    const exitMs = Date.now() - signalled;
    // Kubernetes would SIGKILL it at the end of the grace period; then the replacement starts.
    if (!exit) await first.app.stop(500);
    const tail = first.app.tail(6);

    const second = await startWorker(ctx, rp.env);
    if (!second.problem) {
      await waitUntil(ctx, 'the second worker to deliver the queued mails', () => tally(box, rp.expected).every((t) => t.got >= t.want), DELIVERY_MS);
      await ctx.sleep(DUPLICATE_WATCH_MS);
    }
    await second.app.stop();
    return {
      problem: second.problem,
      exit: exit ? describeExit(exit) : `still running ${WORKER_EXIT_DEADLINE_MS / 1000} s after SIGTERM`,
      exitCode: exit?.code,
      exitMs,
      mails: tally(box, rp.expected),
      tail,
    };
  },
});

export interface Stack {
  problem?: string;
  fix?: string;
  env: Record<string, string | undefined>;
  box: Mailbox;
  web?: Instance;
  tail: () => string[];
}

/** One web replica and one worker, SMTP reachable through a proxy; each scenario made here is a stack of its own. */
function stackScenario(name: string) {
  return defineScenario({
    name,
    run: async (ctx): Promise<Stack> => {
      const box = await mailbox(ctx);
      const { env } = await isolatedEnv(ctx, { SMTP_URL: box.url });
      const missing = missingScript(ctx, WORKER_SCRIPT, 'worker', WORKER_FILE);
      if (missing) return { ...missing, env, box, tail: () => [] };
      const [web, worker] = await Promise.all([startInstance(ctx, env), startWorker(ctx, env)]);
      const tail = () => [...web.result.app.tail(3).map((l) => `web: ${l}`), ...worker.app.tail(3).map((l) => `worker: ${l}`)];
      const problem = notListening(web) ?? worker.problem;
      if (!problem) await waitReady(ctx, web.url);
      return { problem, env, box, web, tail };
    },
  });
}

const mainStack = stackScenario('stack');
/** Apart from the main stack because it changes what SMTP does. */
const retryStack = stackScenario('retry-stack');

export interface Delivery {
  problem?: string;
  fix?: string;
  address: string;
  /** The signed-up user's browser. */
  http?: HttpClient;
  got: number;
  waitedMs: number;
  /** Connections the worker opened while SMTP refused them (the retry stage). */
  refusedAttempts?: number;
  tail: string[];
}

async function signupAndWait(ctx: CheckContext, s: Stack, windowMs: number, whileDown?: () => Promise<number>): Promise<Delivery> {
  const user = testUser();
  const http = ctx.http(s.web!.url);
  const res = await timedPost(http, '/api/signup', user, REQUEST_TIMEOUT_MS);
  if (!ok(res)) return { problem: `POST /api/signup answered ${res.answer}`, address: user.email, got: 0, waitedMs: 0, tail: s.tail() };
  const refusedAttempts = whileDown ? await whileDown() : undefined;
  const started = Date.now();
  await waitUntil(ctx, `a mail to ${user.email}`, () => mailsTo(s.box, user.email).length > 0, windowMs);
  const waitedMs = Date.now() - started;
  return { address: user.email, http, got: mailsTo(s.box, user.email).length, waitedMs, refusedAttempts, tail: s.tail() };
}

/** After the first copy, keep watching a while for a second one (two senders, two jobs). */
async function settle(ctx: CheckContext, s: Stack, d: Delivery): Promise<Delivery> {
  if (!d.got) return d;
  await ctx.sleep(DUPLICATE_WATCH_MS);
  return { ...d, got: mailsTo(s.box, d.address).length, tail: s.tail() };
}

/** A signup's welcome mail, SMTP fine: as soon as the first copy is in (the digest goes on from there). */
const firstArrival = defineScenario({
  name: 'first-arrival',
  after: [mainStack],
  async run(ctx): Promise<Delivery & { s?: Stack }> {
    const s = await ctx.scenario(mainStack);
    if (s.problem) return { problem: s.problem, fix: s.fix, address: '', got: 0, waitedMs: 0, tail: s.tail() };
    return { ...(await signupAndWait(ctx, s, DELIVERY_MS)), s };
  },
});

/** A signup's welcome mail, SMTP fine, and no second copy. */
export function arrives(ctx: CheckContext): Promise<Delivery> {
  return ctx.scenario(arrivesScenario);
}

const arrivesScenario = defineScenario({
  name: 'arrives',
  after: [firstArrival],
  async run(ctx): Promise<Delivery> {
    const { s, ...d } = await ctx.scenario(firstArrival);
    // The digest scenario needs only the first copy: start it now, beside the duplicate
    // watch (it cleans up after itself; its check reads it once this one has passed).
    if (s && d.got === 1) void ctx.scenario(digestScenario).catch(() => undefined);
    return s ? settle(ctx, s, d) : d;
  },
});

/** A signup while SMTP refuses connections; SMTP back once the worker has tried (plus 2 s). */
export function retried(ctx: CheckContext): Promise<Delivery> {
  return ctx.scenario(retriedScenario);
}

const retriedScenario = defineScenario({
  name: 'retried',
  after: [retryStack],
  async run(ctx): Promise<Delivery> {
    const s = await ctx.scenario(retryStack);
    if (s.problem) return { problem: s.problem, fix: s.fix, address: '', got: 0, waitedMs: 0, tail: s.tail() };
    s.box.proxy.refuse();
    const before = s.box.proxy.connections;
    const d = await signupAndWait(ctx, s, RETRY_WINDOW_MS, async () => {
      const tried = await waitUntil(ctx, 'the worker to try SMTP_URL', () => s.box.proxy.connections > before, 10_000);
      if (tried) await ctx.sleep(2000);
      const attempts = s.box.proxy.connections - before;
      s.box.proxy.restore();
      return attempts;
    });
    s.box.proxy.restore();
    return settle(ctx, s, d);
  },
});

export interface Digest {
  problem?: string;
  fix?: string;
  /** Digest-looking mails that arrived while only the web replicas ran. */
  fromWeb: string[];
  runs: JobRun[];
  mails: Tally[];
  tail: string[];
}

/** How long a second web replica runs with the first before the digest job: a web that mails a digest at start shows here. */
const REPLICA_WINDOW_MS = 3000;

/** Two web replicas for 3 s (no digest may appear), then the digest job twice at once. */
export function digest(ctx: CheckContext): Promise<Digest> {
  return ctx.scenario(digestScenario);
}

const digestScenario = defineScenario({
  name: 'digest',
  after: [firstArrival],
  async run(ctx): Promise<Digest> {
    const first = await ctx.scenario(firstArrival);
    const s = await ctx.scenario(mainStack);
    const none = { fromWeb: [], runs: [], mails: [], tail: s.tail() };
    if (s.problem || !first.http) return { ...none, problem: s.problem ?? first.problem, fix: s.fix };
    const missing = missingScript(ctx, DIGEST_SCRIPT, 'digest job', DIGEST_FILE);
    if (missing) return { ...none, ...missing };

    // A second person, so the digest goes to two users (the retry stage has its own stack).
    const other = testUser();
    const second = await timedPost(ctx.http(s.web!.url), '/api/signup', other, REQUEST_TIMEOUT_MS);
    // Something for the digest to report: a note from the last 24 hours.
    // (Not the word digest in it: the notification's subject would look like a digest.)
    const note = await timedPost(first.http, '/api/notes', { title: `for the summary ${Date.now()}`, body: 'news of the day' }, REQUEST_TIMEOUT_MS);
    if (!ok(note)) return { ...none, problem: `POST /api/notes answered ${note.answer}` };
    const seenBefore = s.box.sink.messages.length;
    const replica = await startInstance(ctx, s.env);
    // The replica's window and the wait for the welcome and note mails overlap: both end before the count starts.
    await Promise.all([ctx.sleep(REPLICA_WINDOW_MS), quiet(ctx, s.box, 1500, 10_000)]);
    const fromWeb = s.box.sink.messages
      .slice(seenBefore)
      .map(subjectOf)
      .filter((subject) => /digest/i.test(subject));
    await replica.result.app.stop();
    await quiet(ctx, s.box, 300, 10_000);

    const users = [first.address, ...(ok(second) ? [other.email] : [])];
    const before = new Map(users.map((u) => [u, mailsTo(s.box, u).length]));
    const runs = await Promise.all([runJob(ctx, s.env, DIGEST_SCRIPT), runJob(ctx, s.env, DIGEST_SCRIPT)]);
    await waitUntil(ctx, 'a digest for every user', () => users.every((u) => mailsTo(s.box, u).length > before.get(u)!), DELIVERY_MS);
    await quiet(ctx, s.box, DUPLICATE_WATCH_MS, 10_000);
    const mails = users.map((u) => ({ address: u, what: 'digest', want: 1, got: mailsTo(s.box, u).length - before.get(u)! }));
    return { fromWeb, runs, mails, tail: s.tail() };
  },
});

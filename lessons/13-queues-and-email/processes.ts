// The pieces lesson 13's scenarios are built from: a mailbox (a real SMTP sink of the
// check's own, behind a proxy the check can black-hole or refuse), and the app's other
// entry points (the worker, the digest job) started the way the web is: from the
// package.json scripts the lesson asks for, with the same environment.
import {
  describeExit,
  describeFetchError,
  type CapturedMail,
  type CheckContext,
  type ExitInfo,
  type HttpClient,
  type RunningApp,
  type SmtpSink,
  type TcpProxy,
} from '../../verify/lesson-api.ts';
import { describe } from '../shared/api.ts';

export const WORKER_SCRIPT = 'worker';
export const DIGEST_SCRIPT = 'digest';

/** Poll `cond` every 100 ms for at most `ms`, saying what is awaited; true as soon as it holds. */
export async function waitUntil(ctx: CheckContext, what: string, cond: () => boolean, ms: number): Promise<boolean> {
  return (await ctx.poll(what, cond, { timeout: ms, interval: 100 })).ok;
}

export interface Mailbox {
  sink: SmtpSink;
  proxy: TcpProxy;
  /** SMTP_URL for the app: the proxy in front of the sink. */
  url: string;
}

export async function mailbox(ctx: CheckContext): Promise<Mailbox> {
  const sink = await ctx.smtpSink();
  const { url, proxy } = await ctx.tcpProxy(sink.url);
  return { sink, proxy, url };
}

export function mailsTo(box: Mailbox, address: string): CapturedMail[] {
  const a = address.toLowerCase();
  return box.sink.messages.filter((m) => m.to.some((t) => t.toLowerCase() === a));
}

export function subjectOf(mail: CapturedMail): string {
  return /^Subject: (.*)$/im.exec(mail.raw)?.[1]?.trim() ?? '(no subject)';
}

/** Wait until no new mail has arrived for `calmMs` (at most `maxMs`): whatever was on its way has landed. */
export async function quiet(ctx: CheckContext, box: Mailbox, calmMs: number, maxMs: number): Promise<void> {
  let count = box.sink.messages.length;
  let since = Date.now();
  const calm = () => {
    if (box.sink.messages.length !== count) {
      count = box.sink.messages.length;
      since = Date.now();
    }
    return Date.now() - since >= calmMs;
  };
  await ctx.poll(`no new mail for ${calmMs} ms`, calm, { timeout: maxMs, interval: 100 });
}

/** The scripts of the workspace's package.json (none when it cannot be read). */
export function scripts(ctx: CheckContext): Record<string, string> {
  try {
    return (JSON.parse(ctx.files.read('package.json') ?? '{}') as { scripts?: Record<string, string> }).scripts ?? {};
  } catch {
    return {};
  }
}

/** Why a scenario could not run, and what the learner does about it (no place to point at: not a Finding). */
export interface CannotRun {
  problem: string;
  fix?: string;
}

/** Why `script` cannot be started, for a message; undefined when package.json has it. */
export function missingScript(ctx: CheckContext, script: string, what: string, file: string): CannotRun | undefined {
  if (scripts(ctx)[script]) return undefined;
  return {
    problem: `package.json has no "${script}" script, so there is no ${what} to start (the verifier runs the command of \`npm run ${script}\`, as Kubernetes runs the command in your manifest)`,
    fix: `Add "${script}": "node ${file}" to "scripts" in package.json (and write ${file}).`,
  };
}

export interface Started {
  app: RunningApp;
  problem?: string;
}

/** Start the worker with the app's environment, on ports of its own (PORT and WORKER_PORT), and check it keeps running. */
export async function startWorker(ctx: CheckContext, env: Record<string, string | undefined>): Promise<Started> {
  const [port, workerPort] = await Promise.all([ctx.app.freePort(), ctx.app.freePort()]);
  // Returns when it listens (health endpoints) or after 3 s: a worker need not listen, only keep running.
  const r = await ctx.app.start({ env: { ...env, PORT: String(port), WORKER_PORT: String(workerPort) }, script: WORKER_SCRIPT, startTimeoutMs: 3000 });
  const problem = r.exit ? `the worker (\`${r.app.command.display}\`) ${describeExit(r.exit)} right after it started` : undefined;
  return { app: r.app, problem };
}

export interface JobRun {
  exit?: ExitInfo;
  ms: number;
  /** "exited with code 0", "still running after 20 s". */
  outcome: string;
  tail: string[];
}

const JOB_DEADLINE_MS = 20_000;

/** Run a one-off job (the digest) to its end, like a Job's pod: it must exit, with 0. */
export async function runJob(ctx: CheckContext, env: Record<string, string | undefined>, script: string): Promise<JobRun> {
  const [port, workerPort] = await Promise.all([ctx.app.freePort(), ctx.app.freePort()]);
  const started = Date.now();
  const r = await ctx.app.start({ env: { ...env, PORT: String(port), WORKER_PORT: String(workerPort) }, script, startTimeoutMs: JOB_DEADLINE_MS });
  // A job that listens returns early from start(): wait for its exit all the same.
  const exit =
    r.exit ??
    (await ctx.poll(`the ${script} job to exit`, () => r.app.exitInfo, { timeout: Math.max(0, JOB_DEADLINE_MS - (Date.now() - started)), interval: 50 })).value;
  if (!exit) await r.app.stop(1000);
  return {
    exit,
    ms: Date.now() - started,
    outcome: exit ? describeExit(exit) : `still running ${JOB_DEADLINE_MS / 1000} s after it started`,
    tail: r.app.tail(4),
  };
}

/** Ask /readyz until it answers 200 (at most `ms`): the app has its schema and its connections. */
export async function waitReady(ctx: CheckContext, url: string, ms = 10_000): Promise<boolean> {
  const http = ctx.http(url);
  const ready = async () => {
    try {
      const res = await http.get('/readyz', { timeoutMs: 2000 });
      return res.status === 200 || res.status === 404;
    } catch {
      ctx.signal.throwIfAborted();
      return false; // Not up yet.
    }
  };
  return (await ctx.poll('GET /readyz to answer 200', ready, { timeout: ms, interval: 200 })).ok;
}

export interface Timed {
  what: string;
  status?: number;
  ms: number;
  /** `201 {"id":3,…}` or why there was no answer. */
  answer: string;
  json?: unknown;
}

/** A POST, timed, that never throws: a hang is an answer too ("no answer before the timeout"). */
export async function timedPost(http: HttpClient, path: string, body: unknown, timeoutMs: number): Promise<Timed> {
  const started = performance.now();
  try {
    const res = await http.post(path, body, { timeoutMs });
    return { what: `POST ${path}`, status: res.status, ms: Math.round(performance.now() - started), answer: describe(res), json: res.json };
  } catch (err) {
    return { what: `POST ${path}`, ms: Math.round(performance.now() - started), answer: describeFetchError(err) };
  }
}

export const ok = (t: Timed | undefined): boolean => t?.status !== undefined && t.status >= 200 && t.status < 300;

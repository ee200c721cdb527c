// Lesson 13's manifest rules: which objects are the worker, the digest CronJob and
// Mailpit, and what is wrong with them. Each problem is a Finding (where, message), like lesson 09's.
import type { V1EnvFromSource } from '@kubernetes/client-node';
import {
  formatLabels,
  getIn,
  imageName,
  missingLabels,
  missingResources,
  parseEnvFile,
  resolvePort,
  selectorOf,
  stringMap,
  type CheckContext,
  type ContainerAt,
  type Finding,
  type Manifest,
  type ObjectOf,
} from '../../verify/lesson-api.ts';
import {
  APP_IMAGE,
  appDeployment,
  at,
  entryOf,
  NAMESPACE,
  namespaceOf,
  SECRET_TEMPLATE,
  teamnotesDeployments,
  valueInFiles,
  workloadsRunning,
  type Workload,
} from '../shared/k8s.ts';
import { staticEnvValue } from '../shared/manifest-rules.ts';

export type Found<T = unknown> = Workload<T> & { main: ContainerAt };
/** The app's own default (.env.example) when the manifests do not set it. */
const DEFAULT_SHUTDOWN_TIMEOUT = 20;

/** The Deployment running the Teamnotes image that is not the web one: the worker. */
export function workerDeployment(ctx: CheckContext): Found<ObjectOf<'Deployment'>> | undefined {
  const web = appDeployment(ctx);
  const others = teamnotesDeployments(ctx).filter((d) => d.m !== web?.m);
  const pick = others.find((d) => /worker/i.test(entryOf(d.web))) ?? others[0];
  return pick && { ...pick, main: pick.web };
}

/** A worker squeezed into the web's pod as a second container: it would scale (and restart) with the web. */
export function workerInWebPod(ctx: CheckContext): ContainerAt | undefined {
  const web = appDeployment(ctx);
  return web?.containers.find((c) => c !== web.web && !c.init && imageName(c.container.image ?? '') === APP_IMAGE);
}

/** Files a command names (`node src/worker.js` → src/worker.js) that the workspace, and so the image, lacks. */
export function missingFiles(ctx: CheckContext, entry: string): string[] {
  return entry
    .split(/\s+/)
    .filter((w) => /\.(c|m)?js$/.test(w))
    .map((w) => w.replace(/^\/app\//, '').replace(/^\.\//, ''))
    .filter((f) => !ctx.files.exists(f));
}

/** The keys a container's envFrom source holds: a ConfigMap in k8s/, or a Secret (made from .env.cluster, whose template lists its keys). */
function keysOf(ctx: CheckContext, src: V1EnvFromSource): string[] {
  if (src.configMapRef?.name)
    return Object.keys(stringMap(getIn(ctx.manifests.find('ConfigMap').find((m) => m.name === src.configMapRef!.name)?.object, ['data'])));
  if (src.secretRef?.name) {
    const secret = ctx.manifests.find('Secret').find((m) => m.name === src.secretRef!.name);
    if (secret) return Object.keys({ ...stringMap(getIn(secret.object, ['data'])), ...stringMap(getIn(secret.object, ['stringData'])) });
    return Object.keys(parseEnvFile(ctx.files.read(SECRET_TEMPLATE) ?? ''));
  }
  return [];
}

/** Every variable a container gets, from env and envFrom. */
function variablesOf(ctx: CheckContext, c: ContainerAt): Set<string> {
  const fromEnvFrom = (c.container.envFrom ?? []).flatMap((src) => keysOf(ctx, src).map((k) => `${src.prefix ?? ''}${k}`));
  return new Set([...(c.container.env ?? []).map((e) => e.name), ...fromEnvFrom]);
}

/** `node /app/src/x.js` and `node ./src/x.js` are `node src/x.js`: one image, WORKDIR /app. */
const normalized = (entry: string) =>
  entry
    .split(/\s+/)
    .map((w) => w.replace(/^\/app\//, '').replace(/^\.\//, ''))
    .join(' ');

/** The image's CMD (exec form) from the workspace's Dockerfile: what a container without command runs. */
function imageCmd(ctx: CheckContext): string {
  const m = /^CMD\s+(\[.*\])\s*$/m.exec(ctx.files.read('Dockerfile') ?? '');
  try {
    return m ? normalized((JSON.parse(m[1]!) as string[]).join(' ')) : 'node src/server.js';
  } catch {
    return 'node src/server.js';
  }
}

/**
 * Does this container start the web server? No command (the image's CMD), or the web
 * Deployment's own command. What else is correct: any other entry, a file of its own
 * (`node src/worker.js`) or the web's file with a role flag (`node src/server.js --worker`);
 * the behaviour checks run `npm run worker` and see what it really does.
 */
export function runsTheWeb(ctx: CheckContext, c: ContainerAt): boolean {
  const entry = normalized(entryOf(c));
  const web = appDeployment(ctx);
  const webEntry = web && web.web !== c ? normalized(entryOf(web.web)) || imageCmd(ctx) : imageCmd(ctx);
  return !entry || entry === webEntry || entry === imageCmd(ctx);
}

// What else is correct for the worker: any name and labels (not the web Service's), envFrom or
// per-key env as long as it gets every variable the web gets, any replica count ≥ 1, any grace
// period above its shutdown deadline, the worker entry as a file of its own or a role flag.
export function workerProblems(ctx: CheckContext, w: Found): Finding[] {
  const problems: Finding[] = [];
  const c = w.main;
  const entry = entryOf(c);
  if (runsTheWeb(ctx, c)) {
    problems.push({
      where: at(w.m, c.path),
      message: `container ${c.container.name} runs ${entry || `the image's CMD (${imageCmd(ctx)})`}: a second web server, not a worker`,
    });
  } else {
    for (const f of missingFiles(ctx, entry))
      problems.push({
        where: at(w.m, [...c.path, c.container.command ? 'command' : 'args']),
        message: `\`${entry}\` runs ${f}, which is not in the workspace (nor in the image built from it)`,
      });
  }
  const replicas = Number(getIn(w.m.object, ['spec', 'replicas']) ?? 1);
  if (replicas < 1) problems.push({ where: at(w.m, ['spec', 'replicas']), message: `replicas: ${replicas}: nobody takes jobs off the queue` });
  const grace = w.tpl.spec.terminationGracePeriodSeconds;
  const deadline = Number(staticEnvValue(c, 'SHUTDOWN_TIMEOUT_SECONDS', ctx.manifests.load()) ?? DEFAULT_SHUTDOWN_TIMEOUT);
  if (grace === undefined)
    problems.push({
      where: at(w.m, w.tpl.specPath),
      message: `no terminationGracePeriodSeconds: say how long a stopping worker may finish its mails (more than its ${deadline} s deadline)`,
    });
  else if (grace <= deadline)
    problems.push({
      where: at(w.m, [...w.tpl.specPath, 'terminationGracePeriodSeconds']),
      message: `terminationGracePeriodSeconds ${grace}, but the worker may take ${deadline} s (SHUTDOWN_TIMEOUT_SECONDS) to finish: SIGKILL first`,
    });
  const lacking = missingResources(c.container);
  if (lacking.length) problems.push({ where: at(w.m, [...c.path, 'resources']), message: `no ${lacking.join(', ')}` });
  const web = appDeployment(ctx);
  if (web) {
    // src/config.js is shared: whatever the web is given, the worker needs too.
    const mine = variablesOf(ctx, c);
    const lacking = [...variablesOf(ctx, web.web)].filter((v) => !mine.has(v));
    if (lacking.length) {
      problems.push({
        where: at(w.m, [...c.path, c.container.env ? 'env' : 'envFrom']),
        message: `the worker does not get ${lacking.join(', ')}, which the web gets: it loads the same src/config.js, which exits when a required variable is missing`,
      });
    }
    // The web's Service routes to every pod carrying its selector's labels.
    for (const svc of ctx.manifests.find('Service').filter((s) => s.namespace === w.m.namespace)) {
      const sel = selectorOf('Service', svc.object) ?? {};
      if (Object.keys(sel).length && !missingLabels(sel, web.tpl.labels).length && !missingLabels(sel, w.tpl.labels).length) {
        problems.push({
          where: at(w.m, w.tpl.labelsPath),
          message: `the worker's pods carry ${formatLabels(sel)}: Service ${svc.name} would send web requests to them`,
        });
      }
    }
  }
  return problems;
}

/** CronJobs running the Teamnotes image. */
export function digestCronJobs(ctx: CheckContext): Found[] {
  return workloadsRunning(ctx, APP_IMAGE, ['CronJob']);
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];
// The API server parses schedules with robfig/cron's standard parser: these macros, written
// in lower case exactly (`@DAILY` is refused), plus `@every <Go duration>`.
const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const EVERY = /^@every ([-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+))$/;

/**
 * Why a CronJob schedule is not one Kubernetes accepts (its 5-field cron format), or undefined.
 * Stricter than the API server only on forms nobody writes on purpose (`+5`, `*-5`).
 */
export function scheduleProblem(schedule: unknown): string | undefined {
  if (typeof schedule !== 'string' || !schedule.trim()) return 'no schedule';
  const s = schedule.trim();
  // The API server refuses any schedule that mentions TZ when a CronJob is created.
  if (s.includes('TZ')) return `"${s}": a time zone inside the schedule (TZ= or CRON_TZ=) is refused by the API server; set spec.timeZone instead`;
  if (s.startsWith('@'))
    return MACROS.includes(s) || EVERY.test(s)
      ? undefined
      : `"${s}" is not a schedule macro (${MACROS.join(', ')}, or @every <duration> such as @every 1h; lower case)`;
  const parts = s.split(/\s+/);
  if (parts.length === 6)
    return `"${s}" has 6 fields: Kubernetes reads minute hour day-of-month month day-of-week; a seconds field (node-cron, Quartz) is refused`;
  if (parts.length !== 5) return `"${s}" has ${parts.length} field(s); a schedule has 5: minute hour day-of-month month day-of-week`;
  for (const [i, part] of parts.entries()) {
    const f = FIELDS[i]!;
    const value = (v: string) => {
      const byName = f.names?.indexOf(v.toUpperCase()) ?? -1;
      if (byName >= 0) return byName + f.min;
      return /^\d+$/.test(v) ? Number(v) : NaN;
    };
    // Empty list items are skipped, as the API server does (`5,` is `5`).
    for (const item of part.split(',').filter(Boolean)) {
      const m = /^(\*|\?|([^-/]+)(?:-([^/]+))?)(?:\/(\d+))?$/.exec(item);
      const bad = () =>
        `"${s}": ${f.name} "${part}" is not valid (${f.min}–${f.max}${f.names ? ` or ${f.names[0]}–${f.names.at(-1)}` : ''}, *, ranges a-b, lists a,b, steps /n)`;
      if (!m) return bad();
      if (m[4] !== undefined && Number(m[4]) < 1) return bad();
      if (m[2] === undefined) continue;
      const lo = value(m[2]);
      const hi = m[3] === undefined ? lo : value(m[3]);
      if (![lo, hi].every((n) => Number.isInteger(n) && n >= f.min && n <= f.max) || lo > hi) return bad();
    }
  }
  return undefined;
}

export function cronJobProblems(ctx: CheckContext, cj: Found): Finding[] {
  const problems: Finding[] = [];
  const schedule = getIn(cj.m.object, ['spec', 'schedule']);
  const bad = scheduleProblem(schedule);
  if (bad) problems.push({ where: at(cj.m, ['spec', 'schedule']), message: bad });
  // What else is correct: Replace. When a run is still going at the next scheduled time,
  // Forbid skips the new one and Replace deletes the running Job (its pods are stopped) and
  // starts the new one: either way the CronJob never runs two at once. The digest's job ids
  // make a run cut short by Replace safe to run again. Allow starts the new run beside the
  // old one; a lock in the app could keep the second from working, but the schedule would
  // still be two pods, two Postgres scans, and nothing in the manifest would say so.
  const policy = String(getIn(cj.m.object, ['spec', 'concurrencyPolicy']) ?? 'Allow (the default)');
  if (policy !== 'Forbid' && policy !== 'Replace') {
    problems.push({
      where: at(cj.m, ['spec', 'concurrencyPolicy']),
      message: `concurrencyPolicy ${policy}: when a run is still going at the next scheduled time, the CronJob starts another Job beside it`,
    });
  }
  const entry = entryOf(cj.main);
  const worker = workerDeployment(ctx);
  if (runsTheWeb(ctx, cj.main) || (worker && normalized(entry) === normalized(entryOf(worker.main)))) {
    problems.push({
      where: at(cj.m, cj.main.path),
      message: `container ${cj.main.container.name} runs ${entry || `the image's CMD (${imageCmd(ctx)})`}, not the digest job: ${entry ? 'it' : 'a web server'} never exits, so the Job never completes`,
    });
  } else {
    for (const f of missingFiles(ctx, entry))
      problems.push({
        where: at(cj.m, [...cj.main.path, cj.main.container.command ? 'command' : 'args']),
        message: `\`${entry}\` runs ${f}, which is not in the workspace (nor in the image built from it)`,
      });
  }
  return problems;
}

export interface Mailpit {
  w?: Found;
  svc?: Manifest<ObjectOf<'Service'>>;
  /** The Service port that reaches Mailpit's SMTP port (1025). */
  smtpPort?: number;
  problems: Finding[];
}

const MAILPIT_SMTP = 1025;

// What else is correct for Mailpit: any Deployment, Service and label names, a numeric or
// named targetPort, another Service port in front of the container's 1025, and SMTP_URL by
// the short name (mail-sink:25) or the full one. What is not: a Service that selects nothing,
// or an SMTP_URL that goes somewhere else (the workshop's Mailpit).
/** Mailpit's Deployment in namespace teamnotes, the Service selecting it, and its SMTP port. */
export function mailpit(ctx: CheckContext): Mailpit {
  const all = workloadsRunning(ctx, 'mailpit', ['Deployment', 'StatefulSet']);
  const w = all.find((x) => namespaceOf(x.m) === NAMESPACE);
  if (!w) {
    const elsewhere = all.map((x) => ({
      where: at(x.m, ['metadata']),
      message: `${x.m.kind} ${x.m.name} runs Mailpit in namespace ${namespaceOf(x.m)}, not ${NAMESPACE}`,
    }));
    return { problems: elsewhere };
  }
  const services = ctx.manifests.find('Service').filter((s) => namespaceOf(s) === NAMESPACE);
  const selecting = services.filter((s) => {
    const sel = selectorOf('Service', s.object) ?? {};
    return Object.keys(sel).length > 0 && !missingLabels(sel, w.tpl.labels).length;
  });
  for (const svc of selecting) {
    const ports = svc.object.spec?.ports ?? [];
    const smtp = ports.find((p) => resolvePort(w.main.container, p.targetPort ?? p.port).port === MAILPIT_SMTP);
    if (smtp) return { w, svc, smtpPort: smtp.port, problems: [] };
  }
  if (selecting.length)
    return {
      w,
      svc: selecting[0],
      problems: [
        { where: at(selecting[0]!, ['spec', 'ports']), message: `Service ${selecting[0]!.name} has no port that reaches Mailpit's SMTP port ${MAILPIT_SMTP}` },
      ],
    };
  const near = services.find((s) => Object.keys(selectorOf('Service', s.object) ?? {}).length && /mail/i.test(s.name));
  return {
    w,
    problems: [
      near
        ? {
            where: at(near, ['spec', 'selector']),
            message: `Service ${near.name} selects ${formatLabels(selectorOf('Service', near.object)!)}, but the Mailpit pods are labelled ${formatLabels(w.tpl.labels)}: it has no endpoints`,
          }
        : { where: at(w.m, ['metadata']), message: `no Service in namespace ${NAMESPACE} selects the Mailpit pods` },
    ],
  };
}

/** Where the worker's (else the web's) SMTP_URL points, as far as the files show. */
export function smtpTarget(ctx: CheckContext): { host?: string; port?: number; from: string; value?: string } {
  const sender = workerDeployment(ctx) ?? (appDeployment(ctx) && { ...appDeployment(ctx)!, main: appDeployment(ctx)!.web });
  if (!sender) return { from: 'no Deployment runs the teamnotes image' };
  const { value, from } = valueInFiles(ctx, sender.m, sender.main, 'SMTP_URL');
  if (!value) return { from };
  try {
    const u = new URL(value.replace(/\$\([A-Za-z0-9_]+\)/g, 'x'));
    return { host: u.hostname, port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 587, from, value };
  } catch {
    return { from, value };
  }
}

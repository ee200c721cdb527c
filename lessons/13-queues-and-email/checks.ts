import type { V1CronJob } from '@kubernetes/client-node';
import { defineCheck, fail, findingLine, getIn, pass, reportFindings, selectorOf } from '../../verify/lesson-api.ts';
import { APPLY, appDeployment, at, live, NAMESPACE, namespaceOf, notApplied, podsMatching, rolloutComplete } from '../shared/k8s.ts';
import { serviceForHost } from '../shared/manifest-rules.ts';
import { cronJobProblems, digestCronJobs, mailpit, smtpTarget, workerDeployment, workerInWebPod, workerProblems } from './rules.ts';
import {
  allOnce,
  arrives,
  describeTally,
  digest,
  drain,
  DELIVERY_MS,
  REQUEST_BUDGET_MS,
  requestPath,
  retried,
  RETRY_WINDOW_MS,
  startDrain,
  WORKER_EXIT_DEADLINE_MS,
} from './scenarios.ts';
import { digestTimers, reachableFiles, webEntry } from './web-code.ts';
import { INGRESS_URL, MAILPIT_WAIT_MS, signupThroughIngress } from './cluster-mail.ts';

const manifest = { severity: 'required' as const, layer: 'manifest' as const };
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export default [
  defineCheck({
    id: 'email-off-request-path',
    title: 'Signing up and posting a note answer fast while the SMTP server hangs',
    severity: 'required',
    layer: 'behaviour',
    learn: '#1-a-queue-for-email',
    timeoutMs: 60_000,
    hints: [
      `The verifier makes SMTP hang (connections accepted, no answer) and times POST /api/signup (twice) and POST /api/notes: each must answer 2xx within ${REQUEST_BUDGET_MS / 1000} s.`,
      'While the request handler awaits sendMail, the user waits for the mail server: slow SMTP is a slow signup, dead SMTP a timeout. Write a job to a queue in Redis instead, and let a worker process send it.',
      "const { Queue } = require('bullmq'); const queue = new Queue('email', { connection: new IORedis(config.redisUrl, { maxRetriesPerRequest: null }) }); await queue.add('send', { to, subject, text }, { jobId: 'welcome/' + user.id });",
    ],
    async run(ctx) {
      const rp = await requestPath(ctx);
      if (rp.problem) return fail(rp.problem, { fix: rp.fix, evidence: rp.tail });
      const slow = rp.requests.find((t) => t.status === undefined || t.status < 200 || t.status >= 300 || t.ms > REQUEST_BUDGET_MS);
      if (!slow) startDrain(ctx);
      if (!slow) return pass(`SMTP hanging: ${rp.requests.map((t) => `${t.what} ${t.status} in ${t.ms} ms`).join(', ')}`);
      return fail(
        `with the SMTP server hanging, ${slow.what} ${slow.status === undefined ? `got ${slow.answer} (${secs(slow.ms)})` : `answered ${slow.answer} after ${secs(slow.ms)}`}`,
        {
          expected: `2xx within ${REQUEST_BUDGET_MS / 1000} s, whatever the SMTP server does`,
          why: 'A handler that awaits sendMail waits as long as the mail server does: every signup and every note times out while SMTP is slow or down, and each holds a connection meanwhile. Users notice; a mail that is a minute late, nobody does.',
          fix: 'In signup() and createNote() of src/server.js, enqueue the mail (src/queue.js, BullMQ on REDIS_URL) instead of calling sendMail; the worker (npm run worker) sends it.',
          evidence: rp.tail,
        },
      );
    },
  }),
  defineCheck({
    id: 'mail-arrives-once',
    title: "With the web and the worker running, a signup's welcome mail arrives, once",
    severity: 'required',
    layer: 'behaviour',
    learn: '#2-a-worker-deployment',
    timeoutMs: 60_000,
    hints: [
      `The verifier starts the web (npm start) and the worker (npm run worker) with the same environment and its own SMTP sink, signs up, and waits ${DELIVERY_MS / 1000} s for exactly one mail to that address.`,
      'The worker is the same code with another entry point: a BullMQ Worker on the queue the web writes to, sending each job with src/mailer.js. Add "worker": "node src/worker.js" to package.json\'s scripts.',
      "new Worker('email', async (job) => sendMail(job.data), { connection: new IORedis(config.redisUrl, { maxRetriesPerRequest: null }) })",
    ],
    async run(ctx) {
      const d = await arrives(ctx);
      if (d.problem) return fail(d.problem, { fix: d.fix, evidence: d.tail });
      if (d.got === 1) return pass(`one welcome mail to ${d.address}, ${secs(d.waitedMs)} after the signup`);
      return d.got === 0
        ? fail(`no mail reached the SMTP sink for ${d.address} within ${DELIVERY_MS / 1000} s of the signup`, {
            expected: 'the welcome mail, once',
            why: 'The web only queues mail now: if no worker takes jobs from that queue (same Redis, same queue name), nothing is ever sent.',
            fix: 'npm run worker must start a worker on the queue the web writes to (src/worker.js) that sends each job through src/mailer.js.',
            evidence: d.tail,
          })
        : fail(`${d.got} copies of the welcome mail reached ${d.address}`, {
            expected: 'exactly one',
            why: 'Two senders for one mail: the web still sends inline and the worker sends the job too, or the signup queues two jobs.',
            fix: 'Send only in the worker, and queue each mail once with a job id of its own (welcome/<userId>).',
            evidence: d.tail,
          });
    },
  }),
  defineCheck({
    id: 'failed-send-retried',
    title: 'A mail the SMTP server refused is retried, and arrives once when SMTP is back',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['mail-arrives-once'],
    learn: '#4-retries-backoff-and-idempotency',
    timeoutMs: 120_000,
    hints: [
      `The verifier makes SMTP refuse connections, signs up, waits for the worker's attempt (plus 2 s), lets SMTP answer again, and waits up to ${RETRY_WINDOW_MS / 1000} s for the mail.`,
      'A job whose handler throws is failed for good unless it has attempts left. Give every job several attempts and a growing pause between them (exponential backoff), so a mail server that restarts costs a delay, not a mail.',
      "defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 2000 } }   (2, 4, 8, 16 s)",
    ],
    async run(ctx) {
      const d = await retried(ctx);
      if (d.problem) return fail(d.problem, { fix: d.fix, evidence: d.tail });
      if (!d.refusedAttempts) {
        return fail('the worker did not try to send within 10 s of the signup while SMTP refused connections, so a retry could not be seen', {
          expected: 'a refused attempt, then the mail once SMTP is back',
          why: 'A worker should take a job as soon as it is queued (BullMQ blocks on the queue and wakes up at once).',
          fix: 'Check that the worker takes jobs right away: npm run worker, then sign up and watch its log.',
          evidence: d.tail,
        });
      }
      if (d.got === 1) return pass(`SMTP refused ${d.refusedAttempts} attempt(s); the mail arrived once, ${secs(d.waitedMs)} after SMTP was back`);
      return d.got === 0
        ? fail(`SMTP refused ${d.refusedAttempts} attempt(s); ${RETRY_WINDOW_MS / 1000} s after it was back the mail had still not arrived`, {
            expected: 'the mail, once, after a retry',
            why: 'Mail servers restart, throttle and time out. Without retries, a mail that meets that moment is lost, with only a log line to show for it.',
            fix: "Give the jobs attempts and a backoff: queue.add('send', data, { jobId, attempts: 5, backoff: { type: 'exponential', delay: 2000 } })",
            evidence: d.tail,
          })
        : fail(`${d.got} copies of the mail arrived after SMTP came back`, {
            expected: 'exactly one',
            why: 'Retries must not multiply mail: one job per mail, retried, not a new job per attempt.',
            fix: 'Retry through the queue (attempts, backoff), not by queueing the mail again on failure.',
            evidence: d.tail,
          });
    },
  }),
  defineCheck({
    id: 'digest-once',
    title: 'The digest job, run twice at once, mails each user one digest; the web sends none',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['mail-arrives-once'],
    learn: '#5-the-digest-as-a-cronjob',
    timeoutMs: 180_000,
    hints: [
      'The verifier posts a note, runs a second web replica for 3 s (no digest may arrive), then starts `npm run digest` twice at the same time with the worker running: each must exit 0, and each user must get exactly one digest.',
      'The CronJob starts one run per schedule, but runs can still overlap (a manual run, a retried Job). Make the run idempotent: one job id per person and day, so the second run queues nothing new.',
      "await enqueueEmail(mail, { jobId: 'digest/' + new Date().toISOString().slice(0, 10) + '/user/' + user.id }); then close Postgres, Redis and the queue and process.exit(0)",
    ],
    async run(ctx) {
      const d = await digest(ctx);
      if (d.problem) return fail(d.problem, { fix: d.fix, evidence: d.tail });
      const problems = [
        ...(d.fromWeb.length ? [`the web replicas sent ${d.fromWeb.length} digest mail(s) by themselves (${d.fromWeb[0]})`] : []),
        ...d.runs.filter((r) => r.exit?.code !== 0).map((r, i) => `digest run ${i + 1} ${r.outcome}`),
        ...d.mails.filter((m) => m.got !== 1).map((m) => `${m.address} got ${m.got} digests`),
      ];
      if (!problems.length)
        return pass(
          `two runs at once, both exited 0 (${d.runs.map((r) => secs(r.ms)).join(', ')}); one digest each to ${d.mails.length} users; none from the web`,
        );
      const doubled = d.mails.some((m) => m.got > 1);
      return fail(problems[0]!, {
        expected: 'both runs exit 0, one digest per user, no digest from the web processes',
        why: doubled
          ? 'Runs overlap in real life (a manual run, a Job retried after its pod died). Without idempotent jobs, each run mails everybody again.'
          : "A CronJob's pod must do its work and exit 0: a run that fails is retried, one that never exits holds the schedule (concurrencyPolicy: Forbid skips the next runs).",
        fix: doubled
          ? 'Give each digest mail a job id of the day and the person (digest/<date>/user/<id>): the second run then queues nothing.'
          : 'src/digest-job.js: run one digest, close Postgres, Redis and the queue, process.exit(0); "digest": "node src/digest-job.js" in package.json.',
        evidence: [...problems.slice(1), ...d.runs.flatMap((r) => r.tail)].slice(0, 8),
      });
    },
  }),
  defineCheck({
    id: 'no-timer-in-web',
    title: 'No digest timer is left in the web process',
    severity: 'required',
    layer: 'code',
    learn: '#5-the-digest-as-a-cronjob',
    hints: [
      "The verifier follows the requires from the web's entry (npm start) and looks for setInterval/setTimeout/cron schedules that mention the digest.",
      'Every web replica runs its own timers. The digest moves to a CronJob; delete scheduleDigest() and its call in server.js (the pause flag of lesson 05 stays, the job reads it).',
    ],
    async run(ctx) {
      const entry = webEntry(ctx);
      const files = reachableFiles(ctx, entry);
      if (!files.length)
        return fail(`the web's entry ${entry} (npm start) is not in the workspace`, {
          expected: 'package.json "start": "node src/server.js", and that file',
          why: 'The verifier reads what the web process loads, starting there.',
          fix: 'Fix the start script in package.json.',
        });
      const timers = digestTimers(ctx, files);
      if (!timers.length) return pass(`no digest timer in the ${files.length} files the web loads (from ${entry})`);
      return fail(`the web process still schedules the digest: ${timers[0]!.text}`, {
        where: `${timers[0]!.file}:${timers[0]!.line}`,
        expected: 'no timer for the digest in any file the web loads; the digest runs from a CronJob',
        why: 'Every web replica runs the timer: with two replicas, two digests (or a lock to prevent it), and each deploy restarts the clock. A CronJob runs it once per schedule, whatever the number of replicas.',
        fix: 'Delete the timer and its start-up call; run one digest per schedule with `node src/digest-job.js` from k8s/digest-cronjob.yaml.',
        evidence: timers.slice(1).map((t) => findingLine({ where: `${t.file}:${t.line}`, message: t.text })),
      });
    },
  }),
  defineCheck({
    id: 'worker-drains-on-sigterm',
    title: 'On SIGTERM the worker finishes the mail in flight and exits 0; the mail is not lost',
    severity: 'required',
    layer: 'behaviour',
    // Its proof of a drained job is the mail arriving after a retry: that needs retries first.
    dependsOn: ['email-off-request-path', 'failed-send-retried'],
    learn: '#3-stop-without-losing-a-job',
    timeoutMs: 120_000,
    hints: [
      `The verifier queues mails with SMTP hanging, starts the worker, and sends it SIGTERM while it is sending; a second later SMTP answers again. The worker must exit 0 within ${WORKER_EXIT_DEADLINE_MS / 1000} s, and a second worker must deliver every mail, once.`,
      'Exiting on SIGTERM (or dying of it) leaves the job "active" in Redis, locked by a worker that is gone: nobody sends it until the lock expires, and a mail that was half-sent may go out twice. worker.close() stops taking jobs and waits for the ones in flight.',
      "process.on('SIGTERM', async () => { await worker.close(); await connection.quit(); process.exit(0); });   plus a deadline below terminationGracePeriodSeconds",
    ],
    async run(ctx) {
      const d = await drain(ctx);
      if (d.problem) return fail(d.problem, { fix: d.fix, evidence: d.tail });
      const problems = [
        ...(d.exitCode !== 0
          ? [`the worker ${d.exit}${d.exitCode === null && d.exit?.includes('SIGTERM') ? " (no SIGTERM handler: Node's default)" : ''}`]
          : []),
        ...(!allOnce(d.mails) ? [`after the stop, mails delivered: ${describeTally(d.mails)} (waited ${DELIVERY_MS / 1000} s)`] : []),
      ];
      if (!problems.length) return pass(`SIGTERM mid-send: exit 0 after ${secs(d.exitMs ?? 0)}; every mail in flight arrived once (${describeTally(d.mails)})`);
      return fail(problems.join('; '), {
        expected: `exit code 0 within ${WORKER_EXIT_DEADLINE_MS / 1000} s of SIGTERM, and every queued mail delivered once`,
        why: 'Kubernetes sends SIGTERM on every rollout, scale-down and node drain. A worker that quits on the spot strands the job it held (locked in Redis until the lock expires, 30 s at best) or sends it twice; one that never quits is SIGKILLed mid-send.',
        fix: 'On SIGTERM: await worker.close() (it waits for the jobs in flight), close the Redis connection, process.exit(0); exit 1 yourself if that takes longer than SHUTDOWN_TIMEOUT_SECONDS.',
        evidence: d.tail,
      });
    },
  }),
  defineCheck({
    id: 'worker-deployment',
    ...manifest,
    title: 'A worker Deployment runs the Teamnotes image with the worker command',
    learn: '#2-a-worker-deployment',
    hints: [
      'k8s/worker.yaml: a second Deployment with the same image as the web, command ["node", "src/worker.js"], its own labels.',
      "Same image, same ConfigMap and Secret keys as the web (src/config.js is shared); terminationGracePeriodSeconds above the worker's shutdown deadline; resources; labels the web's Service does not select.",
    ],
    async run(ctx) {
      const w = workerDeployment(ctx);
      if (!w) {
        const inPod = workerInWebPod(ctx);
        return fail(inPod ? `the worker is a second container (${inPod.container.name}) in the web's pods` : 'no second Deployment runs the teamnotes image', {
          where: inPod ? at(appDeployment(ctx)!.m, inPod.path) : undefined,
          expected: 'k8s/worker.yaml: kind Deployment, image teamnotes:<the web\'s tag>, command ["node", "src/worker.js"]',
          why: "The worker is a process of its own: it scales, restarts and rolls out apart from the web, and a stuck mail server only ever slows it down. In the web's pod it would scale with the web and restart with it.",
          fix: 'Create k8s/worker.yaml (lesson 13, step 2), then ' + APPLY,
        });
      }
      return reportFindings(
        workerProblems(ctx, w),
        `Deployment ${w.m.name} runs \`${[...(w.main.container.command ?? []), ...(w.main.container.args ?? [])].join(' ')}\` (${w.m.file})`,
        {
          expected:
            "the worker command, ≥ 1 replica, terminationGracePeriodSeconds above its shutdown deadline, requests and a memory limit, the web's env sources, labels of its own",
          why: "The worker needs the web's whole configuration (it loads the same src/config.js), time to finish its mails when stopped, and must never receive the web's traffic.",
          fix: 'Fix k8s/worker.yaml as named, then ' + APPLY,
        },
      );
    },
  }),
  defineCheck({
    id: 'digest-cronjob',
    ...manifest,
    title: 'A CronJob runs the digest job on a valid schedule, never two at once',
    learn: '#5-the-digest-as-a-cronjob',
    hints: [
      'k8s/digest-cronjob.yaml: kind CronJob (batch/v1), schedule "0 7 * * *", concurrencyPolicy: Forbid, the teamnotes image, command ["node", "src/digest-job.js"].',
      'Five fields: minute hour day-of-month month day-of-week. The default concurrencyPolicy (Allow) starts the next run beside one that still runs; Forbid skips it, Replace stops the old run and starts the new one.',
    ],
    async run(ctx) {
      const [cj] = digestCronJobs(ctx);
      if (!cj) {
        const others = ctx.manifests
          .find('CronJob')
          .map((m) => ({ where: at(m, ['metadata']), message: `CronJob ${m.name} does not run the teamnotes image` }));
        return fail('no CronJob runs the teamnotes image', {
          where: others[0]?.where,
          expected: 'k8s/digest-cronjob.yaml: kind CronJob, image teamnotes:<the web\'s tag>, command ["node", "src/digest-job.js"]',
          why: 'Without it the digest is either still a timer in every web replica, or gone.',
          fix: 'Create k8s/digest-cronjob.yaml (lesson 13, step 5), then ' + APPLY,
          evidence: others.map(findingLine),
        });
      }
      return reportFindings(
        cronJobProblems(ctx, cj),
        `CronJob ${cj.m.name}: "${String(getIn(cj.m.object, ['spec', 'schedule']))}", concurrencyPolicy ${String(getIn(cj.m.object, ['spec', 'concurrencyPolicy']))}, runs \`${[...(cj.main.container.command ?? []), ...(cj.main.container.args ?? [])].join(' ')}\``,
        {
          expected: 'a 5-field schedule, concurrencyPolicy: Forbid (or Replace), a command that runs one digest and exits',
          why: 'The CronJob is what makes it one digest per schedule: a schedule the API server refuses means none, and Allow (the default) starts a second run beside one that is still going.',
          fix: 'Fix k8s/digest-cronjob.yaml as named, then ' + APPLY,
        },
      );
    },
  }),
  defineCheck({
    id: 'mailpit-in-cluster',
    ...manifest,
    title: 'Mailpit runs in namespace teamnotes behind a Service, and SMTP_URL points at it',
    learn: '#6-mailpit-in-the-cluster',
    hints: [
      'k8s/mailpit.yaml: a Deployment running axllent/mailpit:v1.30.5 (ports 1025 smtp, 8025 http) and a Service mailpit selecting its pods.',
      'SMTP_URL in .env.cluster (and its template): smtp://mailpit.teamnotes.svc.cluster.local:1025, then recreate the Secret and restart the worker.',
    ],
    async run(ctx) {
      const mp = mailpit(ctx);
      // Nothing to point at when there is no Mailpit at all: a message without a file line.
      const problems = [...mp.problems];
      if (!mp.w && !mp.problems.length) {
        return fail(`no Deployment in namespace ${NAMESPACE} runs axllent/mailpit`, {
          expected: `k8s/mailpit.yaml: a Deployment running axllent/mailpit:v1.30.5 in namespace ${NAMESPACE}, and a Service selecting its pods`,
          why: 'The app should catch its own mail inside its namespace, like its own Postgres and Redis.',
          fix: 'Create k8s/mailpit.yaml (lesson 13, step 6), then ' + APPLY,
        });
      }
      if (mp.svc && mp.smtpPort) {
        const target = smtpTarget(ctx);
        const svc = target.host ? serviceForHost(target.host, ctx.manifests.find('Service'), NAMESPACE) : undefined;
        if (!target.host)
          problems.push({ where: target.from, message: `cannot see where SMTP_URL points (${target.value === undefined ? target.from : 'not a URL'})` });
        else if (svc !== mp.svc || target.port !== mp.smtpPort) {
          problems.push({
            where: target.from,
            message: `SMTP_URL goes to ${target.host}:${target.port}, not to Service ${mp.svc.name} port ${mp.smtpPort} (mail would go ${/workshop-services/.test(target.host) ? "to the workshop's throwaway Mailpit" : 'nowhere you can read'})`,
          });
        }
      }
      return reportFindings(problems, `Mailpit ${mp.w?.m.name} behind Service ${mp.svc?.name}:${mp.smtpPort}, and SMTP_URL points there`, {
        expected: `a Deployment running axllent/mailpit in namespace ${NAMESPACE}, a Service selecting its pods with the SMTP port, SMTP_URL=smtp://<that Service>.${NAMESPACE}.svc.cluster.local:<its port>`,
        why: 'The app should catch its own mail inside its namespace, like its own Postgres and Redis: a Service that selects nothing or a URL to another Mailpit means every send fails, or mail lands where you do not look.',
        fix: 'Fix k8s/mailpit.yaml or SMTP_URL in .env.cluster (and .env.cluster.example), recreate the Secret, then kubectl -n teamnotes rollout restart deploy/teamnotes-worker',
      });
    },
  }),
  defineCheck({
    id: 'worker-ready',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['worker-deployment'],
    title: 'The worker Deployment in the cluster matches k8s/, and its pods are updated and Ready',
    learn: '#2-a-worker-deployment',
    timeoutMs: 75_000,
    hints: [
      'kubectl -n teamnotes rollout status deploy/teamnotes-worker, then kubectl -n teamnotes logs deploy/teamnotes-worker',
      'CrashLoopBackOff with "missing required environment variable(s)": the worker needs the web\'s env sources. Not Ready: its readiness probe port or path.',
    ],
    async run(ctx) {
      const w = workerDeployment(ctx)!;
      return rolloutComplete(ctx, w.m, w.main.container);
    },
  }),
  defineCheck({
    id: 'cronjob-present',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['digest-cronjob'],
    title: 'The digest CronJob in the cluster has the schedule and policy of k8s/',
    learn: '#5-the-digest-as-a-cronjob',
    timeoutMs: 30_000,
    hints: ['kubectl -n teamnotes get cronjob', 'kubectl -n teamnotes create job --from=cronjob/teamnotes-digest digest-now runs one at once.'],
    async run(ctx) {
      const [cj] = digestCronJobs(ctx);
      const current = await live<V1CronJob>(ctx, cj!.m);
      if (!current) return notApplied(cj!.m);
      const want = {
        schedule: String(getIn(cj!.m.object, ['spec', 'schedule'])),
        policy: String(getIn(cj!.m.object, ['spec', 'concurrencyPolicy']) ?? 'Allow'),
      };
      const have = { schedule: current.spec?.schedule, policy: current.spec?.concurrencyPolicy ?? 'Allow' };
      if (have.schedule !== want.schedule || have.policy !== want.policy) {
        return fail('the CronJob in the cluster differs from k8s/', {
          where: cj!.m.file,
          observed: `cluster: "${have.schedule}", concurrencyPolicy ${have.policy}`,
          expected: `k8s/: "${want.schedule}", concurrencyPolicy ${want.policy}`,
          why: 'Editing a file changes nothing until it is applied.',
          fix: APPLY,
        });
      }
      if (current.spec?.suspend) {
        return fail(`CronJob ${cj!.m.name} is suspended: it starts no run`, {
          where: `cronjob/${cj!.m.name} (namespace ${namespaceOf(cj!.m)})`,
          expected: 'suspend: false',
          why: 'A suspended CronJob keeps its schedule but creates no Job: no digest goes out.',
          fix: `kubectl -n ${namespaceOf(cj!.m)} patch cronjob ${cj!.m.name} -p '{"spec":{"suspend":false}}'`,
        });
      }
      const last = current.status?.lastScheduleTime;
      return pass(
        `CronJob ${cj!.m.name}: "${have.schedule}", concurrencyPolicy ${have.policy}${last ? `, last run ${new Date(last as unknown as string).toISOString()}` : ', no run yet'}`,
      );
    },
  }),
  defineCheck({
    id: 'mail-through-cluster',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['worker-ready', 'mailpit-in-cluster'],
    requires: ['real-pods'],
    title: "A signup through http://localhost/ lands one mail in the cluster's Mailpit",
    learn: '#6-mailpit-in-the-cluster',
    timeoutMs: 150_000, // up to 60 s for the restarted workloads, 30 s for the route, 30 s for the mail, the rest for Mailpit and the API
    hints: [
      "Sign up at http://localhost/ (or: curl -i -d 'email=me@example.com&name=Me&password=pw' http://localhost/signup), then look at Mailpit: kubectl -n teamnotes port-forward svc/mailpit 8025:8025",
      'No mail: kubectl -n teamnotes logs deploy/teamnotes-worker (connection refused to SMTP_URL? the Secret still has the old URL: recreate it and restart the worker).',
    ],
    async run(ctx) {
      const mp = mailpit(ctx);
      const r = await signupThroughIngress(ctx, mp.w!, mp.svc!);
      if (r.noApiPort)
        return fail(`Service ${mp.svc!.name} has no port for Mailpit's web UI and API (8025)`, {
          where: at(mp.svc!, ['spec', 'ports']),
          expected: 'a port reaching container port 8025',
          why: 'The verifier (and you) read the caught mail through that API.',
          fix: `Add {name: http, port: 8025, targetPort: http} to the Service's ports, then ${APPLY}`,
        });
      if (!r.signedUp)
        return fail(`POST ${INGRESS_URL}/signup (the sign-up form) → ${r.answer}`, {
          expected: 'a redirect to /notes (the account is created)',
          why: 'The signup is what queues the welcome mail.',
          fix: `kubectl -n ${NAMESPACE} logs deploy/teamnotes`,
        });
      if (r.count === 1) return pass(`signed up ${r.address} through the Ingress; one welcome mail in Mailpit (Service ${mp.svc!.name})`);
      // What the worker said meanwhile: the usual answer (SMTP refused, a wrong host, a job that failed).
      const w = workerDeployment(ctx);
      const workers = w
        ? (await podsMatching(ctx, namespaceOf(w.m), selectorOf('Deployment', w.m.object) ?? {})).filter((p) => !p.metadata?.deletionTimestamp)
        : [];
      const evidence = [
        ...(r.unsettled?.length ? [`still rolling out when the signup was sent: ${r.unsettled.join(', ')}`] : []),
        ...(
          await Promise.all(
            workers.slice(0, 2).map(async (p) => (await ctx.kube.lastLogLines(p, 8, { healthy: true })).map((l) => `${p.metadata?.name}: ${l}`)),
          )
        ).flat(),
      ];
      return fail(typeof r.count === 'string' ? r.count : `${r.count} mail(s) for ${r.address} in Mailpit ${MAILPIT_WAIT_MS / 1000} s after the signup`, {
        evidence,
        expected: 'exactly one welcome mail in Mailpit',
        why: 'This is the whole path in the cluster: Ingress → web → queue in Redis → worker → Mailpit.',
        fix: `kubectl -n ${NAMESPACE} logs deploy/teamnotes-worker   (then: kubectl -n ${NAMESPACE} get secret teamnotes-secrets -o jsonpath='{.data.SMTP_URL}' | base64 -d)`,
      });
    },
  }),
];

// The email worker: takes jobs from the `email` queue (src/queue.js) and sends them.
//   node src/worker.js          (npm run worker; k8s/worker.yaml runs the same image with this command)
//
// Same code, same image, same configuration as the web process, a different entry
// point: it scales on its own (more workers when mail piles up, none of the web's
// traffic), and a slow SMTP server only ever slows this process down.
const http = require('http');
const { Worker } = require('bullmq');
const config = require('./config'); // first: exits with a clear message if the environment is incomplete
const log = require('./log');
const { QUEUE_NAME, connect } = require('./queue');
const { sendMail } = require('./mailer');

process.on('uncaughtException', (err) => {
  log.fatal({ err }, 'Crashed');
  process.exit(1);
});

// At-least-once delivery: BullMQ retries a job whose attempt failed, and hands a job
// whose worker died mid-way to another worker once its lock expires. The one case
// that would mail twice: the mail went out but the attempt failed afterwards (e.g.
// Redis dropped before the job was marked done). A "sent" marker per job, written
// right after sending and checked before, closes most of that gap.
const SENT_TTL_SECONDS = 7 * 24 * 60 * 60;
const connection = connect('teamnotes-worker');
const sentKey = (job) => 'mail:sent:' + job.id;

async function deliver(job) {
  if (await connection.exists(sentKey(job))) {
    log.info({ jobId: job.id }, 'Already sent by an earlier attempt, not sending again');
    return { alreadySent: true };
  }
  const info = await sendMail(job.data);
  await connection.set(sentKey(job), info.messageId || '1', 'EX', SENT_TTL_SECONDS);
  log.info({ jobId: job.id, attempt: job.attemptsMade + 1 }, 'Email job done');
  return { messageId: info.messageId };
}

// A few sends at once: each is mostly waiting on the SMTP server.
const worker = new Worker(QUEUE_NAME, deliver, { connection, concurrency: 5 });

worker.on('failed', (job, err) => {
  if (!job) return;
  const willRetry = job.attemptsMade < (job.opts.attempts || 1);
  // The address stays out of the log (the job id says whose mail it is).
  log[willRetry ? 'warn' : 'error']({ err, jobId: job.id, attempt: job.attemptsMade, willRetry }, willRetry ? 'Email failed, will retry' : 'Email failed for good');
});
worker.on('error', (err) => log.error({ err }, 'Worker error'));

// Probes for Kubernetes (k8s/worker.yaml), on WORKER_PORT. No Service points here: the
// worker serves no traffic, this port is for the kubelet only.
//   /livez   the process answers at all (a stuck event loop doesn't)
//   /readyz  connected to Redis and taking jobs; 503 while starting or stopping, so a
//            rollout waits for the new worker before it stops the old one
let stopping = false;
const health = http.createServer((req, res) => {
  const ready = !stopping && worker.isRunning() && connection.status === 'ready';
  const [status, body] =
    req.url === '/livez' ? [200, { status: 'ok' }]
      : req.url === '/readyz' ? [ready ? 200 : 503, { status: ready ? 'ok' : stopping ? 'shutting-down' : 'starting' }]
        : [404, { error: 'Not found' }];
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});
health.listen(config.workerPort, () => log.info({ port: config.workerPort, queue: QUEUE_NAME }, 'Worker started'));

// Kubernetes stops a pod with SIGTERM, and SIGKILLs it terminationGracePeriodSeconds
// later. Exiting at once would leave the job in flight "active" in Redis until its
// lock expires (30 s) — or, had it already mailed, send it twice. Instead:
//   1. worker.close() takes no new job and waits for the ones in flight (each bounded
//      by the SMTP timeouts of src/mailer.js; a failed one goes back to the queue for
//      its retry, to this or another worker);
//   2. close Redis and exit 0.
// A deadline (SHUTDOWN_TIMEOUT_SECONDS, below the pod's grace period) makes sure we
// exit ourselves, and say so, rather than being killed mid-send.
async function shutdown(signal) {
  if (stopping) return log.info({ signal }, 'Received again, already shutting down');
  stopping = true;
  log.info({ signal }, 'Shutting down: finishing the jobs in flight, taking no new ones');
  setTimeout(() => {
    log.error({ timeoutSeconds: config.shutdownTimeoutSeconds }, 'Shutdown did not finish in time, exiting anyway');
    process.exit(1);
  }, config.shutdownTimeoutSeconds * 1000).unref();

  await worker.close();
  await connection.quit();
  health.close();
  log.info('Shutdown complete');
  process.exit(0);
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

const { Queue } = require('bullmq');
const IORedis = require('ioredis');
const config = require('./config');
const log = require('./log');

// Email leaves the request path: the web process only writes a job to this queue (one
// Redis command, a millisecond), and the worker Deployment (src/worker.js) sends it. A
// slow or broken SMTP server then delays mail, never a signup, and a failed send is
// retried instead of lost in a log line.
const QUEUE_NAME = 'email';

// Every attempt after the first waits twice as long as the one before: 2, 4, 8, 16 s.
// Five attempts ride out an SMTP server restarting (~30 s) without hammering it;
// after the last one the job stays in the queue's failed list for a person to look at.
const ATTEMPTS = 5;
const BACKOFF_MS = 2000;

// How long finished jobs stay in Redis. Their ids are what makes enqueueing idempotent
// (below): while a job with an id exists, adding that id again does nothing. A week
// covers a retried request and a digest run twice on the same day, at a few hundred
// bytes per mail.
const KEEP_SECONDS = 7 * 24 * 60 * 60;

// BullMQ talks to Redis through ioredis (the app's other Redis client, node-redis in
// src/redis.js, keeps sessions and the cache). maxRetriesPerRequest: null makes a
// command wait for a reconnect instead of failing after 20 tries: BullMQ requires it
// for the worker's blocking reads, and for the web it means a job written while Redis
// blips is still written once Redis is back.
function connect(name) {
  const connection = new IORedis(config.redisUrl, { maxRetriesPerRequest: null, connectionName: name });
  // Without an 'error' listener ioredis prints every reconnect attempt to stderr.
  connection.on('error', (err) => log.error({ err, connection: name }, 'Redis (queue) connection error'));
  return connection;
}

let connection;
let queue;

// Created on first use: scripts that require this module without sending mail open no
// connection, and the web process opens it with its first signup.
function getQueue() {
  if (!queue) {
    connection = connect('teamnotes-queue');
    queue = new Queue(QUEUE_NAME, {
      connection,
      defaultJobOptions: {
        attempts: ATTEMPTS,
        backoff: { type: 'exponential', delay: BACKOFF_MS },
        removeOnComplete: { age: KEEP_SECONDS },
        removeOnFail: { age: KEEP_SECONDS },
      },
    });
    queue.on('error', (err) => log.error({ err }, 'Email queue error'));
  }
  return queue;
}

// Idempotent by id: the caller names the job after what the mail is about and who gets
// it (`welcome/42`, `note/17/user/43`, `digest/2025-11-25/user/43`), and BullMQ ignores
// a job whose id is already in the queue. A request retried by a client, or a second
// digest run, therefore never mails anyone twice. User ids, not addresses: job ids end
// up in log lines. (No ':' in ids: BullMQ reserves it.)
async function enqueueEmail({ to, subject, text }, { jobId }) {
  if (!jobId) throw new Error('enqueueEmail needs a jobId: without one a retry would send the mail twice');
  const job = await getQueue().add('send', { to, subject, text }, { jobId });
  log.info({ jobId: job.id }, 'Email queued');
  return job;
}

// The web's request path: never wait on Redis for longer than this. A job that could
// not be written in time is logged (with its id) and the request carries on: a missing
// welcome mail is better than a failed signup. ioredis still sends the command when
// Redis answers again, so usually the mail is only late.
const ENQUEUE_TIMEOUT_MS = 2000;

async function enqueueEmailSoon(mail, opts) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('Redis did not answer within ' + ENQUEUE_TIMEOUT_MS + ' ms')), ENQUEUE_TIMEOUT_MS);
  });
  try {
    await Promise.race([enqueueEmail(mail, opts), timeout]);
    return true;
  } catch (err) {
    log.error({ err, jobId: opts.jobId }, 'Could not queue an email');
    return false;
  } finally {
    clearTimeout(timer);
  }
}

// Graceful shutdown: the queue, then its connection (ours, so BullMQ leaves it open).
async function close() {
  if (!queue) return;
  await queue.close();
  await connection.quit();
}

module.exports = { QUEUE_NAME, connect, enqueueEmail, enqueueEmailSoon, close };

const os = require('os');
const config = require('./config');
const db = require('./db');
const redis = require('./redis');
const { sendMail } = require('./mailer');
const log = require('./log');

const INTERVAL_MS = config.digestIntervalMinutes * 60 * 1000;
const INSTANCE = os.hostname() + ':' + process.pid; // the pod name on Kubernetes

// Set through the admin API (src/admin.js). In Redis, not in this process: the replica
// that gets the admin call is rarely the one that sends the next digest.
const PAUSED_KEY = 'admin:digest:paused';

async function isPaused() {
  return (await redis.exists(PAUSED_KEY)) === 1;
}

async function setPaused(paused) {
  if (paused) await redis.set(PAUSED_KEY, '1');
  else await redis.del(PAUSED_KEY);
}

// "Nightly-ish" digest: every DIGEST_INTERVAL_MINUTES everybody gets whatever was
// posted in the last 24 hours.
async function sendDigest() {
  try {
    const { rows: notes } = await db.query(
      `SELECT n.id, n.title, u.name AS author
         FROM notes n JOIN users u ON u.id = n.author_id
        WHERE n.created_at > now() - interval '24 hours'
        ORDER BY n.created_at DESC`
    );
    if (notes.length === 0) {
      log.info('Digest: nothing new, skipping');
      return;
    }
    const { rows: users } = await db.query('SELECT email, name FROM users');
    const text = notes.map((n) => '- ' + n.title + ' (' + n.author + ')').join('\n');
    for (const user of users) {
      await sendMail({
        to: user.email,
        subject: 'Teamnotes digest: ' + notes.length + ' new note(s)',
        text: 'Hi ' + user.name + ',\n\nHere is what your team wrote in the last 24 hours:\n\n' + text + '\n',
      });
    }
    log.info({ users: users.length, notes: notes.length }, 'Digest sent');
  } catch (err) {
    log.error({ err }, 'Digest failed');
  }
}

// Every replica runs this timer, but the team wants one digest per interval, not one
// per replica. Each replica's timer fires once in every interval-long slot of clock
// time; the first to create that slot's Redis key (SET ... NX) sends the digest and
// the others skip it. (Lesson 13 replaces the timer with a Kubernetes CronJob,
// which runs the job once by design.)
async function sendDigestOnce() {
  const slot = new Date(Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS);
  const key = 'digest:lock:' + slot.toISOString().slice(0, 16); // e.g. digest:lock:2025-11-25T19:00
  try {
    if (await isPaused()) return log.info('Digest: paused through the admin API, skipping');
    const won = await redis.set(key, INSTANCE, { NX: true, EX: INTERVAL_MS / 1000 });
    if (!won) return log.info({ lock: key }, 'Digest: another instance sends this one');
  } catch (err) {
    // Better no digest than one per replica, or one while paused.
    return log.error({ err, lock: key }, 'Digest skipped, cannot reach Redis');
  }
  await sendDigest();
}

function scheduleDigest() {
  return setInterval(sendDigestOnce, INTERVAL_MS);
}

module.exports = { scheduleDigest, isPaused, setPaused };

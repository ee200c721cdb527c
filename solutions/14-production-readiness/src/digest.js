const db = require('./db');
const redis = require('./redis');
const { enqueueEmail } = require('./queue');
const log = require('./log');

// Set through the admin API (src/admin.js). In Redis, not in a process: the replica
// that gets the admin call is not the pod the CronJob starts for the next digest.
const PAUSED_KEY = 'admin:digest:paused';

async function isPaused() {
  return (await redis.exists(PAUSED_KEY)) === 1;
}

async function setPaused(paused) {
  if (paused) await redis.set(PAUSED_KEY, '1');
  else await redis.del(PAUSED_KEY);
}

// The window a digest belongs to: the day (UTC) it runs on. The CronJob runs it daily
// (k8s/digest-cronjob.yaml); every job of one day's digest carries that day in its id,
// so two runs on the same day (a manual re-run, a Job retried after a crash, two runs
// at once) queue each person's digest once.
function currentWindow(now = new Date()) {
  return now.toISOString().slice(0, 10); // e.g. 2025-11-25
}

// One digest: everybody gets whatever was posted in the last 24 hours. It only queues
// the mails; the worker sends them, with retries. Returns what it did, for the log.
async function runDigest() {
  if (await isPaused()) return { skipped: 'paused through the admin API' };
  const { rows: notes } = await db.query(
    `SELECT n.id, n.title, u.name AS author
       FROM notes n JOIN users u ON u.id = n.author_id
      WHERE n.created_at > now() - interval '24 hours'
      ORDER BY n.created_at DESC`
  );
  if (notes.length === 0) return { skipped: 'nothing new' };
  const { rows: users } = await db.query('SELECT id, email, name FROM users');
  const window = currentWindow();
  const text = notes.map((n) => '- ' + n.title + ' (' + n.author + ')').join('\n');
  for (const user of users) {
    await enqueueEmail({
      to: user.email,
      subject: 'Teamnotes digest: ' + notes.length + ' new note(s)',
      text: 'Hi ' + user.name + ',\n\nHere is what your team wrote in the last 24 hours:\n\n' + text + '\n',
    }, { jobId: 'digest/' + window + '/user/' + user.id });
  }
  log.info({ window, users: users.length, notes: notes.length }, 'Digest queued');
  return { window, users: users.length, notes: notes.length };
}

module.exports = { isPaused, setPaused, runDigest, currentWindow };

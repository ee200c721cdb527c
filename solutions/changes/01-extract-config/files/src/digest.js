const db = require('./db');
const { sendMail } = require('./mailer');
const log = require('./log');

// "Nightly-ish" digest: server.js calls this every DIGEST_INTERVAL_MINUTES and
// everybody gets whatever was posted in the last 24 hours.
async function sendDigest() {
  try {
    const { rows: notes } = await db.query(
      `SELECT n.id, n.title, u.name AS author
         FROM notes n JOIN users u ON u.id = n.author_id
        WHERE n.created_at > now() - interval '24 hours'
        ORDER BY n.created_at DESC`
    );
    if (notes.length === 0) {
      console.log('Digest: nothing new, skipping');
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
    log('info', 'Digest sent to ' + users.length + ' user(s)');
  } catch (err) {
    log('error', 'Digest failed: ' + err.message);
  }
}

module.exports = { sendDigest };

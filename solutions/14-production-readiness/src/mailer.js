const nodemailer = require('nodemailer');
const config = require('./config');
const log = require('./log');

// nodemailer reads host, port, credentials and TLS (smtps://) from the URL itself, and
// options from its query string. Its own timeouts are minutes long (a socket may sit
// idle for 10 min), which would let one hung SMTP server hold a worker's job past any
// shutdown deadline. These bound every stage of a send; a send that hits one fails,
// and the queue retries it. SMTP_URL may still set its own (?socketTimeout=…).
const TIMEOUTS_MS = {
  connectionTimeout: 10_000, // TCP connect
  greetingTimeout: 10_000, // the server's first line after connecting
  socketTimeout: 15_000, // silence in the middle of a conversation
};

function transportUrl(smtpUrl) {
  const url = new URL(smtpUrl);
  for (const [name, ms] of Object.entries(TIMEOUTS_MS)) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, String(ms));
  }
  return url.href;
}

const transporter = nodemailer.createTransport(transportUrl(config.smtpUrl));

const FROM = config.mailFrom;

// Only the worker (src/worker.js) calls this since lesson 13: the web process queues mail.
async function sendMail(opts) {
  const info = await transporter.sendMail({ from: FROM, ...opts });
  log.info({ messageId: info.messageId }, 'Mail sent');
  return info;
}

module.exports = { sendMail, FROM };

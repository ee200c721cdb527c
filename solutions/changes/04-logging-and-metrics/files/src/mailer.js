const nodemailer = require('nodemailer');
const config = require('./config');
const log = require('./log');

// nodemailer reads host, port, credentials and TLS (smtps://) from the URL itself.
const transporter = nodemailer.createTransport(config.smtpUrl);

const FROM = config.mailFrom;

async function sendMail(opts) {
  const info = await transporter.sendMail({ from: FROM, ...opts });
  log.info({ messageId: info.messageId }, 'Mail sent');
  return info;
}

module.exports = { sendMail, FROM };

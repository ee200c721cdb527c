const nodemailer = require('nodemailer');
const config = require('./config');

// nodemailer reads host, port, credentials and TLS (smtps://) from the URL itself.
const transporter = nodemailer.createTransport(config.smtpUrl);

const FROM = config.mailFrom;

async function sendMail(opts) {
  const info = await transporter.sendMail({ from: FROM, ...opts });
  console.log('Mail sent to ' + opts.to + ' (' + info.messageId + ')');
  return info;
}

module.exports = { sendMail, FROM };

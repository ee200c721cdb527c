const nodemailer = require('nodemailer');

// Local dev uses MailHog on 1025, prod box has postfix relaying on the same port.
const transporter = nodemailer.createTransport({
  host: 'localhost',
  port: 1025,
  secure: false,
  auth: {
    user: 'notifications@teamnotes.example',
    pass: 'smtp-S3cret-99',
  },
});

const FROM = 'Teamnotes <notifications@teamnotes.example>';

async function sendMail(opts) {
  const info = await transporter.sendMail({ from: FROM, ...opts });
  console.log('Mail sent to ' + opts.to + ' (' + info.messageId + ')');
  return info;
}

module.exports = { sendMail, FROM };

// Usage, from the app folder, with the same environment as the server
// (src/db.js gets its connection from src/config.js):
//   node --env-file=.env scripts/reset-password.js alice@example.com 'new-password'
// It logs like the server (JSON lines), so it can also run as a Kubernetes Job.
const db = require('../src/db');
const log = require('../src/log');
const { hashPassword } = require('../src/passwords');

async function main() {
  const [email, password] = process.argv.slice(2);
  if (!email || !password) {
    log.fatal('Usage: node scripts/reset-password.js <email> <new-password>');
    process.exit(1);
  }
  const { rowCount } = await db.query(
    'UPDATE users SET password_hash = $1 WHERE email = $2',
    [hashPassword(password), email.trim().toLowerCase()]
  );
  if (rowCount === 0) {
    log.fatal('No user with that email');
    process.exit(1);
  }
  log.info('Password reset. Tell them to log in again (sessions they already have stay valid until they log out or the session expires).');
  process.exit(0);
}

main().catch((err) => {
  log.fatal({ err }, 'Could not reset the password');
  process.exit(1);
});

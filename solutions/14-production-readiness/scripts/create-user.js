// Usage, from the app folder, with the same environment as the server
// (src/db.js gets its connection from src/config.js):
//   node --env-file=.env scripts/create-user.js alice@example.com Alice 'her-password'
// It logs like the server (JSON lines), so it can also run as a Kubernetes Job.
const db = require('../src/db');
const log = require('../src/log');
const { hashPassword } = require('../src/passwords');

async function main() {
  const [email, name, password] = process.argv.slice(2);
  if (!email || !name || !password) {
    log.fatal('Usage: node scripts/create-user.js <email> <name> <password>');
    process.exit(1);
  }
  await db.migrate();
  const { rows } = await db.query(
    'INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id',
    [email.trim().toLowerCase(), name, hashPassword(password)]
  );
  log.info({ userId: rows[0].id }, 'User created');
  process.exit(0);
}

main().catch((err) => {
  log.fatal({ err }, 'Could not create the user');
  process.exit(1);
});

// Usage (on the server, from the app folder):
//   node scripts/reset-password.js alice@example.com 'new-password'
const db = require('../src/db');
const { hashPassword } = require('../src/passwords');

async function main() {
  const [email, password] = process.argv.slice(2);
  if (!email || !password) {
    console.error('Usage: node scripts/reset-password.js <email> <new-password>');
    process.exit(1);
  }
  const { rowCount } = await db.query(
    'UPDATE users SET password_hash = $1 WHERE email = $2',
    [hashPassword(password), email.trim().toLowerCase()]
  );
  if (rowCount === 0) {
    console.error('No user with email ' + email);
    process.exit(1);
  }
  console.log('Password reset for ' + email + '. Tell them to log in again (their old session still works until the server restarts).');
  process.exit(0);
}

main().catch((err) => {
  console.error('Failed: ' + err.message);
  process.exit(1);
});

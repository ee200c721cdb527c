// Usage (on the server, from the app folder):
//   node scripts/create-user.js alice@example.com Alice 'her-password'
const db = require('../src/db');
const { hashPassword } = require('../src/passwords');

async function main() {
  const [email, name, password] = process.argv.slice(2);
  if (!email || !name || !password) {
    console.error('Usage: node scripts/create-user.js <email> <name> <password>');
    process.exit(1);
  }
  await db.migrate();
  const { rows } = await db.query(
    'INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id',
    [email.trim().toLowerCase(), name, hashPassword(password)]
  );
  console.log('Created user #' + rows[0].id + ' (' + email + ')');
  process.exit(0);
}

main().catch((err) => {
  console.error('Failed: ' + err.message);
  process.exit(1);
});

const { Pool } = require('pg');
const config = require('./config');
const log = require('./log');

// Host, port, user, password and database all come in one DATABASE_URL,
// the form every platform (and later a Kubernetes Secret) hands out.
const pool = new Pool({
  connectionString: config.databaseUrl,
  max: 10,
  // A Postgres that accepts the connection but never answers would otherwise hold a
  // request (or the start-up) forever.
  connectionTimeoutMillis: 5000,
});

// copied from the pg docs, without it an idle client dying takes the whole app down
pool.on('error', (err) => {
  log.error({ err }, 'Unexpected error on an idle Postgres connection');
});

function query(text, params) {
  return pool.query(text, params);
}

// Runs fn(client) inside one transaction: all of it is stored, or none of it
// (a note and its attachment; the schema).
async function transaction(fn) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

// Every replica runs this at start-up, often at the same moment. The advisory lock
// makes them take turns: two concurrent CREATE TABLE IF NOT EXISTS can otherwise
// both try to create the table, and one of them fails.
async function migrate() {
  await transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(4242)'); // any number, the same in every replica
    await client.query(`
      CREATE TABLE IF NOT EXISTS users (
        id SERIAL PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )
    `);
    await client.query(`
      CREATE TABLE IF NOT EXISTS notes (
        id SERIAL PRIMARY KEY,
        author_id INTEGER NOT NULL REFERENCES users(id),
        title TEXT NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        attachment_name TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )
    `);
    await client.query(`
      CREATE TABLE IF NOT EXISTS attachments (
        id SERIAL PRIMARY KEY,
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        filename TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BYTEA NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )
    `);
    await client.query('CREATE INDEX IF NOT EXISTS attachments_note_id_idx ON attachments (note_id)');
  });
  log.info('Database schema is up to date');
}

// On shutdown: waits for the queries in flight, then closes every connection.
function close() {
  return pool.end();
}

module.exports = { query, transaction, migrate, close };

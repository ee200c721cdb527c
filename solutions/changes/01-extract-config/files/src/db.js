const { Pool } = require('pg');
const config = require('./config');
const log = require('./log');

// Host, port, user, password and database all come in one DATABASE_URL,
// the form every platform (and later a Kubernetes Secret) hands out.
const pool = new Pool({
  connectionString: config.databaseUrl,
  max: 10,
});

// copied from the pg docs, without it an idle client dying takes the whole app down
pool.on('error', (err) => {
  console.error('Unexpected error on idle postgres client', err);
});

function query(text, params) {
  return pool.query(text, params);
}

async function migrate() {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS users (
      id SERIAL PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )
  `);
  await pool.query(`
    CREATE TABLE IF NOT EXISTS notes (
      id SERIAL PRIMARY KEY,
      author_id INTEGER NOT NULL REFERENCES users(id),
      title TEXT NOT NULL,
      body TEXT NOT NULL DEFAULT '',
      attachment_name TEXT,
      attachment_path TEXT,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )
  `);
  log('info', 'Database schema is up to date');
}

module.exports = { query, migrate };

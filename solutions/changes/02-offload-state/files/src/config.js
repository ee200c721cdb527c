// The one place where per-deployment values enter the app. Everything else
// requires this module instead of reading process.env, so the full list of
// settings lives here and in .env.example, and a bad deployment fails at
// start-up with a clear message instead of at the first request that needs it.

const env = process.env;
const missing = [];
const problems = [];

// Required values have no default on purpose: a fallback password or secret
// ends up in git and is quietly used in production.
function required(name) {
  if (!env[name]) missing.push(name); // an empty value (`NAME=` in .env) counts as missing
  return env[name] || undefined;
}

function url(name, schemes) {
  const value = required(name);
  if (!value) return undefined;
  try {
    if (schemes.includes(new URL(value).protocol.slice(0, -1))) return value;
  } catch {} // unparsable: same message as a wrong scheme
  // Don't echo the value: it usually contains a password.
  problems.push(`${name} must be a URL starting with ${schemes.map((s) => s + '://').join(' or ')}`);
  return undefined;
}

function integer(name, fallback, min, max) {
  const raw = env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (/^\d+$/.test(raw) && value >= min && value <= max) return value;
  problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return undefined;
}

// Env values are strings and "false" is truthy, so accept only explicit spellings.
function boolean(name, fallback) {
  const raw = env[name];
  if (!raw) return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  problems.push(`${name} must be true or false (got "${raw}")`);
  return undefined;
}

const config = Object.freeze({
  databaseUrl: url('DATABASE_URL', ['postgres', 'postgresql']),
  sessionSecret: required('SESSION_SECRET'),
  smtpUrl: url('SMTP_URL', ['smtp', 'smtps']),
  redisUrl: url('REDIS_URL', ['redis', 'rediss']),
  port: integer('PORT', 3000, 1, 65535),
  mailFrom: env.MAIL_FROM || 'Teamnotes <notifications@teamnotes.example>',
  // The digest mails the last 24 h, so running it less than daily would skip notes.
  digestIntervalMinutes: integer('DIGEST_INTERVAL_MINUTES', 60, 1, 24 * 60),
  signupsOpen: boolean('SIGNUPS_OPEN', true),
});

if (missing.length) problems.unshift(`missing required environment variable(s): ${missing.join(', ')}`);
if (problems.length) {
  // One line and no stack trace: this is a deployment mistake, not a bug.
  console.error(`Configuration error: ${problems.join('; ')}. See .env.example.`);
  process.exit(1);
}

module.exports = config;

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

function oneOf(name, fallback, allowed) {
  const raw = env[name];
  if (!raw) return fallback;
  if (allowed.includes(raw)) return raw;
  problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
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
  // Bearer token for the admin API (src/admin.js): whoever holds it can flush caches,
  // pause the digest and change the log level on every replica.
  adminToken: required('ADMIN_TOKEN'),
  port: integer('PORT', 3000, 1, 65535),
  mailFrom: env.MAIL_FROM || 'Teamnotes <notifications@teamnotes.example>',
  signupsOpen: boolean('SIGNUPS_OPEN', true),
  // Graceful shutdown (src/lifecycle.js): how long to keep serving after SIGTERM, and
  // the deadline for the whole shutdown, which must end before Kubernetes' SIGKILL.
  shutdownDelaySeconds: integer('SHUTDOWN_DELAY_SECONDS', 5, 0, 60),
  shutdownTimeoutSeconds: integer('SHUTDOWN_TIMEOUT_SECONDS', 20, 1, 600),
  // The email worker's (src/worker.js) port for its Kubernetes probes: /livez, /readyz.
  // Its own, so a worker and the web process can run side by side on one machine.
  workerPort: integer('WORKER_PORT', 3001, 1, 65535),
  // The least severe log lines written (src/log.js); debug or trace only while investigating.
  logLevel: oneOf('LOG_LEVEL', 'info', ['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
});

// Short enough to guess, short enough to type from memory: not a token anymore.
if (config.adminToken && config.adminToken.length < 32) {
  problems.push('ADMIN_TOKEN must be at least 32 characters (generate one with: openssl rand -hex 32)');
}

if (config.shutdownDelaySeconds >= config.shutdownTimeoutSeconds) {
  problems.push('SHUTDOWN_DELAY_SECONDS must be less than SHUTDOWN_TIMEOUT_SECONDS');
}

if (missing.length) problems.unshift(`missing required environment variable(s): ${missing.join(', ')}`);
if (problems.length) {
  // One log line and no stack trace: this is a deployment mistake, not a bug. A
  // default pino logger, because src/log.js needs this configuration (its level).
  require('pino')().fatal(`Configuration error: ${problems.join('; ')}. See .env.example.`);
  process.exit(1); // pino flushes the line on exit
}

module.exports = config;

const config = require('./config');
const log = require('./log');
const redis = require('./redis');

// The log level can be changed at runtime through the admin API (src/admin.js), to
// chase a problem with debug lines without a redeploy. The replica that takes the call
// is only one of many, and the problem may be on another, so the level lives in Redis
// and every replica applies what it finds there. It overrides LOG_LEVEL, also for
// replicas started later, until it is cleared: then LOG_LEVEL applies again.
const KEY = 'admin:log-level';
const POLL_MS = 1000;

const LEVELS = Object.keys(log.levels.values); // trace … fatal, as pino knows them

async function getSharedLevel() {
  return (await redis.get(KEY)) || config.logLevel;
}

// Every line logged from now on, request lines included: pino's child loggers follow
// the level of their parent unless they were given their own.
function apply(level) {
  if (level === log.level) return;
  log.level = level;
  log.info({ newLevel: level }, 'Log level changed'); // not `level`: pino's own field
}

async function setSharedLevel(level) {
  await redis.set(KEY, level);
  apply(level); // here at once; the other replicas within POLL_MS
}

async function clearSharedLevel() {
  await redis.del(KEY);
  apply(config.logLevel);
  return config.logLevel;
}

// Polling rather than pub/sub: one GET a second is nothing for Redis, and a replica
// that was disconnected (or just started) catches up on its next poll instead of
// missing a message.
async function poll() {
  if (!redis.isReady) return; // don't queue GETs while reconnecting; the Redis client logs the outage
  try {
    apply(await getSharedLevel());
  } catch {} // Redis went away mid-call: keep the current level, try again next time
}

function followSharedLevel() {
  poll(); // right away: a replica that just connected shouldn't wait a second for it
  return setInterval(poll, POLL_MS);
}

module.exports = { LEVELS, getSharedLevel, setSharedLevel, clearSharedLevel, followSharedLevel };

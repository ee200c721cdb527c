const db = require('./db');
const redis = require('./redis');
const lifecycle = require('./lifecycle');

// Kubernetes probes (lesson 07 wires them up):
//   liveness  "is this process stuck?" A failure restarts the container.
//   readiness "can it serve traffic right now?" A failure only takes the pod out of
//             the Service until it passes again.

// Liveness checks nothing but the process itself: if it depended on Postgres, a
// database outage would make Kubernetes restart every replica, which fixes nothing.
function livez(req, res) {
  res.json({ status: 'ok' });
}

// A dependency that doesn't answer (a black-holed connection) must make the probe
// fail, not hang: answer well within the probe's own timeout.
const CHECK_TIMEOUT_MS = 1000;

async function check(fn) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('no answer within ' + CHECK_TIMEOUT_MS + ' ms')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([fn(), timeout]);
    return 'ok';
  } catch (err) {
    return err.message;
  } finally {
    clearTimeout(timer);
  }
}

async function checkDependencies() {
  const [postgres, redisStatus] = await Promise.all([
    // query_timeout also makes pg discard a connection whose query got no answer,
    // instead of handing it back to the pool stuck.
    check(() => db.query({ text: 'SELECT 1', query_timeout: CHECK_TIMEOUT_MS })),
    // While reconnecting, node-redis would queue the PING until Redis is back.
    check(async () => {
      if (!redis.isReady) throw new Error('not connected');
      await redis.ping();
    }),
  ]);
  return { postgres, redis: redisStatus };
}

async function readyz(req, res) {
  const checks = lifecycle.getState() === 'ready' ? await checkDependencies() : undefined;
  // Read the state after the checks: a SIGTERM may have arrived while they ran.
  const state = lifecycle.getState();
  if (state !== 'ready') return res.status(503).json({ status: state });

  const ok = Object.values(checks).every((result) => result === 'ok');
  res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks });
}

module.exports = { livez, readyz };

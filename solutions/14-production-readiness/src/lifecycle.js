const config = require('./config');
const log = require('./log');

// Where this process is in its life; /readyz reports it:
//   starting       listening, but start-up work (Redis, the schema) isn't done yet
//   ready          serving normally
//   shutting-down  a stop signal arrived: finishing what's in flight, taking nothing new
let state = 'starting';

function getState() {
  return state;
}

function markReady() {
  if (state === 'starting') state = 'ready'; // a shutdown that began during start-up wins
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Kubernetes stops a pod with SIGTERM, and SIGKILL terminationGracePeriodSeconds
// (30 s by default) later. Without a handler Node dies at once and every request in
// flight (an upload, a signup) is cut off. With it:
//   1. /readyz answers 503 at once, so Kubernetes takes the pod out of the Service;
//   2. we keep serving for SHUTDOWN_DELAY_SECONDS, because that takes a moment to
//      reach every node and load balancer, and requests keep arriving meanwhile;
//   3. we stop accepting connections and let the requests in flight finish;
//   4. we close the backing-service connections (cleanup) and exit 0.
function handleShutdown(server, cleanup) {
  async function shutdown(signal) {
    if (state === 'shutting-down') return log.info({ signal }, 'Received again, already shutting down');
    state = 'shutting-down';
    log.info({ signal, delaySeconds: config.shutdownDelaySeconds }, 'Shutting down: not ready anymore, draining after the delay');

    // If a request or a connection hangs, exit anyway, before Kubernetes' SIGKILL
    // would (and say why).
    setTimeout(() => {
      log.error({ timeoutSeconds: config.shutdownTimeoutSeconds }, 'Shutdown did not finish in time, exiting anyway');
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000).unref();

    await sleep(config.shutdownDelaySeconds * 1000);

    // close() stops accepting and calls back once every open connection is gone;
    // idle keep-alive connections would otherwise hold it open until they time out.
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    await closed;

    await cleanup();
    log.info('Shutdown complete');
    process.exit(0);
  }

  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

module.exports = { getState, markReady, handleShutdown };

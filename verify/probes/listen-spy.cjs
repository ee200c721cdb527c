// Preloaded into the learner's app by the verifier (`node --require`). It never changes
// behaviour except where asked: it reports every port the process starts listening on
// (so the verifier knows exactly when and where the app is up, even if it ignores PORT),
// and it can move a hard-coded port to a free one (VERIFY_REMAP_PORTS="3000:41234"),
// which lets several copies of the legacy app run side by side in tests.
'use strict';
const fs = require('node:fs');
const net = require('node:net');

const reportFile = process.env.VERIFY_LISTEN_REPORT;
const remap = new Map(
  (process.env.VERIFY_REMAP_PORTS || '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split(':').map(Number)),
);
// Children of the app (workers, npm → node) must not inherit the spy's settings.
delete process.env.VERIFY_LISTEN_REPORT;
delete process.env.VERIFY_REMAP_PORTS;
if (process.env.NODE_OPTIONS) {
  process.env.NODE_OPTIONS = process.env.NODE_OPTIONS.replace(/--require\s+("[^"]*listen-spy\.cjs"|\S*listen-spy\.cjs)/, '').trim();
}

function report(entry) {
  fs.appendFileSync(reportFile, JSON.stringify({ pid: process.pid, ...entry }) + '\n');
}

function remapArgs(args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const to = remap.get(Number(first));
    if (to !== undefined) args[0] = to;
  } else if (first && typeof first === 'object' && 'port' in first) {
    const to = remap.get(Number(first.port));
    if (to !== undefined) args[0] = { ...first, port: to };
  }
  return args;
}

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listen(...args) {
  if (remap.size) remapArgs(args);
  if (reportFile) {
    // prepend: the app's own callbacks may throw, which would stop later listeners from running.
    this.prependOnceListener('listening', () => {
      const addr = this.address();
      if (addr && typeof addr === 'object') report({ port: addr.port, address: addr.address });
    });
    // A failed listen is evidence too: "tried port 3000, already in use" explains an ignored PORT.
    this.prependOnceListener('error', (err) => {
      if (err && err.syscall === 'listen') report({ port: err.port, error: err.code });
      // Listening for 'error' must not change what happens: an app with no handler of
      // its own would have crashed on this unhandled error, so crash the same way.
      if (this.listenerCount('error') === 0) throw err;
    });
  }
  return originalListen.apply(this, args);
};

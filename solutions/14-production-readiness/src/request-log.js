const crypto = require('crypto');
const pinoHttp = require('pino-http');
const log = require('./log');

// A request id that a proxy or a calling service sent is reused, so one id follows a
// request across every service's logs; anything odd (too long, spaces, newlines) is
// replaced rather than written into our logs.
const SANE_ID = /^[A-Za-z0-9._-]{1,128}$/;

function requestId(req, res) {
  const incoming = req.headers['x-request-id'];
  const id = SANE_ID.test(incoming || '') ? incoming : crypto.randomUUID();
  res.setHeader('x-request-id', id); // the client can quote it in a bug report
  return id;
}

// Probes and scrapes arrive every few seconds and would drown the real traffic.
const QUIET_PATHS = new Set(['/livez', '/readyz', '/metrics']);

// One line per request when its response is done: method, path, status, duration, and
// the request id (req.id), which every line logged through req.log carries too.
module.exports = pinoHttp({
  logger: log,
  genReqId: requestId,
  autoLogging: { ignore: (req) => QUIET_PATHS.has(req.path) },
  customLogLevel: (req, res, err) => {
    if (err || res.statusCode >= 500) return 'error';
    if (res.statusCode >= 400) return 'warn';
    return 'info';
  },
  serializers: {
    err: log.safeError,
    // The path without its query string: query strings are where tokens and other
    // secrets travel when someone puts them in a URL (?token=…).
    req: ({ id, method, url, headers, remoteAddress }) => ({ id, method, path: url.split('?')[0], headers, remoteAddress }),
  },
});

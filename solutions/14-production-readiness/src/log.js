const pino = require('pino');
const config = require('./config');

// One JSON object per line on stdout, nothing else: no log file, no human-only
// format. In a container stdout IS the log; Kubernetes keeps it (`kubectl logs`) and
// a collector (Loki, Elasticsearch, Cloud Logging) ships it without parsing free text.
// For reading locally, pipe it through a pretty-printer: `npm run dev | npx pino-pretty`.

// Errors keep only what explains them. pg, redis and nodemailer errors carry extra
// fields (connection parameters, the failed SMTP command…), which is how passwords end
// up in logs. The message and the code say what went wrong, the stack says where.
function safeError({ type, message, code, stack }) {
  return { type, message, code, stack };
}

const logger = pino({
  level: config.logLevel,
  serializers: { err: pino.stdSerializers.wrapErrorSerializer(safeError) },
  // Credentials that travel in headers must never reach the log (a log is read by far
  // more people than the production database is).
  redact: {
    paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
    censor: '[redacted]',
  },
});

// src/request-log.js needs the same error fields for the errors of requests.
logger.safeError = safeError;

module.exports = logger;

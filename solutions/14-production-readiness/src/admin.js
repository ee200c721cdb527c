const crypto = require('crypto');
const express = require('express');
const config = require('./config');
const log = require('./log');
const cache = require('./cache');
const digest = require('./digest');
const logLevel = require('./log-level');

// The admin API: operator actions on the running app, for every replica at once, so
// they act on shared state (Redis), never on the memory of the replica that answers.
// One-off jobs (a migration, creating a user) stay scripts, run as `kubectl exec` or a
// Kubernetes Job (12-factor "admin processes"). /admin must not be reachable from the
// internet: the public Ingress (lesson 10) must not route it.

const router = express.Router();

// Audit lines are written whatever LOG_LEVEL or the admin API says: a child logger
// with a level of its own doesn't follow its parent's.
const audit = log.child({ audit: true }, { level: 'info' });

const OUTCOMES = { 400: 'invalid', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found' };

// One line per admin call, allowed or refused: who (the client's address) did what,
// when, and how it ended, findable by request id. Never the token.
router.use((req, res, next) => {
  const action = req.method + ' ' + req.baseUrl + req.path; // the path without the query string
  res.on('finish', () => {
    const outcome = res.statusCode < 400 ? 'ok' : OUTCOMES[res.statusCode] || 'error';
    audit.info({ action, outcome, status: res.statusCode, reqId: req.id, ip: req.ip }, 'Admin call');
  });
  next();
});

// Comparing hashes of equal length in constant time: a plain === returns sooner the
// earlier the first wrong character is, which lets an attacker guess the token
// character by character from response times (and timingSafeEqual needs equal lengths).
const sha256 = (value) => crypto.createHash('sha256').update(value).digest();
const expected = sha256(config.adminToken);

// Only the Authorization header: a token in the URL (?token=…) would be written to
// access logs, proxy logs and browser history.
router.use((req, res, next) => {
  const bearer = /^Bearer +(\S+)$/i.exec(req.get('authorization') || '');
  if (!bearer) {
    res.set('WWW-Authenticate', 'Bearer');
    return res.status(401).json({ error: 'Send Authorization: Bearer <ADMIN_TOKEN>' });
  }
  if (!crypto.timingSafeEqual(sha256(bearer[1]), expected)) return res.status(403).json({ error: 'Wrong admin token' });
  next();
});

// The notes lists cached in Redis, for every replica (e.g. after fixing data by hand).
router.post('/cache/flush', async (req, res) => {
  res.json({ flushed: await cache.clearNotes() });
});

router.get('/digest', async (req, res) => {
  res.json({ paused: await digest.isPaused() });
});

router.post('/digest/pause', async (req, res) => {
  await digest.setPaused(true);
  res.json({ paused: true });
});

router.post('/digest/resume', async (req, res) => {
  await digest.setPaused(false);
  res.json({ paused: false });
});

router.get('/log-level', async (req, res) => {
  res.json({ level: await logLevel.getSharedLevel() });
});

router.put('/log-level', async (req, res) => {
  const level = req.body && req.body.level;
  if (!logLevel.LEVELS.includes(level)) {
    return res.status(400).json({ error: 'level must be one of ' + logLevel.LEVELS.join(', ') });
  }
  await logLevel.setSharedLevel(level);
  res.json({ level });
});

// Back to LOG_LEVEL: otherwise the override outlives the investigation it was set for.
router.delete('/log-level', async (req, res) => {
  res.json({ level: await logLevel.clearSharedLevel() });
});

module.exports = router;

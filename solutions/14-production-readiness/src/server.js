const path = require('path');
const http = require('http');
const express = require('express');
const session = require('express-session');
const { RedisStore } = require('connect-redis');

const config = require('./config'); // first: exits with a clear message if the environment is incomplete
const db = require('./db');
const redis = require('./redis');
const { enqueueEmailSoon, close: closeQueue } = require('./queue');
const cache = require('./cache');
const log = require('./log');
const { attachmentUpload } = require('./uploads');
const attachments = require('./attachments');
const health = require('./health');
const requestLog = require('./request-log');
const metrics = require('./metrics');
const lifecycle = require('./lifecycle');
const admin = require('./admin');
const logLevel = require('./log-level');
const { hashPassword, verifyPassword } = require('./passwords');
const views = require('./views');

// A crash would print a multi-line stack trace, which log collectors split into lines
// nobody can parse: log it as one JSON line instead, then exit as Node would have.
process.on('uncaughtException', (err) => {
  log.fatal({ err }, 'Crashed');
  process.exit(1);
});

const app = express();
// Behind a load balancer / the Kubernetes ingress: trust one proxy's X-Forwarded-*
// headers, so req.secure (and the secure cookie below) reflect the client's HTTPS.
app.set('trust proxy', 1);

// First, so every request gets an id (and x-request-id header) and every response
// a log line (except the probes' and scrapes', see src/request-log.js).
app.use(requestLog);

// Probes and the Prometheus scrape before the request metrics, which would otherwise
// mostly count them; they need no session either.
app.get('/livez', health.livez);
app.get('/readyz', health.readyz);
app.get('/metrics', metrics.metricsEndpoint);

app.use(metrics.recordRequests);
app.use(express.static(path.join(__dirname, '..', 'public')));
app.use(express.json());
app.use(express.urlencoded({ extended: false }));
// Operators authenticate with ADMIN_TOKEN, not a login: no session needed.
app.use('/admin', admin);
app.use(session({
  // Sessions live in Redis, not in this process: a login on one replica is valid on
  // all of them, and a restart or a deploy no longer logs everybody out.
  store: new RedisStore({ client: redis, prefix: 'sess:' }),
  secret: config.sessionSecret,
  resave: false,
  // Store a session only once there is something in it (a login): otherwise every
  // anonymous request (crawlers, probes, the login page) would create a Redis key.
  saveUninitialized: false,
  cookie: {
    maxAge: 7 * 24 * 60 * 60 * 1000,
    httpOnly: true, // page scripts can't read it
    sameSite: 'lax', // not sent on cross-site form posts
    secure: 'auto', // Secure whenever the request came in over HTTPS
  },
}));

// JSON clients: the mobile app and the admin API.
const isApi = (req) => /^\/(api|admin)\//.test(req.originalUrl);

function requireLogin(req, res, next) {
  if (req.session.user) return next();
  if (isApi(req)) return res.status(401).json({ error: 'Not logged in' });
  res.redirect('/');
}

const NOTE_COLUMNS = `n.id, n.author_id, u.name AS author_name, n.title, n.body,
  n.attachment_name, n.created_at`;

async function listNotes(user) {
  const cached = await cache.getNotes(user.id);
  if (cached) return cached;
  const { rows: notes } = await db.query(
    `SELECT ${NOTE_COLUMNS} FROM notes n JOIN users u ON u.id = n.author_id ORDER BY n.created_at DESC LIMIT 100`
  );
  await cache.setNotes(user.id, notes);
  return notes;
}

async function findNote(id) {
  if (!/^\d+$/.test(String(id))) return null;
  const { rows } = await db.query(
    `SELECT ${NOTE_COLUMNS} FROM notes n JOIN users u ON u.id = n.author_id WHERE n.id = $1`, [id]
  );
  return rows[0] || null;
}

async function signup({ email, name, password }) {
  if (!config.signupsOpen) return { status: 403, error: 'Signups are closed' };
  if (!email || !name || !password) return { status: 400, error: 'email, name and password are required' };
  email = String(email).trim().toLowerCase();
  const existing = await db.query('SELECT id FROM users WHERE email = $1', [email]);
  if (existing.rows.length) return { status: 409, error: 'That email is already registered' };

  const { rows } = await db.query(
    'INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id, email, name',
    [email, String(name).trim(), hashPassword(String(password))]
  );
  const user = rows[0];
  log.info({ userId: user.id }, 'New user signed up');

  // Queued, not sent: the worker (src/worker.js) talks to SMTP, so a slow or unreachable
  // mail server never holds up the signup. One welcome mail per user, whatever happens:
  // the job id is the user's.
  await enqueueEmailSoon({
    to: user.email,
    subject: 'Welcome to Teamnotes',
    text: 'Hi ' + user.name + ',\n\nWelcome aboard! Log in at any time to see what the team is up to.\n\n-- Teamnotes',
  }, { jobId: 'welcome/' + user.id });
  return { user };
}

async function login({ email, password }) {
  if (!email || !password) return null;
  const { rows } = await db.query(
    'SELECT id, email, name, password_hash FROM users WHERE email = $1',
    [String(email).trim().toLowerCase()]
  );
  const row = rows[0];
  if (!row || !verifyPassword(String(password), row.password_hash)) return null;
  return { id: row.id, email: row.email, name: row.name };
}

async function createNote(user, { title, body }, file) {
  if (!title || !String(title).trim()) return { status: 400, error: 'title is required' };
  const row = await db.transaction(async (client) => {
    const { rows } = await client.query(
      `INSERT INTO notes (author_id, title, body, attachment_name)
       VALUES ($1, $2, $3, $4)
       RETURNING id, author_id, title, body, attachment_name, created_at`,
      [user.id, String(title).trim(), String(body || ''), file ? file.originalname : null]
    );
    if (file) await attachments.save(client, rows[0].id, file);
    return rows[0];
  });
  const note = { ...row, author_name: user.name };
  await cache.clearNotes(); // everybody's list now has a new note in it
  log.info({ userId: user.id, noteId: note.id }, 'Note created');

  // Let the rest of the team know: one job per member, named after the note and the
  // member, so a retried request queues nothing twice. A team of 200 is 200 quick Redis
  // writes here instead of 200 SMTP conversations while the author waits.
  try {
    const { rows: team } = await db.query('SELECT id, email FROM users WHERE id <> $1', [user.id]);
    for (const member of team) {
      await enqueueEmailSoon({
        to: member.email,
        subject: user.name + ' posted: ' + note.title,
        text: note.body + '\n\n-- Teamnotes',
      }, { jobId: 'note/' + note.id + '/user/' + member.id });
    }
  } catch (err) {
    log.error({ err, noteId: note.id }, 'Could not notify the team about a new note');
  }
  return { note };
}

// ---------- HTML ----------

app.get('/', (req, res) => {
  if (req.session.user) return res.redirect('/notes');
  res.send(views.loginPage({ signupsOpen: config.signupsOpen }));
});

app.post('/login', async (req, res) => {
  const user = await login(req.body || {});
  if (!user) return res.status(401).send(views.loginPage({ error: 'Wrong email or password', signupsOpen: config.signupsOpen }));
  req.session.user = user;
  res.redirect('/notes');
});

app.post('/signup', async (req, res) => {
  const result = await signup(req.body || {});
  if (result.error) return res.status(result.status).send(views.loginPage({ error: result.error, signupsOpen: config.signupsOpen }));
  req.session.user = result.user;
  res.redirect('/notes');
});

app.post('/logout', (req, res) => {
  req.session.destroy(() => res.redirect('/'));
});

app.get('/notes', requireLogin, async (req, res) => {
  res.send(views.notesPage(req.session.user, await listNotes(req.session.user)));
});

app.post('/notes', requireLogin, attachmentUpload, async (req, res) => {
  const result = await createNote(req.session.user, req.body || {}, req.file);
  if (result.error) {
    return res.status(result.status).send(views.notesPage(req.session.user, await listNotes(req.session.user), result.error));
  }
  res.redirect('/notes/' + result.note.id);
});

app.get('/notes/:id', requireLogin, async (req, res) => {
  const note = await findNote(req.params.id);
  if (!note) return res.status(404).send(views.errorPage(req.session.user, 'Note not found'));
  res.send(views.notePage(req.session.user, note));
});

app.get('/attachments/:id', requireLogin, async (req, res) => {
  const attachment = await attachments.findByNote(req.params.id);
  if (!attachment) return res.status(404).send(views.errorPage(req.session.user, 'Attachment not found'));
  attachments.send(res, attachment);
});

// ---------- JSON API (mobile app) ----------

app.post('/api/signup', async (req, res) => {
  const result = await signup(req.body || {});
  if (result.error) return res.status(result.status).json({ error: result.error });
  req.session.user = result.user;
  res.status(201).json(result.user);
});

app.post('/api/login', async (req, res) => {
  const user = await login(req.body || {});
  if (!user) return res.status(401).json({ error: 'Wrong email or password' });
  req.session.user = user;
  res.json(user);
});

app.post('/api/logout', (req, res) => {
  req.session.destroy(() => res.status(204).end());
});

app.get('/api/me', requireLogin, (req, res) => {
  res.json(req.session.user);
});

app.get('/api/notes', requireLogin, async (req, res) => {
  res.json(await listNotes(req.session.user));
});

app.post('/api/notes', requireLogin, attachmentUpload, async (req, res) => {
  const result = await createNote(req.session.user, req.body || {}, req.file);
  if (result.error) return res.status(result.status).json({ error: result.error });
  res.status(201).json(result.note);
});

app.get('/api/notes/:id', requireLogin, async (req, res) => {
  const note = await findNote(req.params.id);
  if (!note) return res.status(404).json({ error: 'Note not found' });
  res.json(note);
});

app.get('/api/notes/:id/attachment', requireLogin, async (req, res) => {
  const attachment = await attachments.findByNote(req.params.id);
  if (!attachment) return res.status(404).json({ error: 'Attachment not found' });
  attachments.send(res, attachment);
});

app.use((err, req, res, next) => {
  const status = err.status || err.statusCode || 500;
  res.err = err; // the request's log line (src/request-log.js) then says what failed
  if (isApi(req)) return res.status(status).json({ error: http.STATUS_CODES[status] || 'Error' });
  res.status(status).send(views.errorPage(req.session && req.session.user, 'Something went wrong. Try again, or ping #teamnotes on Slack.'));
});

// ---------- start ----------

// Listen at once so /livez answers; /readyz says "starting" (and Kubernetes sends
// no traffic) until Redis is connected and the schema exists.
const server = app.listen(config.port, (err) => {
  if (err) throw err;
  log.info({ port: config.port }, 'Listening');
});

// No digest timer here any more: every replica would run it. The digest is a
// Kubernetes CronJob (k8s/digest-cronjob.yaml → src/digest-job.js), run once per schedule.
let logLevelTimer;

async function start() {
  await redis.connect(); // node-redis keeps retrying until Redis answers
  logLevelTimer = logLevel.followSharedLevel();

  // Not ready without a schema. Postgres may come up after us: keep trying (staying
  // unready) instead of carrying on without tables or crashing into a restart loop.
  for (;;) {
    try {
      await db.migrate();
      break;
    } catch (err) {
      log.error({ err }, 'Could not create the database schema, retrying in 2 s');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }

  lifecycle.markReady();
  log.info('Ready');
}

lifecycle.handleShutdown(server, async () => {
  clearInterval(logLevelTimer);
  // close(): node-redis' graceful QUIT; closeQueue(): BullMQ's, then its ioredis connection
  await Promise.all([db.close(), redis.close(), closeQueue()]);
});

start().catch((err) => {
  if (lifecycle.getState() === 'shutting-down') return; // stopped before it was ready
  log.fatal({ err }, 'Could not start');
  process.exit(1);
});

import { defineCheck, describeFetchError, fail, formatMatch, pass } from '../../verify/lesson-api.ts';
import { describe, noteForm, noteId } from '../shared/api.ts';
import { configuredApp, notListening, requiredVariable } from '../shared/run-app.ts';
import { testUser } from '../shared/teamnotes.ts';
import { describePlace, findLocalCopies, forgetDisk, writablePlaces } from './local-copies.ts';
import { redisBlip } from './redis-blip.ts';
import { replicas, restartOf } from './replicas.ts';

/**
 * fetch, tried a second time when the connection was closed under it: a kept-alive
 * connection the app closed (its keep-alive timeout) as the next request went out is a
 * race in HTTP, not a mistake in the app. Raw fetch (no cookie jar: each visit is a new
 * browser), but stopped with the check like every request of ctx.http.
 */
async function fetchOnce(ctx: { signal: AbortSignal }, url: string, init: () => RequestInit): Promise<Response> {
  const bound = (): RequestInit => {
    const i = init();
    return { ...i, signal: i.signal ? AbortSignal.any([i.signal, ctx.signal]) : ctx.signal };
  };
  try {
    return await fetch(url, bound());
  } catch (err) {
    if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') throw err;
    return fetch(url, bound()); // a fresh body (a sign-up gets a new user) and a fresh timeout
  }
}

const TWO_PODS = 'The verifier runs two copies of your app (A and B) from separate folders, like two pods, against the same Postgres and Redis.';

export default [
  defineCheck({
    id: 'redis-url-required',
    title: 'REDIS_URL is required configuration',
    severity: 'required',
    layer: 'behaviour',
    learn: '#1-sessions-in-redis',
    timeoutMs: 20_000,
    hints: [
      'Started without REDIS_URL, the app should stop at once and name it, like the other required variables.',
      'Add REDIS_URL to the required list in src/config.js and to .env.example.',
    ],
    run: (ctx) =>
      requiredVariable(ctx, 'REDIS_URL', {
        why: 'From this lesson on, sessions and the cache live in Redis: without it the app cannot work, so it must not start.',
        fix: "Add 'REDIS_URL' to the required variables in src/config.js (and an empty REDIS_URL= line to .env.example).",
      }),
  }),
  defineCheck({
    id: 'sessions-shared',
    title: 'Logged in on one replica means logged in on the other',
    severity: 'required',
    layer: 'behaviour',
    learn: '#1-sessions-in-redis',
    timeoutMs: 40_000,
    hints: [
      `${TWO_PODS} It signs up on A (POST /api/signup) and then asks B who it is (GET /api/me) with the same cookie.`,
      "express-session's default MemoryStore keeps sessions inside one process: B has never heard of A's session. Put sessions in Redis.",
      "const { RedisStore } = require('connect-redis'); app.use(session({ store: new RedisStore({ client: redis }), secret: config.sessionSecret, resave: false, saveUninitialized: false }))",
    ],
    // What else is correct: any wording that names REDIS_URL, any non-zero exit (see 01's check).
    // What else is correct: any shared session store (connect-redis, a hand-written Store on
    // ioredis, Postgres), any cookie name. Still caught: MemoryStore, a store per process.
    async run(ctx) {
      const pair = await replicas(ctx);
      if (pair.problem) return fail(pair.problem, { evidence: [...pair.a.result.app.tail(4), ...pair.b.result.app.tail(4)] });
      const { res, user } = pair.signedUp!;
      if (res.status !== 201 && res.status !== 200)
        return fail(`POST /api/signup on A answered ${describe(res)}`, { expected: '201 and a session cookie', evidence: pair.a.result.app.tail() });
      const me = await pair.toB.get('/api/me');
      const email = (me.json as { email?: string } | undefined)?.email;
      return me.status === 200 && email === user.email
        ? pass(`signed up on A; B knows the session (GET /api/me → ${user.email})`)
        : fail(`signed up on A, but B answered GET /api/me with ${describe(me)}`, {
            expected: `200 with ${user.email}`,
            why: 'Behind a Service each request can land on another pod; with sessions in memory users get logged out at random, and every rollout logs everyone out.',
            fix: 'Store sessions in Redis (connect-redis RedisStore), created from REDIS_URL.',
          });
    },
  }),
  defineCheck({
    id: 'uploads-shared',
    title: 'A file uploaded through one replica downloads from the other',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['sessions-shared'],
    learn: '#3-uploads-off-the-local-disk',
    timeoutMs: 40_000,
    hints: [
      `${TWO_PODS} It uploads an attachment on A (POST /api/notes, multipart) and downloads it from B (GET /api/notes/:id/attachment).`,
      "A pod's disk is its own, and it is wiped when the pod goes. Store the bytes where every replica can read them: Postgres (bytea) in this workshop, object storage in production.",
      'multer({ storage: multer.memoryStorage() }), then INSERT the buffer into an attachments table and stream it back from there.',
    ],
    // What else is correct: any shared store for the bytes (Postgres bytea or large objects,
    // Redis, object storage), any upload parser (multer memoryStorage, busboy), and a
    // temporary file deleted once its bytes are stored. What this still must catch: a copy
    // left on A's disk that B can read only because both copies share this machine (the
    // legacy multer({ dest }) with an absolute path, a file in os.tmpdir()); hence the search.
    async run(ctx) {
      const pair = await replicas(ctx);
      const { form, bytes } = noteForm(`upload ${Date.now()}`);
      const since = Date.now();
      const created = await pair.toA.request('/api/notes', { method: 'POST', body: form, timeoutMs: 10_000 });
      const id = noteId(created);
      if (created.status !== 201 || id === undefined)
        return fail(`POST /api/notes with an attachment on A answered ${describe(created)}`, {
          expected: '201 with the note (and its id)',
          evidence: pair.a.result.app.tail(),
        });
      const got = await pair.toB.get(`/api/notes/${id}/attachment`);
      const copies = findLocalCopies(bytes, writablePlaces(pair.a.result), since);
      if (copies.length) {
        return fail(
          `the upload's bytes were left on A's local disk (${copies.length} file${copies.length > 1 ? 's' : ''})${got.status === 200 ? ', and B could read them only because both copies run on one machine' : ''}`,
          {
            expected: "the bytes stored only in Postgres (or other shared storage), no copy left on the replica's disk",
            why: "Here both copies share this machine's disk; in a cluster each pod has its own, so B cannot open A's file, and the file is gone when A's pod is replaced.",
            fix: 'Use multer.memoryStorage() and store the buffer in Postgres; if you stream to a temporary file, delete it once its bytes are stored.',
            evidence: copies.slice(0, 4).map((f) => describePlace(f, pair.a.result)),
          },
        );
      }
      if (got.status === 200 && got.bytes.equals(bytes)) return pass(`note ${id}: ${bytes.length} bytes uploaded on A, identical from B, no copy on A's disk`);
      return fail(`uploaded on A, but B answered ${got.status === 200 ? `200 with ${got.bytes.length} different bytes` : describe(got)}`, {
        expected: `200 with the same ${bytes.length} bytes`,
        why: 'With files on local disk, a download works only on the pod that took the upload, and the file is gone when that pod is replaced.',
        fix: 'Keep attachments in Postgres (or object storage), not in a local uploads/ folder.',
        evidence: pair.b.result.app.tail(4),
      });
    },
  }),
  defineCheck({
    id: 'cache-shared',
    title: 'A change made on one replica is not hidden by a stale cache on the other',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['sessions-shared'],
    learn: '#2-the-cache-in-redis',
    timeoutMs: 40_000,
    hints: [
      `${TWO_PODS} It lists notes on B (so B caches the list), creates a note on A, and lists on B again.`,
      "A Map in one process can't be invalidated from another. Keep the cache in Redis, and delete the cached lists when a note is written.",
      'await redis.set(key, JSON.stringify(notes), { EX: 60 }) to fill; await redis.del(keys) (or a version key) when a note is created.',
    ],
    // What else is correct: a Redis cache with DEL, SCAN+DEL, a generation key or pub/sub
    // invalidation; no cache at all. Still caught: a per-process Map, a shared cache that is
    // only cleared by its TTL.
    async run(ctx) {
      const pair = await replicas(ctx);
      const before = await pair.toB.get('/api/notes');
      if (before.status !== 200) return fail(`GET /api/notes on B answered ${describe(before)}`, { expected: '200 with the list' });
      const title = `fresh note ${Date.now()}`;
      const created = await pair.toA.post('/api/notes', { title, body: 'written on A' });
      if (created.status !== 201) return fail(`POST /api/notes on A answered ${describe(created)}`, { expected: '201' });
      const after = await pair.toB.get('/api/notes');
      return after.text.includes(title)
        ? pass('B lists the note created on A right away')
        : fail(`B still serves the list it cached before A created "${title}"`, {
            expected: "the new note in B's list",
            why: "Each replica's private cache goes stale on every write another replica makes: users see data appear and disappear depending on which pod answers.",
            fix: 'Move the cache to Redis and invalidate it (del the keys) whenever a note is created.',
          });
    },
  }),
  defineCheck({
    id: 'survives-restart',
    title: 'After a restart the session and the uploaded file are still there',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['uploads-shared', 'cache-shared'],
    learn: '#trying-it-with-two-instances',
    timeoutMs: 45_000,
    hints: [
      'The verifier stops A and starts a fresh copy (a new pod: new memory, new disk), then uses the same cookie and downloads the same file.',
      'Anything the process or its folder held is gone after a restart; only what is in Postgres and Redis survives.',
    ],
    // What else is correct: anything that keeps sessions and files outside the process and
    // its disk. Still caught: state in memory, or in the stopped copy's folder, TMPDIR or HOME
    // (deleted here, as a replaced pod's disk is).
    async run(ctx) {
      const pair = await replicas(ctx);
      const notes = await pair.toA.get('/api/notes');
      const withFile = ((notes.json as Array<{ id: number | string; attachment_name?: string; attachmentName?: string }>) ?? []).find(
        (n) => n.attachment_name ?? n.attachmentName,
      );
      await pair.a.result.app.stop();
      // A replaced pod's disk is gone with it: so is A's folder, TMPDIR and HOME here.
      forgetDisk(pair.a.result);
      const fresh = await restartOf(ctx, pair);
      const problem = notListening(fresh);
      if (problem) return fail(`after the restart ${problem}`, { evidence: fresh.result.app.tail() });
      const again = pair.toA.withBase(fresh.url);
      const me = await again.get('/api/me');
      if (me.status !== 200)
        return fail(`after a restart GET /api/me answered ${describe(me)}`, {
          expected: '200: the session survives',
          why: 'Every deploy restarts every pod; a session kept in the process logs everyone out.',
        });
      if (withFile) {
        const file = await again.get(`/api/notes/${withFile.id}/attachment`);
        if (file.status !== 200)
          return fail(`after a restart the attachment of note ${withFile.id} answered ${describe(file)}`, { expected: '200 with the file' });
      }
      return pass(`a fresh copy still knows the session${withFile ? ' and serves the attachment' : ''}`);
    },
  }),
  defineCheck({
    id: 'survives-redis-restart',
    title: 'The app lives through a Redis restart and reconnects',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['sessions-shared'],
    learn: '#1-sessions-in-redis',
    timeoutMs: 40_000,
    hints: [
      'The verifier signs up, then drops every connection to Redis and refuses new ones for a second (what a Redis restart looks like to the app), and expects the app to keep running and the session to work again once Redis is back.',
      "A Redis client reports a dropped connection as an 'error' event; an event emitter with no 'error' listener throws it, and the process dies. Listen for it, log it, and let the client reconnect.",
      "In src/redis.js: client.on('error', (err) => log('error', 'Redis: ' + err.message));",
    ],
    // What else is correct: any client (node-redis, ioredis) with an 'error' listener and its
    // own reconnect, or a hand-written reconnect. Still caught: a process that exits on the
    // drop, and one that stays up but never reconnects.
    async run(ctx) {
      const blip = await redisBlip(ctx);
      return blip.ok
        ? pass(blip.observed)
        : fail(blip.observed, {
            expected: 'the process still running and the session working again within 8 s of Redis coming back',
            why: 'Redis restarts on every rollout of its pod and on every node drain; an app that crashes then restarts every replica at once and logs everyone out of an outage.',
            fix: "Add client.on('error', …) to your Redis client (it reconnects by itself), then npm run verify 2.",
            evidence: blip.tail,
          });
    },
  }),
  defineCheck({
    id: 'no-session-per-anonymous-request',
    title: 'Anonymous visits do not create sessions',
    severity: 'required',
    layer: 'behaviour',
    learn: '#common-mistakes',
    timeoutMs: 30_000,
    hints: [
      'The verifier loads the login page five times without a cookie and looks for Set-Cookie in the answers.',
      'With saveUninitialized: true every visit (every bot, every health probe) writes a new session to Redis. Set saveUninitialized: false.',
    ],
    // What else is correct: any session cookie name, and other cookies on anonymous pages
    // (a CSRF token, a language choice): only the cookie a login sets counts as the session.
    async run(ctx) {
      const app = await configuredApp(ctx);
      const problem = notListening(app);
      if (problem) return fail(problem, { evidence: app.result.app.tail() });
      const names = (res: Response) => res.headers.getSetCookie().map((c) => c.split('=')[0]!.trim());
      const anonymous: string[] = [];
      let sessionNames: Set<string>;
      try {
        for (let i = 0; i < 5; i++) {
          const res = await fetchOnce(ctx, `${app.url}/`, () => ({ redirect: 'manual', signal: AbortSignal.timeout(5000) }));
          anonymous.push(...names(res));
          await res.arrayBuffer();
        }
        // The session cookie is the one a sign-up sets; without one, count every cookie.
        const signedUp = await fetchOnce(ctx, `${app.url}/api/signup`, () => ({
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(testUser()),
          signal: AbortSignal.timeout(10_000),
        }));
        await signedUp.arrayBuffer();
        sessionNames = new Set(names(signedUp));
      } catch (err) {
        return fail(`a request to the app failed: ${describeFetchError(err)}`, {
          expected: 'answers to GET / and POST /api/signup',
          evidence: app.result.app.tail(),
        });
      }
      const cookies = anonymous.filter((n) => !sessionNames.size || sessionNames.has(n)).length;
      return cookies === 0
        ? pass(`5 anonymous visits, no session cookie${anonymous.length ? ` (other cookies: ${[...new Set(anonymous)].join(', ')})` : ''}`)
        : fail(`5 anonymous visits set ${cookies} session cookie(s)`, {
            expected: 'no Set-Cookie until someone logs in',
            why: 'Each of those is a Redis key: a crawler or a load balancer health check fills Redis with empty sessions.',
            fix: 'session({ ..., saveUninitialized: false })',
          });
    },
  }),
  defineCheck({
    id: 'secure-cookie-behind-proxy',
    title: 'Behind a TLS-terminating proxy, the session cookie is marked Secure',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['sessions-shared'],
    learn: '#1-sessions-in-redis',
    timeoutMs: 30_000,
    hints: [
      'The verifier signs up over plain HTTP with the header `X-Forwarded-Proto: https`, as an Ingress that terminates TLS sends it, and looks for `Secure` in the session cookie.',
      "Express ignores X-Forwarded-* headers unless you trust the proxy: without `trust proxy`, req.secure is false, so `secure: 'auto'` drops the Secure flag and `secure: true` sends no cookie at all.",
      "app.set('trust proxy', 1); before app.use(session({ ..., cookie: { secure: 'auto' } }))",
    ],
    // What else is correct: trust proxy as 1, true, 'loopback' or a subnet; secure: 'auto'.
    // (secure: true alone fails 02.sessions-shared: the verifier talks plain HTTP, as a
    // laptop does.) Still caught: no trust proxy, whatever the cookie's secure option.
    async run(ctx) {
      const app = await configuredApp(ctx);
      const problem = notListening(app);
      if (problem) return fail(problem, { evidence: app.result.app.tail() });
      let res: Response;
      try {
        res = await fetchOnce(ctx, `${app.url}/api/signup`, () => ({
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' },
          body: JSON.stringify(testUser()),
          signal: AbortSignal.timeout(10_000),
        }));
        await res.arrayBuffer();
      } catch (err) {
        return fail(`POST /api/signup sent via an "https" proxy failed: ${describeFetchError(err)}`, {
          expected: 'an answer with a session cookie',
          evidence: app.result.app.tail(),
        });
      }
      const cookies = res.headers.getSetCookie();
      if (cookies.some((c) => /;\s*secure\b/i.test(c))) return pass(`POST /api/signup via "https" answered ${res.status} with a Secure session cookie`);
      return fail(
        cookies.length
          ? `signed up via an "https" proxy: the session cookie has no Secure flag`
          : `signed up via an "https" proxy: the answer (${res.status}) set no cookie at all`,
        {
          expected: 'Set-Cookie with Secure when X-Forwarded-Proto says https',
          why: "From lesson 10 on, users reach the app through an Ingress that speaks HTTPS to them and plain HTTP to the pod. Without trusting it, the app either never logs anyone in (secure: true) or sends the session cookie unprotected (secure: 'auto').",
          fix: "app.set('trust proxy', 1) in src/server.js, and cookie: { secure: 'auto' } in the session options.",
          evidence: cookies.map((c) => c.replace(/=[^;]*/, '=…')),
        },
      );
    },
  }),
  defineCheck({
    id: 'no-local-upload-dir',
    title: 'No code writes uploads to the local disk',
    severity: 'recommended',
    layer: 'code',
    learn: '#3-uploads-off-the-local-disk',
    hints: ["Search your code for multer's `dest:` or `diskStorage`: files stored there live only as long as the pod."],
    async run(ctx) {
      // multer's disk storage, or a literal 'uploads' folder name (not a module called ./uploads); comments don't count.
      // What else is correct: a temporary file in os.tmpdir() that is deleted once its bytes
      // are stored; 02.uploads-shared judges that by looking for what stays on disk.
      const found = ctx.files
        .search(/diskStorage\s*\(|\bdest\s*:|['"`]uploads\/?['"`]/, ctx.files.sourceFiles())
        .filter((m) => !/^\s*(\/\/|\*|\/\*)/.test(m.text) && !/\bdest\s*:\s*os\.tmpdir\(\)/.test(m.text));
      return found.length === 0
        ? pass('no multer disk storage or uploads/ path in the code')
        : fail(`${found.length} place(s) still point uploads at the local disk`, {
            where: `${found[0]!.file}:${found[0]!.line}`,
            why: "A pod's filesystem is temporary and private to it.",
            fix: 'Use multer.memoryStorage() and store the bytes in Postgres.',
            evidence: found.slice(0, 5).map((m) => formatMatch(m)),
          });
    },
  }),
];

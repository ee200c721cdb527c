import { defineCheck, fail, findingLine, pass } from '../../verify/lesson-api.ts';
import { describe } from '../shared/api.ts';
import { linesBelowError } from '../shared/logs.ts';
import { requiredVariable } from '../shared/run-app.ts';
import { admin, adminPair } from './admin.ts';

const FLUSH = '/admin/cache/flush';
/** `x === config.adminToken`, `env.ADMIN_TOKEN != token`: not against undefined, null, '' or a length. */
const OP = `(?:[!=]==|[!=]=(?!=))`;
const PLAIN_TOKEN_COMPARISON = new RegExp(
  `\\b(?:adminToken|ADMIN_TOKEN)\\b['"\\]]*\\s*${OP}(?!\\s*(?:undefined|null|true|false|\\d|''|""))` +
    `|${OP}\\s*[\\w.[\\]'"]*\\b(?:adminToken|ADMIN_TOKEN)\\b(?!['"\\]]*\\.length)`,
);

export default [
  defineCheck({
    id: 'admin-token-required',
    title: 'ADMIN_TOKEN is required configuration',
    severity: 'required',
    layer: 'behaviour',
    learn: '#1-a-token-compared-safely',
    timeoutMs: 15_000,
    hints: [
      'Started without ADMIN_TOKEN the app should stop at once and name it.',
      "Add 'ADMIN_TOKEN' to the required variables in src/config.js and an empty ADMIN_TOKEN= to .env.example.",
    ],
    // What else is correct: any way of making it required (a REQUIRED list as in lesson 01,
    // a helper, envalid or zod): judged by starting the app without it.
    run: (ctx) =>
      requiredVariable(ctx, 'ADMIN_TOKEN', {
        why: 'An admin API with no token configured is either unusable or, worse, open.',
        fix: "Add 'ADMIN_TOKEN' to the required variables in src/config.js and an empty ADMIN_TOKEN= to .env.example.",
      }),
  }),
  defineCheck({
    id: 'admin-requires-token',
    title: 'Admin endpoints answer 401 without a token and 403 with a wrong one',
    severity: 'required',
    layer: 'behaviour',
    learn: '#1-a-token-compared-safely',
    timeoutMs: 30_000,
    hints: [
      `The verifier calls POST ${FLUSH} with no Authorization header, then with a wrong Bearer token, then with the right one.`,
      'Anyone who can reach the app could flush caches or change log levels. Require Authorization: Bearer <ADMIN_TOKEN>: 401 when it is missing, 403 when it is wrong.',
      "const given = crypto.createHash('sha256').update(token).digest(); crypto.timingSafeEqual(given, expected)",
    ],
    // What else is correct: 401 or 403 for a wrong token, any 2xx for the right one, any
    // comparison. Not another header (X-Admin-Token): the lesson fixes `Authorization: Bearer`
    // as the admin API's contract, and operators' commands in later lessons send it.
    async run(ctx) {
      const p = await adminPair(ctx);
      if (p.problem) return fail(p.problem, { evidence: p.a.result.app.tail() });
      const [none, wrong, right] = [
        await admin(ctx, p.a.url, 'POST', FLUSH, null),
        await admin(ctx, p.a.url, 'POST', FLUSH, `${p.token}x`),
        await admin(ctx, p.a.url, 'POST', FLUSH, p.token),
      ];
      const ok = none.status === 401 && (wrong.status === 403 || wrong.status === 401) && right.status >= 200 && right.status < 300;
      return ok
        ? pass(`no token → ${none.status}, wrong token → ${wrong.status}, right token → ${right.status}`)
        : fail(`no token → ${describe(none)}; wrong token → ${describe(wrong)}; right token → ${describe(right)}`, {
            expected: '401, 403, then 2xx',
            why: 'Admin actions change how the app behaves for everyone; only operators holding the token may call them.',
            fix: 'An auth middleware on /admin that checks Authorization: Bearer against ADMIN_TOKEN in constant time.',
          });
    },
  }),
  defineCheck({
    id: 'token-compared-safely',
    title: 'The admin token is not compared with === or !==',
    severity: 'recommended',
    layer: 'code',
    learn: '#1-a-token-compared-safely',
    hints: [
      'The verifier looks in your source for ===, !==, == or != right next to the admin token (config.adminToken, ADMIN_TOKEN).',
      'Hash both sides and compare in constant time: crypto.timingSafeEqual(sha256(given), sha256(config.adminToken)).',
    ],
    // A timing leak cannot be measured over HTTP within a verify run, so this is a source
    // scan, and only a recommendation: it finds the classic `token !== config.adminToken`,
    // not a copy of the token under another name. Comparisons with undefined, null, '' or
    // a length are not comparisons of the token's value, and pass. What else is correct:
    // timingSafeEqual on hashes or equal-length buffers, any constant-time helper.
    async run(ctx) {
      const hits = ctx.files.search(PLAIN_TOKEN_COMPARISON, ctx.files.sourceFiles()).filter((m) => !/^(\/\/|\*|\/\*)/.test(m.text));
      if (!hits.length) return pass('no ===/!== next to the admin token in the source');
      const [first, ...more] = hits;
      return fail(`${first!.text.length > 100 ? `${first!.text.slice(0, 99)}…` : first!.text}`, {
        where: `${first!.file}:${first!.line}`,
        expected: 'crypto.timingSafeEqual on hashes of both values',
        why: '=== stops at the first character that differs, so a guess with more right characters takes a little longer to reject: measured often enough, that gives the token away character by character.',
        fix: "const sha256 = (v) => crypto.createHash('sha256').update(v).digest(); crypto.timingSafeEqual(sha256(given), sha256(config.adminToken))",
        evidence: more.map((m) => findingLine({ where: `${m.file}:${m.line}`, message: m.text })),
      });
    },
  }),
  defineCheck({
    id: 'no-token-in-query-string',
    title: 'A token in the query string is refused',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['admin-requires-token'],
    learn: '#1-a-token-compared-safely',
    timeoutMs: 30_000,
    hints: [
      'The verifier calls the admin API with the RIGHT token, but as ?token=… (and ?access_token=…) instead of a header.',
      'URLs end up in access logs, proxy logs and shell history. Accept the token only from the Authorization header.',
    ],
    async run(ctx) {
      const p = await adminPair(ctx);
      const answers = await Promise.all(
        ['token', 'access_token', 'admin_token'].map((q) => admin(ctx, p.a.url, 'POST', `${FLUSH}?${q}=${encodeURIComponent(p.token)}`, null)),
      );
      const accepted = answers.filter((r) => r.status < 400);
      return accepted.length === 0
        ? pass(`token in the query string → ${answers.map((r) => r.status).join(', ')}`)
        : fail(`the token in the query string was accepted (${accepted.map((r) => r.status).join(', ')})`, {
            expected: '401: only the Authorization header counts',
            why: 'Every access log, proxy and Ingress controller records URLs: a token there is leaked to everyone who reads logs.',
          });
    },
  }),
  defineCheck({
    id: 'cache-flush-shared',
    title: 'Flushing the cache through A refreshes what B serves',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['admin-requires-token'],
    learn: '#2-flush-the-cache-for-every-replica',
    timeoutMs: 30_000,
    hints: [
      `The verifier lets B cache the notes list, inserts a note straight into Postgres (so every cache is stale), calls POST ${FLUSH} on A, and lists on B again.`,
      'The cache lives in Redis since lesson 02: flush it there (delete the cache keys), not in the memory of the replica that answered.',
    ],
    // What else is correct: deleting the keys, or any shared invalidation (a generation
    // number in Redis that every cache key includes): judged by what B serves next.
    async run(ctx) {
      const p = await adminPair(ctx);
      await p.toB.get('/api/notes');
      const title = `inserted behind the app's back ${Date.now()}`;
      await p.db.query(`INSERT INTO notes (author_id, title, body) SELECT id, $1, 'by the verifier' FROM users ORDER BY id LIMIT 1`, [title]);
      const stale = (await p.toB.get('/api/notes')).text.includes(title);
      const flushed = await admin(ctx, p.a.url, 'POST', FLUSH, p.token);
      // Shared state may take a moment to reach the other replica.
      const { ok: fresh } = await ctx.poll('B to list the new note', async () => (await p.toB.get('/api/notes')).text.includes(title), {
        timeout: 2000,
        interval: 200,
      });
      if (fresh) return pass(`after POST ${FLUSH} on A (${flushed.status}), B lists the new note${stale ? ' (it had no cached list)' : ''}`);
      return fail(`POST ${FLUSH} on A answered ${describe(flushed)}, but B still serves the old list`, {
        expected: "B's next list includes the note",
        why: 'Whichever replica receives the admin call, the action must reach the state every replica uses.',
        fix: 'Delete the cache keys in Redis in the flush handler.',
      });
    },
  }),
  defineCheck({
    id: 'digest-pause-shared',
    title: 'Pausing the digest on A is visible on B',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['admin-requires-token'],
    learn: '#3-pause-the-digest',
    timeoutMs: 30_000,
    hints: [
      'The verifier calls POST /admin/digest/pause on A, then GET /admin/digest on B, expecting { "paused": true } (and resumes it afterwards).',
      'Keep the flag in Redis (e.g. admin:digest:paused) and have the digest job read it before each run.',
    ],
    // What else is correct: the flag in any store every replica reads (Redis, a Postgres row).
    async run(ctx) {
      const p = await adminPair(ctx);
      const paused = await admin(ctx, p.a.url, 'POST', '/admin/digest/pause', p.token);
      const pausedOnB = async () => ((await admin(ctx, p.b.url, 'GET', '/admin/digest', p.token)).json as { paused?: boolean } | undefined)?.paused === true;
      const { ok: seen } = await ctx.poll('B to report paused: true', pausedOnB, { timeout: 3000, interval: 200 });
      await admin(ctx, p.a.url, 'POST', '/admin/digest/resume', p.token);
      return seen
        ? pass('paused on A, B reports paused: true')
        : fail(`POST /admin/digest/pause on A answered ${describe(paused)}, but B does not report paused: true`, {
            expected: 'GET /admin/digest on B → { "paused": true }',
            why: 'With a flag in one process, the other replicas keep sending the digest you meant to stop.',
          });
    },
  }),
  defineCheck({
    id: 'log-level-shared',
    title: 'Changing the log level on A changes what B logs',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['admin-requires-token'],
    learn: '#4-change-the-log-level-at-runtime',
    timeoutMs: 30_000,
    hints: [
      'The verifier calls PUT /admin/log-level {"level":"error"} on A, then sends requests to B and expects B to stop writing lines below error within 3 s (and sets it back afterwards).',
      'Store the level in Redis and let every replica apply it to its logger (logger.level = …): Redis pub/sub, or a poll every second.',
    ],
    // What else is correct: polling or pub/sub, any logger whose lines carry a level (numbers
    // or names, see lessons/shared/logs.ts): judged by what B writes afterwards.
    async run(ctx) {
      const p = await adminPair(ctx);
      const set = await admin(ctx, p.a.url, 'PUT', '/admin/log-level', p.token, { level: 'error' });
      const bQuiet = async () => {
        const mark = p.b.result.app.stdout.length;
        await p.toB.get('/nope-for-the-log-level-check');
        await ctx.sleep(150); // the request's log line, if any, is written after the answer
        return linesBelowError(p.b.result.app.stdout.slice(mark)).length === 0;
      };
      const { ok: quiet } = await ctx.poll('B to stop writing lines below error', bQuiet, { timeout: 3000, interval: 200 });
      await admin(ctx, p.a.url, 'PUT', '/admin/log-level', p.token, { level: 'info' });
      return quiet
        ? pass('level set to error on A; B stopped writing lines below error')
        : fail(`PUT /admin/log-level on A answered ${describe(set)}, but B still writes lines below error 3 s later`, {
            expected: 'B applies the new level within 3 s',
            why: 'You raise the log level to chase a problem on whichever pod has it; a change that stays on the replica that answered misses it.',
            fix: 'Keep the level in Redis and apply it on every replica (logger.level = level).',
          });
    },
  }),
  defineCheck({
    id: 'audit-log',
    title: 'Admin calls leave an audit line, without the token',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['admin-requires-token'],
    learn: '#5-leave-an-audit-trail',
    timeoutMs: 30_000,
    hints: [
      'After the admin calls, the verifier looks in A\'s output for JSON lines about them (e.g. with "audit": true) and checks the token is in none of them.',
      "log.info({ audit: true, action: 'cache.flush', outcome: 'ok', reqId: req.id }, 'admin action')",
      'The token can leak through the request log too: someone tried ?token=… and the URL with its query string was logged. Log the path without the query string.',
    ],
    // What else is correct: any JSON line that calls itself an audit record (an `audit` field,
    // an "Admin audit" message), with any fields. A plain request-log line does not count: it
    // disappears with LOG_LEVEL=error or the runtime level of step 4.
    async run(ctx) {
      const p = await adminPair(ctx);
      await admin(ctx, p.a.url, 'POST', FLUSH, p.token);
      await ctx.sleep(200); // the audit line is written after the answer
      const lines = `${p.a.result.app.stdout}\n${p.a.result.app.stderr}`.split('\n').filter((l) => /audit/i.test(l) || l.includes('/admin/'));
      const audit = lines.filter((l) => /audit/i.test(l));
      const leaked = lines.filter((l) => l.includes(p.token));
      if (audit.length && !leaked.length) return pass(`${audit.length} audit line(s) on A, no token in them`);
      return fail(leaked.length ? `the admin token appears in ${leaked.length} log line(s)` : 'no audit line for the admin calls on A', {
        expected: 'one JSON line per admin call with "audit", the action and the outcome; never the token',
        why: 'When a cache is flushed at 3 a.m., the audit line says who and when; a token in it hands the admin API to anyone reading logs.',
        evidence: (leaked.length ? leaked : lines).slice(0, 3).map((l) => l.replace(p.token, '<ADMIN_TOKEN>')),
      });
    },
  }),
];

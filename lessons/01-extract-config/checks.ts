import { defineCheck, describeExit, describeFetchError, fail, pass } from '../../verify/lesson-api.ts';
import { REQUIRED_VARS, testUser } from '../shared/teamnotes.ts';
import { configuredApp, MISSING_VAR_WAIT_MS, START_WAIT_MS, startWithout } from '../shared/run-app.ts';
import { ignores, ignoringLine } from './gitignore.ts';
import { findFallbacks, findSecrets, isPlaceholder, maskedFallback, maskedMatch, unreadRequiredVars } from './scan.ts';

const required = REQUIRED_VARS.join(', ');

export default [
  defineCheck({
    id: 'honours-port',
    title: 'The app starts from environment config and listens on PORT',
    severity: 'required',
    layer: 'behaviour',
    learn: '#4-honour-port',
    timeoutMs: 30_000,
    hints: [
      'The verifier starts your app with PORT set to a free port and waits for it to listen there.',
      'src/server.js hard-codes `const PORT = 3000`. Take the port from your config module, which reads process.env.PORT (a default of 3000 is fine: it is not a secret).',
      "In src/config.js: `port: toInt('PORT', 3000, 1, 65535)` (step 1 of the lesson); in src/server.js: `app.listen(config.port, ...)`.",
    ],
    // What else is correct: PORT read through any config library, with or without a default
    // (3000 is not a secret). Still caught: a hard-coded listen port, PORT read but not used.
    async run(ctx) {
      const { result: r, port } = await configuredApp(ctx);
      const tried = r.app.listenErrors().find((e) => e.port !== port);
      if (!r.ports.length && tried) {
        return fail(`PORT was ${port}, but the app tried port ${tried.port} (${tried.error === 'EADDRINUSE' ? 'already in use' : tried.error})`, {
          expected: `listening on ${port}`,
          why: 'The port is deployment configuration: Kubernetes probes and Services target the port you declare, and two copies on one machine need different ones.',
          fix: 'Read the port from your config module (process.env.PORT, default 3000) and pass it to app.listen.',
        });
      }
      if (!r.ports.length) {
        return fail(r.exit ? `with a complete configuration the app ${describeExit(r.exit)}` : `the app did not listen within ${START_WAIT_MS / 1000} s`, {
          expected: `listening on PORT=${port}`,
          why: 'Every other check starts your app this way; a Deployment will too.',
          fix: 'Run it yourself with the variables from .env.example: `node --env-file=.env src/server.js`, and read the first error.',
          evidence: r.app.tail(),
        });
      }
      if (!r.ports.includes(port)) {
        return fail(`PORT was ${port}, but the app listened on ${r.ports.join(', ')}`, {
          expected: `listening on ${port}`,
          why: 'The port is deployment configuration: Kubernetes probes and Services target the port you declare, and two copies on one machine need different ones.',
          fix: 'Read the port from your config module (process.env.PORT, default 3000) and pass it to app.listen.',
        });
      }
      const res = await ctx
        .http(`http://127.0.0.1:${port}`)
        .get('/')
        .catch((e: unknown) => describeFetchError(e));
      return typeof res !== 'string' && res.status < 500
        ? pass(`listened on PORT=${port}; GET / answered ${res.status}`)
        : fail(`listened on ${port}, but GET / ${typeof res === 'string' ? `failed: ${res}` : `answered ${res.status}`}`, { evidence: r.app.tail() });
    },
  }),
  defineCheck({
    id: 'fails-fast-on-missing-config',
    title: `Without ${REQUIRED_VARS.join(' / ')} the app exits non-zero and names the variable`,
    severity: 'required',
    layer: 'behaviour',
    learn: '#2-fail-fast-on-missing-values',
    timeoutMs: 30_000,
    hints: [
      `The verifier starts your app three times, each time leaving out one of ${required}, and expects it to stop at once with a non-zero exit code and the variable's name.`,
      'A pod that crashes at start shows up as CrashLoopBackOff with your message in `kubectl logs`; a pod that starts and fails later looks healthy until a user hits it. Validate all required variables before app.listen.',
      "In src/config.js: collect missing names (`if (!process.env[name]) missing.push(name)`), then `console.error('Missing required environment variable(s): ' + missing.join(', ')); process.exit(1);`",
    ],
    // What else is correct: any exit code but 0, any wording or format (JSON log line, thrown
    // error) that names the variable, one variable or all at once. Still caught: starting
    // anyway, exiting 0, a message that does not say which variable.
    async run(ctx) {
      const results = await Promise.all(REQUIRED_VARS.map((name) => startWithout(ctx, name)));
      const bad = results.filter((r) => !r.ok);
      if (!bad.length) return pass(results.map((r) => `without ${r.name}: ${r.observed}`).join('; '));
      return fail(bad.map((r) => `without ${r.name} the app ${r.observed}`).join('; '), {
        expected: `exit with a non-zero code within ${MISSING_VAR_WAIT_MS / 1000} s, printing the missing variable's name`,
        why: 'A silent default or a late failure means a misconfigured pod looks healthy while it writes to the wrong database or 500s on every login.',
        fix: 'Validate every required variable in src/config.js at start-up; exit 1 with one line naming what is missing.',
        evidence: bad[0]!.tail.map((l) => `(without ${bad[0]!.name}) ${l}`),
      });
    },
  }),
  defineCheck({
    id: 'honours-database-url',
    title: 'The app stores its data in the database DATABASE_URL names',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['honours-port'],
    learn: '#3-take-secrets-out-of-the-source',
    timeoutMs: 35_000,
    hints: [
      'The verifier gives your app a brand-new, empty database in DATABASE_URL, signs up a user through POST /api/signup, and looks for that user in that database.',
      'src/db.js still builds its Pool from DB_HOST / DB_USER / DB_PASSWORD constants. Build it from the URL instead.',
      'In src/db.js: `const pool = new Pool({ connectionString: config.databaseUrl });`',
    ],
    async run(ctx) {
      const { result: r, port, db } = await configuredApp(ctx);
      const user = testUser();
      const http = ctx.http(`http://127.0.0.1:${port}`);
      // Schema creation at start-up may still be running: retry briefly (ten tries, 400 ms apart).
      const signUp = async () => {
        const res = await http.post('/api/signup', user, { timeoutMs: 8000 }).catch((e: unknown) => describeFetchError(e));
        return typeof res === 'string' ? { answered: false, last: res } : { answered: res.status < 500, last: `${res.status} ${res.text.slice(0, 120)}` };
      };
      const { last } = (
        await ctx.poll('POST /api/signup to answer below 500', signUp, { until: (a) => a.answered, timeout: 3600, interval: 400, describe: (a) => a.last })
      ).value;
      // What else is correct: any table and any schema (not only public), any column layout:
      // the user's email anywhere in a row of the database DATABASE_URL names.
      const tables = await db.query<{ table_schema: string; table_name: string }>(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'",
      );
      for (const { table_schema, table_name } of tables) {
        const rows = await db.query(`SELECT 1 FROM "${table_schema.replace(/"/g, '""')}"."${table_name.replace(/"/g, '""')}" t WHERE t::text LIKE $1 LIMIT 1`, [
          `%${user.email}%`,
        ]);
        if (rows.length) return pass(`the user signed up via /api/signup is in table "${table_name}" of ${db.name}`);
      }
      return fail(`signed up ${user.email} (last answer: ${last}), but it is not in the database DATABASE_URL named (${tables.length} tables there)`, {
        expected: `a row with ${user.email} in ${db.name}`,
        why: 'If the app ignores DATABASE_URL, every environment (dev, staging, prod, your laptop) talks to the same hard-coded database.',
        fix: 'Build the pg Pool from DATABASE_URL (connectionString) in src/db.js.',
        evidence: r.app.tail(),
      });
    },
  }),
  defineCheck({
    id: 'no-hardcoded-secrets',
    title: 'No password, secret or credential is written in the source tree',
    severity: 'required',
    layer: 'code',
    learn: '#3-take-secrets-out-of-the-source',
    hints: [
      'Search the whole workspace, not only src/: scripts/, README.md and .env.example count too (your own .env is exempt).',
      'Passwords and secrets arrive through the environment; a literal in git stays in its history forever, and the only fix is to rotate it.',
      "Replace `pass: 'smtp-S3cret-99'` with credentials inside SMTP_URL (smtp://user:pass@host:port), read via your config module.",
    ],
    // What else is correct: placeholders (<…>, ${VAR}, ***), variable names, your own .env.
    // Still caught: the legacy secrets anywhere, a literal after a secret-named key in code,
    // a password inside any URL in any committed file. Values are masked in the output.
    async run(ctx) {
      const found = findSecrets(ctx.files);
      return found.length === 0
        ? pass(`no literal secrets in ${ctx.files.list().length} files`)
        : fail(`${found.length} place(s) still hold a secret`, {
            where: `${found[0]!.file}:${found[0]!.line}`,
            expected: 'secrets only in the environment (your local .env, a Kubernetes Secret later)',
            why: 'Anyone with the repository, or the image, has these credentials, and they are the same in every environment.',
            fix: `Move each value into an environment variable read by your config module; list the variable (with no value) in .env.example. Then rotate the real password: it is in git history.`,
            evidence: found.slice(0, 8).map((m) => maskedMatch(m)),
          });
    },
  }),
  defineCheck({
    id: 'no-fallback-for-required',
    title: `${required} are read from the environment with no hard-coded fallback`,
    severity: 'required',
    layer: 'code',
    learn: '#2-fail-fast-on-missing-values',
    hints: [
      `The source must read ${required}, and none may have a default value.`,
      "`process.env.DATABASE_URL || 'postgres://localhost/teamnotes'` starts happily in production with the wrong database. A missing required value must stop the app.",
      'Keep defaults for harmless settings (PORT, MAIL_FROM); for required ones, collect the missing names and exit 1.',
    ],
    // What else is correct: dotenv, zod, envalid, hand-written checks; an empty fallback
    // (`|| ''`) that is then reported missing. Still caught: any literal default for a
    // required or secret-named variable (||, ??, destructuring, zod .default, envalid default).
    async run(ctx) {
      const unread = unreadRequiredVars(ctx.files);
      if (unread.length) {
        return fail(`no source file reads ${unread.join(', ')}`, {
          expected: `${required} read from process.env (directly or through dotenv/zod/envalid)`,
          fix: 'Create src/config.js that reads them from process.env, and use it from src/db.js, src/mailer.js and src/server.js.',
        });
      }
      const fallbacks = findFallbacks(ctx.files);
      return fallbacks.length === 0
        ? pass(`${required} are read without defaults`)
        : fail(`a required or secret value has a literal fallback`, {
            where: `${fallbacks[0]!.file}:${fallbacks[0]!.line}`,
            expected: 'no default for required values; the app exits naming the missing variable',
            why: 'A fallback hides a broken deployment: the pod looks healthy while it talks to a hard-coded host or signs sessions with a published secret.',
            fix: 'Remove the fallback; let your config module report the variable as missing.',
            evidence: fallbacks.slice(0, 6).map((m) => maskedFallback(m)),
          });
    },
  }),
  defineCheck({
    id: 'env-example',
    title: '.env.example lists every required variable, with no real values, and git keeps it',
    severity: 'required',
    layer: 'code',
    learn: '#5-document-it-in-envexample',
    hints: [
      'Create legacy-app/.env.example: one `NAME=` line per variable the app reads, with a comment saying what it is.',
      'Leave secret values empty, or write a placeholder in angle brackets: `SESSION_SECRET=<generate with: openssl rand -hex 32>`.',
    ],
    // What else is correct: comments, `export NAME=`, quoted empty values, <placeholders>,
    // optional variables with their defaults. Still caught: a required name missing, a real
    // secret or a password in a URL, and a .gitignore that hides the file from git.
    async run(ctx) {
      const text = ctx.files.read('.env.example');
      if (text === undefined) {
        return fail('.env.example does not exist', {
          expected: `.env.example with ${required}`,
          why: 'It is how the next person (and your Kubernetes manifests in lesson 08) learns which variables exist.',
          fix: 'Create .env.example with one line per variable, secret values left empty.',
        });
      }
      const lines = text.split('\n');
      const entries = new Map(
        lines
          .map((l) => /^\s*(?:export\s+)?([A-Z0-9_]+)\s*=(.*)$/.exec(l))
          .filter((m) => m !== null)
          .map((m) => [m[1]!, m[2]!.trim()]),
      );
      const missing = REQUIRED_VARS.filter((n) => !entries.has(n));
      // A secret-named variable (not CACHE_KEY_PREFIX: KEY only as the name's last word) must be empty or a placeholder.
      const real = [...entries].filter(([n, v]) => /PASSWORD|SECRET|TOKEN|(^|_)KEY$/.test(n) && !isPlaceholder(v)).map(([n]) => n);
      const inUrls = [...entries]
        .filter(([, v]) => /:\/\/[^\s/:@]+:([^\s@]+)@/.test(v) && !isPlaceholder(/:\/\/[^\s/:@]+:([^\s@]+)@/.exec(v)![1]!))
        .map(([n]) => n);
      // `.env*` in .gitignore also hides the template: the next person never gets it.
      const hiding = ignoringLine(ctx.files.read('.gitignore') ?? '', '.env.example');
      if (hiding !== undefined) {
        return fail('.gitignore ignores .env.example too', {
          where: `.gitignore:${hiding}`,
          expected: '.env ignored, .env.example committed',
          why: 'A pattern such as `.env*` matches .env.example as well: it never reaches the repository, so nobody learns which variables the app needs.',
          fix: 'Add the line `!.env.example` after the pattern in .gitignore (or ignore exactly `.env`).',
        });
      }
      if (!missing.length && !real.length && !inUrls.length) return pass(`.env.example documents ${entries.size} variables`);
      return fail(
        [missing.length && `missing ${missing.join(', ')}`, [...real, ...inUrls].length && `real-looking values for ${[...real, ...inUrls].join(', ')}`]
          .filter(Boolean)
          .join('; '),
        {
          where: [...real, ...inUrls].length
            ? `.env.example:${lines.findIndex((l) => new RegExp(`^\\s*(export\\s+)?${[...real, ...inUrls][0]}\\s*=`).test(l)) + 1}`
            : '.env.example',
          expected: `every required variable listed; secret values empty or <placeholder>`,
          why: '.env.example is committed: a real value there is a leaked secret.',
          fix: 'Add the missing names; replace secret values with nothing or <a placeholder>.',
        },
      );
    },
  }),
  defineCheck({
    id: 'dotenv-not-committed',
    title: '.env is ignored by git and not committed',
    severity: 'required',
    layer: 'code',
    learn: '#6-keep-env-out-of-git',
    hints: [
      'The app folder needs its own .gitignore (it will become its own repository and image build context).',
      'Add a line `.env` to legacy-app/.gitignore. If .env is already committed: rotate its secrets, then `git rm --cached legacy-app/.env`.',
    ],
    async run(ctx) {
      const tracked = ctx.git.tracked('.env');
      if (tracked.length) {
        return fail('.env is committed to git', {
          expected: '.env untracked',
          why: 'Everything in it is now in the repository history, on every clone.',
          fix: 'Rotate every secret in it, then: git rm --cached .env && git commit -m "Stop tracking .env"',
        });
      }
      // What else is correct: any .gitignore line git would match against .env (`.env`,
      // `/.env`, `.env*`, `*.env`, `**/.env`), unless a later `!` line un-ignores it.
      const ignored = ignores(ctx.files.read('.gitignore') ?? '', '.env');
      return ignored
        ? pass('.gitignore lists .env and git tracks no .env')
        : fail(ctx.files.exists('.gitignore') ? '.gitignore does not list .env' : 'there is no .gitignore in the app folder', {
            expected: 'a .gitignore with the line `.env`',
            why: 'One `git add .` and the real credentials are pushed.',
            fix: 'printf ".env\\nnode_modules/\\n" >> legacy-app/.gitignore',
          });
    },
  }),
  defineCheck({
    id: 'single-config-module',
    title: 'Configuration is read in one module',
    severity: 'recommended',
    layer: 'code',
    learn: '#1-one-config-module',
    hints: ['Read process.env in one place (src/config.js) and import the values elsewhere; then the full list of settings is in one file.'],
    // What else is correct: one module, or two (a schema beside its loader); NODE_ENV reads
    // anywhere. Still reported: process.env read in three or more files.
    async run(ctx) {
      const readers = [...new Set(ctx.files.search(/process\.env\b(?!\.NODE_ENV)/, ctx.files.sourceFiles()).map((m) => m.file))];
      return readers.length <= 2
        ? pass(readers.length ? `process.env is read in ${readers.join(', ')}` : 'process.env is not read directly')
        : fail(`process.env is read in ${readers.length} files`, {
            expected: 'one config module (two at most)',
            why: 'Scattered reads hide settings: nobody can list what the app needs, and each file validates (or forgets to) on its own.',
            fix: 'Move the reads into src/config.js and import config where the values are used.',
            evidence: readers,
          });
    },
  }),
];

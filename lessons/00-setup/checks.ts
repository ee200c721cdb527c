import { defineCheck, describeExit, describeFetchError, EnvironmentError, fail, pass, redact, SERVICE_VARS, versionAtLeast } from '../../verify/lesson-api.ts';
import { appEnv, LEGACY_PORT } from '../shared/teamnotes.ts';

const MIN_NODE = '20.19.0';
const APP_PACKAGES = ['express', 'express-session', 'pg', 'nodemailer', 'multer'];

export default [
  defineCheck({
    id: 'node-version',
    title: `Node.js ${MIN_NODE} or newer`,
    severity: 'required',
    layer: 'env',
    learn: '#what-you-need',
    hints: [
      'Run `node --version`; the workshop needs 20.19 or newer (22 and 24 are fine).',
      'Install an LTS release with your version manager: `nvm install 24 && nvm use 24`, or `fnm use 24`, or from nodejs.org.',
    ],
    // What else is correct: any Node from 20.19 on (22, 24, odd releases).
    async run(ctx) {
      const v = ctx.machine.nodeVersion;
      return versionAtLeast(v, MIN_NODE)
        ? pass(`Node.js ${v}`)
        : fail(`Node.js ${v} is too old`, {
            expected: `${MIN_NODE} or newer`,
            why: 'Some workshop packages need features of Node 20.19 (require() of ES modules); older versions fail with confusing import errors.',
            fix: 'nvm install 24 && nvm use 24   (or install Node 24 LTS from nodejs.org), then npm install',
          });
    },
  }),
  defineCheck({
    id: 'dependencies-installed',
    title: "The app's packages are installed",
    severity: 'required',
    layer: 'env',
    learn: '#what-you-need',
    hints: [
      'The app loads its packages from the node_modules folder in the repository root.',
      'Run `npm install` once in the repository root (not inside legacy-app/); it installs everything every lesson needs.',
    ],
    // What else is correct: packages from the root install or a local one in the workspace.
    async run(ctx) {
      const missing = APP_PACKAGES.filter((p) => !ctx.machine.canResolve(p));
      return missing.length === 0
        ? pass(`${APP_PACKAGES.join(', ')} resolve from the workspace`)
        : fail(`${missing.join(', ')} cannot be loaded from the workspace`, {
            expected: 'every package in legacy-app/package.json installed',
            why: 'Without them the app stops at its first require() and nothing else can be checked.',
            fix: 'npm install   (in the repository root), then npm run verify 0',
          });
    },
  }),
  defineCheck({
    id: 'backing-services',
    title: 'Postgres, Redis and SMTP are running and reachable',
    severity: 'required',
    layer: 'env',
    learn: '#create-the-cluster',
    hints: [
      'The verifier reads the service URLs from .workshop/services.env (or DATABASE_URL, REDIS_URL, SMTP_URL in your shell).',
      '`npm run setup` writes that file after it starts the services in kind; without Docker, keep `npm run services` running in a second terminal.',
    ],
    // What else is correct: services from setup (kind), from `npm run services`, or any URLs in the shell.
    async run(ctx) {
      const urls = ctx.services.configured();
      const missing = SERVICE_VARS.filter((k) => !urls[k]);
      if (missing.length) {
        return fail(`${missing.join(', ')} not configured`, {
          expected: 'DATABASE_URL, REDIS_URL and SMTP_URL in .workshop/services.env or in your environment',
          why: 'From lesson 01 on, the verifier starts your app against these services; without them no behaviour can be checked.',
          fix: 'npm run setup   (or, without Docker, `npm run services` in another terminal)',
        });
      }
      const down = [];
      for (const key of SERVICE_VARS) if (!(await ctx.machine.urlReachable(urls[key]!))) down.push(`${key} (${redact(urls[key]!)})`);
      return down.length === 0
        ? pass('all three services answer')
        : fail(`nothing answers at ${down.join(', ')}`, {
            expected: 'each service accepting connections',
            why: 'The URLs are configured but the servers behind them are not running (a stopped cluster, or `npm run services` was closed).',
            fix: 'npm run setup   (restarts stopped kind nodes) or `npm run services` again, then npm run verify 0',
          });
    },
  }),
  defineCheck({
    id: 'cluster-reachable',
    title: 'The workshop kind cluster answers',
    severity: 'required',
    layer: 'cluster',
    learn: '#create-the-cluster',
    hints: [
      '`kubectl cluster-info --context kind-workshop` should print the control plane address.',
      '`npm run setup` creates the cluster from kind-config.yaml; if it exists but is stopped (Docker restarted), running setup again starts its nodes.',
    ],
    // What else is correct: any context named with --context; this only asks the server its version.
    async run(ctx) {
      try {
        const version = await ctx.kube.serverVersion();
        return pass(`context ${await ctx.kube.contextName()}, Kubernetes ${version}`);
      } catch (err) {
        // For every other lesson a missing cluster is an environment error; here it is the lesson.
        if (!(err instanceof EnvironmentError)) throw err;
        return fail(err.message, {
          expected: 'the kube context "kind-workshop" answering',
          why: 'Lessons 07–13 deploy Teamnotes to this cluster, and lessons 00–05 use its Postgres, Redis and Mailpit.',
          fix: err.next ?? 'npm run setup',
        });
      }
    },
  }),
  defineCheck({
    id: 'legacy-app-answers',
    title: 'The app starts and answers on its home page',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['dependencies-installed'],
    learn: '#run-the-legacy-app',
    timeoutMs: 20_000,
    hints: [
      'Run `cd legacy-app && npm start` and open http://localhost:3000: you should see the login page.',
      'If it crashes at start, read the first error line it prints; "EADDRINUSE" means something else already uses port 3000.',
    ],
    // What else is correct: any status below 500 on / (the login page, a redirect), any port:
    // the legacy hard-coded 3000 is moved to a free one, so a copy you are running does not collide.
    async run(ctx) {
      const env = await appEnv(ctx);
      // The legacy app ignores PORT; moving its hard-coded port keeps this check from colliding with a copy you are running.
      const started = await ctx.app.start({ env, remapPorts: { [LEGACY_PORT]: Number(env.PORT) } });
      if (!started.ports.length) {
        return fail(started.exit ? `the app ${describeExit(started.exit)} before it listened` : 'the app did not listen within 10 s', {
          expected: 'an HTTP server listening',
          fix: 'cd legacy-app && npm start   — read the error it prints',
          evidence: started.app.tail(),
        });
      }
      const url = `http://127.0.0.1:${started.ports[0]}/`;
      try {
        const res = await ctx.http(url).get('/');
        return res.status < 500
          ? pass(`GET / answered ${res.status}`)
          : fail(`GET / answered ${res.status}`, { expected: 'a status below 500', evidence: started.app.tail() });
      } catch (err) {
        return fail(`GET / failed: ${describeFetchError(err)}`, { expected: 'an HTTP answer', evidence: started.app.tail() });
      }
    },
  }),
];

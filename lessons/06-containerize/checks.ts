import {
  defineCheck,
  fail,
  findingLine,
  parseLearnerJson,
  pass,
  readDockerfile,
  reportFindings,
  type CheckContext,
  type Finding,
  type Outcome,
  type ParsedDockerfile,
} from '../../verify/lesson-api.ts';
import { commandProblems, dependencyLayerProblems, dockerignoreExcludes, secretProblems, unpinnedBases, userProblems } from './rules.ts';

/** Shared shape of the Dockerfile rules: run one, report its findings (each at `Dockerfile:line`). */
function rule(ctx: CheckContext, find: (df: ParsedDockerfile) => Finding[], ok: string, details: { expected: string; why: string; fix: string }): Outcome {
  return reportFindings(find(readDockerfile(ctx.files)!), ok, details);
}

// The rules read a Dockerfile that builds: a syntax error is reported once, at its own line.
const needsDockerfile = { dependsOn: ['dockerfile-parses'], severity: 'required' as const, layer: 'code' as const };

export default [
  defineCheck({
    id: 'dockerfile-exists',
    title: 'The app has a Dockerfile',
    severity: 'required',
    layer: 'code',
    learn: '#steps',
    hints: [
      'Create legacy-app/Dockerfile: the recipe for the image every environment will run.',
      'Start from `FROM node:24.x.y-alpine3.24 AS deps` (an exact release) and follow the steps of the lesson.',
    ],
    async run(ctx) {
      const df = readDockerfile(ctx.files);
      return df
        ? pass(`Dockerfile with ${df.stages.length} stage(s)`)
        : fail(ctx.files.exists('Dockerfile') ? 'the Dockerfile has no FROM instruction' : 'there is no Dockerfile', {
            expected: 'legacy-app/Dockerfile',
            why: 'Kubernetes runs images, not folders: the Dockerfile is how Teamnotes becomes one.',
            fix: 'Create legacy-app/Dockerfile (lesson 06, step 1).',
          });
    },
  }),
  defineCheck({
    id: 'dockerfile-parses',
    title: 'docker build can read every instruction of the Dockerfile',
    severity: 'required',
    layer: 'code',
    dependsOn: ['dockerfile-exists'],
    learn: '#steps',
    hints: [
      'The verifier reads the Dockerfile the way `docker build` does, before any other rule: a misspelt instruction, a COPY without a destination or a broken JSON array stops the build.',
      'Every line starts with an instruction (FROM, RUN, COPY, CMD…); COPY needs a source and a destination; CMD ["node", "src/server.js"] needs both brackets and double quotes.',
    ],
    // What else is correct: any instruction Docker knows, in any case, heredocs, flags such as
    // --mount or --platform, parser directives; ARG before the first FROM.
    async run(ctx) {
      const df = readDockerfile(ctx.files)!;
      const [first, ...more] = df.syntax;
      if (!first) return pass(`${df.stages.reduce((n, s) => n + s.instructions.length + 1, 0)} instructions, all readable`);
      return fail(first.text, {
        where: `Dockerfile:${first.line}`,
        expected: 'instructions docker build accepts, each with its arguments',
        why: 'An image that does not build cannot be loaded into kind or run by Kubernetes; and a CMD that is not valid JSON is silently run through a shell, with the PID 1 problem of step 5.',
        fix: `Fix Dockerfile line ${first.line}, then try it: docker build -t teamnotes:1.0.0 .`,
        evidence: more.map((p) => findingLine({ where: `Dockerfile:${p.line}`, message: p.text })),
      });
    },
  }),
  defineCheck({
    id: 'base-image-pinned',
    ...needsDockerfile,
    title: 'Base images are pinned to an exact version (Node 22 or newer)',
    learn: '#1-pick-and-pin-a-base-image',
    hints: [
      '`node:latest`, `node:lts`, `node:24` or `node:24-alpine` point at a different image next month.',
      'Pin the full version: FROM node:24.22.3-alpine3.24 (or add its @sha256: digest).',
    ],
    // What else is correct: any exact major.minor.patch tag with a variant, a dated snapshot,
    // a digest (distroless), the version in an ARG with an exact default (see unpinnedBases).
    run: async (ctx) =>
      rule(ctx, unpinnedBases, 'every base image has an exact version', {
        expected: 'FROM node:<22 or newer>.<minor>.<patch>-alpine (or @sha256:…)',
        why: 'A floating tag rebuilds a different image from the same Dockerfile: the bug you fixed today comes back from a base image you never chose.',
        fix: 'Pin the base image to a full version (and update it on purpose).',
      }),
  }),
  defineCheck({
    id: 'multi-stage',
    ...needsDockerfile,
    title: 'A multi-stage build: dependencies installed in their own stage',
    learn: '#2-install-dependencies-in-their-own-stage',
    hints: [
      'Two FROM lines: one stage installs dependencies, the last one copies what runs.',
      'FROM node:24… AS deps / RUN npm ci --omit=dev / FROM node:24… / COPY --from=deps /app/node_modules ./node_modules',
    ],
    // What else is correct: any number of stages and names (deps, build, runtime), the
    // install in a build stage that prunes, a distroless final stage.
    async run(ctx) {
      const df = readDockerfile(ctx.files)!;
      return df.stages.length >= 2
        ? pass(`${df.stages.length} stages`)
        : fail('a single stage', {
            where: `Dockerfile:${df.final.line}`,
            expected: 'at least two FROM stages',
            why: 'Build tools, caches and dev dependencies stay behind in the first stage: a smaller image with less to patch.',
            fix: 'Install dependencies in a `deps` stage and COPY --from=deps into the runtime stage.',
          });
    },
  }),
  defineCheck({
    id: 'npm-ci',
    ...needsDockerfile,
    title: 'Dependencies come from `npm ci`, in a layer cached apart from the source, without dev dependencies',
    learn: '#2-install-dependencies-in-their-own-stage',
    hints: [
      'COPY package.json package-lock.json ./ then RUN npm ci --omit=dev, and only after that COPY the source.',
      '`npm ci` installs exactly the lockfile; copying the source first re-runs the install on every code change.',
    ],
    run: async (ctx) =>
      rule(ctx, dependencyLayerProblems, 'npm ci runs after copying only package*.json', {
        expected: 'COPY package*.json ./ → RUN npm ci --omit=dev → COPY the source',
        why: 'Reproducible builds (the lockfile, exactly) and fast rebuilds (the dependency layer is reused while only code changes).',
        fix: 'Copy package.json and package-lock.json first, RUN npm ci --omit=dev, then copy src/.',
      }),
  }),
  defineCheck({
    id: 'non-root-numeric-user',
    ...needsDockerfile,
    title: 'The image runs as a numeric non-root user',
    learn: '#4-run-as-a-numeric-non-root-user',
    hints: [
      'The last stage needs a USER line with a number: USER 1000 (the node image\'s "node" user).',
      "Kubernetes' runAsNonRoot can only verify a numeric user; a name might be root.",
    ],
    // What else is correct: any non-zero uid, with or without a group (65532 of a distroless
    // :nonroot base, written out, since the verifier cannot see the base image's config).
    run: async (ctx) =>
      rule(ctx, userProblems, 'runs as a numeric non-root user', {
        expected: 'USER 1000 (or another non-zero number) in the final stage',
        why: 'A process running as root in a container is one kernel bug away from root on the node.',
        fix: 'Add USER 1000 before CMD (and COPY --chown=1000:1000 what it must own).',
      }),
  }),
  defineCheck({
    id: 'exec-form-cmd',
    ...needsDockerfile,
    title: 'CMD starts node directly, in exec form',
    learn: '#5-start-node-directly',
    hints: [
      'CMD ["node", "src/server.js"] — a JSON array, with node itself.',
      'Shell form (CMD node …), ["sh", "-c", "node …"] and npm start put another process at PID 1 that does not pass SIGTERM on: your drain from lesson 03 never runs.',
    ],
    // What else is correct: tini or dumb-init as ENTRYPOINT in front of node, a shell that
    // `exec`s node, or only the script (the node image's entrypoint and distroless run it with node).
    run: async (ctx) =>
      rule(ctx, (df) => commandProblems(df, (rel) => ctx.files.read(rel)), 'CMD runs node in exec form', {
        expected: 'CMD ["node", "src/server.js"]',
        why: 'Kubernetes stops pods with SIGTERM to PID 1; if that is a shell or npm, node never hears it and is SIGKILLed 30 s later mid-request.',
        fix: 'CMD ["node", "src/server.js"]',
      }),
  }),
  defineCheck({
    id: 'no-secrets-in-image',
    ...needsDockerfile,
    title: 'No secret is baked into the image',
    learn: '#6-keep-secrets-and-junk-out-with-dockerignore',
    hints: [
      'No ENV or ARG with a password, token or connection URL, and never COPY .env.',
      'Configuration arrives at run time (lesson 08: a Secret); anything in the image is readable by anyone who can pull it.',
    ],
    // What else is correct: ENV/ARG without secret values (NODE_ENV, PORT, an empty ARG),
    // BuildKit secret mounts, copying .env.example.
    run: async (ctx) =>
      rule(ctx, secretProblems, 'no ENV/ARG secret, no .env copied', {
        expected: 'secrets only at run time',
        why: '`docker history` and every registry that stores the image expose ENV, ARG and every layer.',
        fix: 'Remove the value; set it in the environment when the container runs.',
      }),
  }),
  defineCheck({
    id: 'dockerignore',
    title: '.dockerignore keeps node_modules and .env out of the build',
    severity: 'required',
    layer: 'code',
    learn: '#6-keep-secrets-and-junk-out-with-dockerignore',
    hints: [
      'Create legacy-app/.dockerignore with at least node_modules and .env.',
      'Without it `COPY . .` sends your node_modules (built for your laptop) and your .env (your secrets) into the image.',
    ],
    // What else is correct: any patterns that leave both out, read as Docker reads them: an
    // allow-list (`*` then `!src/`…), `**/node_modules`, `.env*`.
    async run(ctx) {
      const text = ctx.files.read('.dockerignore') ?? '';
      const missing = [
        !dockerignoreExcludes(text, 'node_modules/express/package.json') && 'node_modules',
        !dockerignoreExcludes(text, '.env') && '.env',
      ].filter(Boolean);
      if (!ctx.files.exists('.dockerignore')) {
        return fail('there is no .dockerignore', {
          expected: '.dockerignore listing node_modules and .env',
          why: 'The build context is everything in the folder: secrets and host-built modules included.',
          fix: 'printf "node_modules\\n.env\\n.env.*\\n!.env.example\\n.git\\n" > legacy-app/.dockerignore',
        });
      }
      return missing.length === 0
        ? pass('.dockerignore excludes node_modules and .env')
        : fail(`.dockerignore does not exclude ${missing.join(' or ')}`, {
            where: '.dockerignore',
            expected: 'node_modules and .env excluded',
            why: 'A .env in the context ends up in a layer forever; host node_modules break on alpine (musl).',
          });
    },
  }),
  defineCheck({
    id: 'lockfile',
    title: 'package-lock.json pins every dependency of the app',
    severity: 'required',
    layer: 'code',
    learn: '#2-install-dependencies-in-their-own-stage',
    hints: [
      '`npm ci` needs legacy-app/package-lock.json, matching package.json.',
      'Create it with `npm install --package-lock-only` inside legacy-app/, and commit it.',
    ],
    // What else is correct: any lockfileVersion npm ci reads; extra entries (dev dependencies).
    async run(ctx) {
      const pkg = parseLearnerJson<{ dependencies?: Record<string, string> }>(ctx.files.read('package.json') ?? '{}', 'package.json');
      const lock = ctx.files.read('package-lock.json');
      if (lock === undefined)
        return fail('there is no package-lock.json', {
          expected: 'a lockfile next to package.json',
          why: 'Without it every build resolves versions anew: two builds of the same commit can differ.',
          fix: 'cd legacy-app && npm install --package-lock-only',
        });
      const locked =
        parseLearnerJson<{ packages?: Record<string, { dependencies?: Record<string, string> }> }>(lock, 'package-lock.json').packages?.['']?.dependencies ??
        {};
      const missing = Object.keys(pkg.dependencies ?? {}).filter((d) => !(d in locked));
      return missing.length === 0
        ? pass(`package-lock.json covers all ${Object.keys(pkg.dependencies ?? {}).length} dependencies`)
        : fail(`package-lock.json does not list ${missing.join(', ')}`, {
            expected: 'the lockfile in step with package.json',
            fix: 'cd legacy-app && npm install --package-lock-only',
          });
    },
  }),
  defineCheck({
    id: 'image-on-nodes',
    title: 'A teamnotes image with a version tag is loaded on the kind nodes',
    severity: 'required',
    layer: 'cluster',
    dependsOn: ['dockerfile-exists'],
    requires: ['image-store'],
    learn: '#7-build-and-load-it-into-kind',
    timeoutMs: 20_000,
    hints: [
      '`docker build -t teamnotes:1.0.0 legacy-app` then `kind load docker-image teamnotes:1.0.0 --name workshop`.',
      'kind nodes are containers with their own image store: they cannot see images in your Docker, and `:latest` makes Kubernetes try to pull from Docker Hub.',
    ],
    async run(ctx) {
      const nodes = await ctx.kube.list<{ metadata?: { name?: string }; status?: { images?: Array<{ names?: string[] }> } }>('v1', 'Node');
      const tagged = (n: (typeof nodes)[number]) =>
        (n.status?.images ?? []).flatMap((i) => i.names ?? []).filter((name) => /(^|\/)teamnotes:(?!latest$)[^@]+$/.test(name));
      const without = nodes.filter((n) => tagged(n).length === 0).map((n) => n.metadata?.name);
      return without.length === 0
        ? pass(`${tagged(nodes[0]!)[0]} is on all ${nodes.length} nodes`)
        : fail(`no versioned teamnotes image on ${without.join(', ')}`, {
            expected: 'teamnotes:<version> on every node',
            why: 'A pod scheduled on a node without the image cannot start (ErrImagePull: the image exists on no registry).',
            fix: 'kind load docker-image teamnotes:1.0.0 --name workshop',
          });
    },
  }),
];

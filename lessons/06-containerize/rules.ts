// Lesson 06's Dockerfile rules, as plain functions over the parsed Dockerfile: each
// returns the findings (empty when the rule holds), each at its line of the Dockerfile.
import { execArgv, isExecForm, parseImageRef, type Finding, type ParsedDockerfile, type Stage } from '../../verify/lesson-api.ts';

/** A finding at a line of the Dockerfile (the rules read `Dockerfile` at the workspace root). */
function onLine(line: number, message: string): Finding {
  return { where: `Dockerfile:${line}`, message };
}

/** Stages built FROM an earlier stage are not base images. */
function baseStages(df: ParsedDockerfile): Stage[] {
  const names = new Set(df.stages.map((s) => s.name).filter(Boolean));
  // `scratch` is no image at all (an empty filesystem): nothing to pin.
  return df.stages.filter((s) => !names.has(s.image) && s.image !== 'scratch');
}

// What else is a correct pin: an exact release with any variant suffix (22.23.2,
// 22.23.2-alpine3.24, 22.23.2-bookworm-slim), a dated snapshot tag (bookworm-20240311-slim),
// or a digest, whatever the tag (distroless publishes no version tags, only digests). The
// version may come from an ARG declared before the first FROM, if that ARG has an exact default.
// Still rejected: a tag that only names a major (22, 22-alpine), a channel (lts, current) or
// nothing: it moves, even when another part of it (alpine3.24) looks like a version.
const EXACT_RELEASE = /^v?\d+\.\d+\.\d+(?:[-_.+][A-Za-z0-9._-]*)?$/;
const DATED_SNAPSHOT = /(^|[-_.])20\d{6}([-_.]|$)/;

/** Every base image has an exact version (or a digest); Node images are 22 or newer. */
export function unpinnedBases(df: ParsedDockerfile): Finding[] {
  return baseStages(df).flatMap((s) => {
    const shown = s.written === s.image ? s.image : `${s.written} (= ${s.image || 'nothing'})`;
    if (s.unresolved.length)
      return [
        onLine(
          s.line,
          `${s.written}: ${s.unresolved.map((a) => `\${${a}}`).join(', ')} has no default before the first FROM, so the version is whatever the build is given`,
        ),
      ];
    const old = oldNode(s.image, s.tag);
    if (old) return [onLine(s.line, `${shown}: Node ${old} images are no longer updated; use 22 or 24`)];
    if (s.digest) return [];
    if (!s.tag || s.tag === 'latest') return [onLine(s.line, `${shown}: no version tag (it means :latest, which moves)`)];
    if (EXACT_RELEASE.test(s.tag) || DATED_SNAPSHOT.test(s.tag)) return [];
    return [
      onLine(s.line, `${shown}: the tag "${s.tag}" is not one release, it moves with every ${/^\d+(-|$)/.test(s.tag) ? 'minor and patch release' : 'release'}`),
    ];
  });
}

/** The Node major of a node image (node:20…, distroless nodejs20…) when it is out of support. */
function oldNode(image: string, tag: string | undefined): number | undefined {
  const repo = parseImageRef(image).repository;
  const major = /(^|\/)node$/.test(repo) ? /^v?(\d+)/.exec(tag ?? '')?.[1] : /nodejs(\d+)/.exec(repo)?.[1];
  return major && Number(major) < 22 ? Number(major) : undefined;
}

/** Dev dependencies are left out: by the install itself, by NODE_ENV/npm config, or by a later prune. */
function omitsDev(stage: Stage, install: number): boolean {
  const omit = /--omit[= ]dev\b|--only[= ]prod(uction)?\b|--production\b/;
  const env = stage.instructions
    .slice(0, install)
    .filter((i) => i.keyword === 'ENV')
    .map((i) => i.args)
    .join(' ');
  return (
    omit.test(stage.instructions[install]!.args) ||
    /NODE_ENV=production/.test(stage.instructions[install]!.args) ||
    /NODE_ENV[= ]"?production|NPM_CONFIG_OMIT[= ]"?dev|npm_config_omit[= ]"?dev|NPM_CONFIG_PRODUCTION[= ]"?true/.test(env) ||
    stage.instructions.slice(install + 1).some((i) => i.keyword === 'RUN' && /\bnpm\s+prune\b/.test(i.args) && omit.test(i.args))
  );
}

/**
 * `npm ci` after copying only the manifests, before the source: a cached dependency layer,
 * and without dev dependencies. What else is correct: `npm ci` in any stage (a deps stage
 * copied over, or a build stage that prunes afterwards), `COPY package*.json`, cache mounts.
 */
export function dependencyLayerProblems(df: ParsedDockerfile): Finding[] {
  const installs = df.stages.flatMap((stage) => {
    const at = stage.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm\s+ci\b/.test(i.args));
    return at === -1 ? [] : [{ stage, at }];
  });
  if (!installs.length) {
    const npmInstall = df.stages.flatMap((s) => s.instructions).find((i) => i.keyword === 'RUN' && /\bnpm\s+(install|i)\b/.test(i.args));
    return [
      onLine(
        npmInstall?.line ?? 1,
        npmInstall ? '`npm install` instead of `npm ci` (it may update the lockfile and resolve other versions)' : 'no `RUN npm ci`',
      ),
    ];
  }
  for (const { stage, at } of installs) {
    const sourceCopied = stage.instructions
      .slice(0, at)
      .find((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && /(^|\s)(\.|\.\/|src\/?)\s+\S+\s*$/.test(i.args.replace(/--\S+\s+/g, '')));
    if (sourceCopied) return [onLine(sourceCopied.line, 'the source is copied before npm ci: every code change reinstalls every dependency')];
  }
  if (!installs.some(({ stage, at }) => omitsDev(stage, at))) {
    const { stage, at } = installs[0]!;
    return [
      onLine(
        stage.instructions[at]!.line,
        `${stage.instructions[at]!.args.split('\n')[0]}: installs the devDependencies too, and nothing prunes them (npm ci --omit=dev, or npm prune --omit=dev after a build step)`,
      ),
    ];
  }
  return [];
}

/**
 * The final stage runs as a numeric, non-root user. It must say so itself: the verifier
 * (like a reviewer) sees the Dockerfile, not the base image's config, so a distroless
 * `:nonroot` base still writes `USER 65532`. A group after the colon may be a name or a number.
 */
export function userProblems(df: ParsedDockerfile): Finding[] {
  const user = df.final.instructions.filter((i) => i.keyword === 'USER').at(-1);
  if (!user) return [onLine(df.final.line, 'no USER: the container runs as root')];
  const uid = user.args.split(':')[0]!.trim();
  if (!/^\d+$/.test(uid)) return [onLine(user.line, `USER ${user.args}: a name, which Kubernetes' runAsNonRoot cannot verify`)];
  if (Number(uid) === 0) return [onLine(user.line, 'USER 0 is root')];
  return [];
}

const INIT = /(^|\/)(tini|tini-static|dumb-init|catatonit)$/;
const SHELL = /(^|\/)(sh|bash|ash|dash|zsh)$/;
const PACKAGE_MANAGER = /(^|\/)(npm|npx|yarn|pnpm)$/;

/**
 * What ends up at PID 1, from ENTRYPOINT + CMD of the final stage. Correct: node itself, a
 * script path for the base image's entrypoint to run with node (the node image's
 * docker-entrypoint.sh and distroless both do), an init (tini, dumb-init) in front of those, or
 * a shell that `exec`s node and so is replaced by it. Wrong: shell form, a shell that keeps
 * node as its child, npm/yarn/pnpm.
 */
export function commandProblems(df: ParsedDockerfile, read: (rel: string) => string | undefined = () => undefined): Finding[] {
  const last = (k: string) => df.final.instructions.filter((i) => i.keyword === k).at(-1);
  const [entrypoint, cmd] = [last('ENTRYPOINT'), last('CMD')];
  if (!entrypoint && !cmd) return [onLine(df.final.line, 'no CMD: the image does not say how to start the app')];
  for (const i of [entrypoint, cmd]) {
    if (i && !isExecForm(i.args))
      return [
        onLine(
          i.line,
          `${i.keyword} ${i.args}: shell form runs it through /bin/sh -c, which may stay PID 1 with node as its child, and a shell does not pass SIGTERM on`,
        ),
      ];
  }
  const at = (cmd ?? entrypoint)!;
  const shown = `${at.keyword} ${at.args}`;
  let argv = [...(entrypoint ? execArgv(entrypoint.args)! : []), ...(cmd ? execArgv(cmd.args)! : [])];
  if (INIT.test(argv[0] ?? '')) {
    let next = 1; // the init's own flags (-g, -s), up to and including `--`
    while (argv[next]?.startsWith('-')) if (argv[next++] === '--') break;
    argv = argv.slice(next);
  }
  // An entrypoint script of the workspace: fine when it ends by exec-ing (node, or "$@").
  const script = /\.sh$/.test(argv[0] ?? '') ? workspaceScript(df, argv[0]!, read) : undefined;
  if (script) {
    const lastLine =
      script.text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
        .at(-1) ?? '';
    if (/^exec\s+(\S*\/)?node\b/.test(lastLine)) return [];
    if (!/^exec\s+"\$(@|\{@\})"/.test(lastLine))
      return [
        onLine(
          at.line,
          `${shown}: ${script.rel} does not end with \`exec node …\` or \`exec "$@"\`, so the shell running it stays PID 1 with node as its child`,
        ),
      ];
    argv = argv.slice(1);
  } else if (/(^|\/)docker-entrypoint\.sh$/.test(argv[0] ?? '')) {
    argv = argv.slice(1); // the node image's own: it ends with exec "$@"
  }
  const [program = '', ...rest] = argv;
  if (PACKAGE_MANAGER.test(program))
    return [onLine(at.line, `${shown}: ${program.split('/').at(-1)} runs node as a child (through a shell) and does not reliably pass SIGTERM on to it`)];
  if (SHELL.test(program)) {
    const inline = rest[rest.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a)) + 1] ?? '';
    return /(^|[;&|\n]\s*)exec\s+(\S*\/)?node\b/.test(inline)
      ? []
      : [
          onLine(
            at.line,
            `${shown}: without \`exec\`, ${program.split('/').at(-1)} may stay PID 1 with node as its child, and a shell does not pass SIGTERM on (write \`exec node …\` in the script, or start node directly)`,
          ),
        ];
  }
  if (/(^|\/)node(js)?$/.test(program) || /\.[cm]?js$/.test(program)) return [];
  if (!program) return [onLine(at.line, `${shown}: no program to run after the init or entrypoint script`)];
  return [onLine(at.line, `${shown}: PID 1 is ${program}, and the verifier cannot tell whether it hands SIGTERM to node; start node directly, or exec it`)];
}

/** The workspace file an image path like `./docker-entrypoint.sh` was copied from, if the Dockerfile shows it. */
function workspaceScript(df: ParsedDockerfile, program: string, read: (rel: string) => string | undefined): { rel: string; text: string } | undefined {
  const base = program.split('/').at(-1)!;
  const sources = df.stages
    .flatMap((s) => s.instructions)
    .filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !/--from=/.test(i.args))
    .flatMap((i) =>
      i.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1),
    );
  const candidates = [
    ...sources.filter((src) => src.split('/').at(-1) === base),
    ...sources.map((dir) => `${dir.replace(/\/$/, '')}/${base}`),
    program.replace(/^\.\//, ''),
  ];
  for (const rel of candidates.map((c) => c.replace(/^\.\//, ''))) {
    const text = read(rel);
    if (text !== undefined) return { rel, text };
  }
  return undefined;
}

const SECRET_NAME = /SECRET|PASSWORD|TOKEN|_KEY|DATABASE_URL|REDIS_URL|SMTP_URL/i;

/** `A=1 B="x y"` or the old `NAME value` form of ENV/ARG: name → value ('' when none). */
function assignments(args: string): Array<[string, string]> {
  if (!args.includes('=')) {
    const [name = '', ...rest] = args.trim().split(/\s+/);
    return [[name, rest.join(' ')]];
  }
  return [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)].map((m) => [m[1]!, m[2]!.replace(/^["']|["']$/g, '')]);
}

/** No secret baked in: an ENV/ARG with a secret name and a value, or a copied .env. */
export function secretProblems(df: ParsedDockerfile): Finding[] {
  return df.stages.flatMap((s) =>
    s.instructions.flatMap((i) => {
      if (i.keyword === 'ENV' || i.keyword === 'ARG') {
        return assignments(i.args)
          .filter(([name, value]) => SECRET_NAME.test(name) && value !== '')
          .map(([name]) => onLine(i.line, `${i.keyword} ${name}=…: a secret baked into the image (docker history shows it)`));
      }
      // .env, .env.production, ./config/.env…; the committed template .env.example is fine.
      const envFile =
        (i.keyword === 'COPY' || i.keyword === 'ADD') && i.args.split(/\s+/).find((a) => /(^|\/)\.env(\.[\w.-]+)?$/.test(a) && !/\.env\.example$/.test(a));
      if (envFile) return [onLine(i.line, `${i.keyword} ${envFile}: your local secrets in a layer`)];
      return [];
    }),
  );
}

/**
 * Whether `.dockerignore` keeps `rel` out of the build context, as Docker reads it: patterns
 * in order, the last one that matches wins, `!` lets a path back in, and a pattern that
 * matches a parent folder matches everything inside it. So a deny-list (`node_modules`) and
 * an allow-list (`*` then `!src/`) are equally correct.
 */
export function dockerignoreExcludes(text: string, rel: string): boolean {
  const parents = rel.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line)
      .trim()
      .replace(/^\/+|\/+$/g, '')
      .replace(/^\.\//, '');
    if (!pattern) continue;
    const re = globToRegExp(pattern);
    if (parents.some((p) => re.test(p))) excluded = !negated;
  }
  return excluded;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

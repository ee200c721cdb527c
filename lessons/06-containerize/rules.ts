// Lesson 06's Dockerfile rules, as plain functions over the parsed Dockerfile: each
// returns the problems it finds (empty when the rule holds), with the line they are on.
import type { ParsedDockerfile, Stage } from '../../verify/probes/dockerfile.ts';
import { isExecForm } from '../../verify/probes/dockerfile.ts';

export interface Problem {
  line: number;
  text: string;
}

/** Stages built FROM an earlier stage are not base images. */
function baseStages(df: ParsedDockerfile): Stage[] {
  const names = new Set(df.stages.map((s) => s.name).filter(Boolean));
  return df.stages.filter((s) => !names.has(s.image));
}

/** Every base image has an exact version (or a digest); node images are 22 or newer. */
export function unpinnedBases(df: ParsedDockerfile): Problem[] {
  return baseStages(df).flatMap((s) => {
    if (s.digest) return [];
    if (!s.tag || s.tag === 'latest') return [{ line: s.line, text: `${s.image}: no version tag (it means :latest, which moves)` }];
    if (!/\d/.test(s.tag)) return [{ line: s.line, text: `${s.image}: the tag "${s.tag}" moves with every release` }];
    const major = /^(\d+)/.exec(s.tag)?.[1];
    if (/(^|\/)node$/.test(s.image.split(':')[0]!) && major && Number(major) < 22) {
      return [{ line: s.line, text: `${s.image}: Node ${major} images are no longer updated; use 22 or 24` }];
    }
    return [];
  });
}

/** `npm ci` after copying only the manifests, before the source: a cached dependency layer. */
export function dependencyLayerProblems(df: ParsedDockerfile): Problem[] {
  for (const stage of df.stages) {
    const install = stage.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm\s+ci\b/.test(i.args));
    if (install === -1) continue;
    const before = stage.instructions.slice(0, install);
    const sourceCopied = before.find((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && /(^|\s)(\.|\.\/|src\/?)\s+\S+\s*$/.test(i.args.replace(/--\S+\s+/g, '')));
    if (sourceCopied) return [{ line: sourceCopied.line, text: 'the source is copied before npm ci: every code change reinstalls every dependency' }];
    return [];
  }
  const npmInstall = df.stages.flatMap((s) => s.instructions).find((i) => i.keyword === 'RUN' && /\bnpm\s+(install|i)\b/.test(i.args));
  return [{ line: npmInstall?.line ?? 1, text: npmInstall ? '`npm install` instead of `npm ci` (it may update the lockfile and resolve other versions)' : 'no `RUN npm ci`' }];
}

/** The final stage runs as a numeric, non-root user. */
export function userProblems(df: ParsedDockerfile): Problem[] {
  const user = df.final.instructions.filter((i) => i.keyword === 'USER').at(-1);
  if (!user) return [{ line: df.final.line, text: 'no USER: the container runs as root' }];
  const uid = user.args.split(':')[0]!.trim();
  if (!/^\d+$/.test(uid)) return [{ line: user.line, text: `USER ${user.args}: a name, which Kubernetes' runAsNonRoot cannot verify` }];
  if (Number(uid) === 0) return [{ line: user.line, text: 'USER 0 is root' }];
  return [];
}

/** CMD/ENTRYPOINT in exec form, starting node itself (not npm, not a shell). */
export function commandProblems(df: ParsedDockerfile): Problem[] {
  const cmd = df.final.instructions.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').at(-1);
  if (!cmd) return [{ line: df.final.line, text: 'no CMD: the image does not say how to start the app' }];
  if (!isExecForm(cmd.args)) return [{ line: cmd.line, text: `${cmd.keyword} ${cmd.args}: shell form runs /bin/sh as PID 1, which does not pass SIGTERM on` }];
  if (/"(npm|yarn|pnpm)"/.test(cmd.args)) return [{ line: cmd.line, text: `${cmd.keyword} ${cmd.args}: npm does not forward SIGTERM to node` }];
  return [];
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
export function secretProblems(df: ParsedDockerfile): Problem[] {
  return df.stages.flatMap((s) =>
    s.instructions.flatMap((i) => {
      if (i.keyword === 'ENV' || i.keyword === 'ARG') {
        return assignments(i.args)
          .filter(([name, value]) => SECRET_NAME.test(name) && value !== '')
          .map(([name]) => ({ line: i.line, text: `${i.keyword} ${name}=…: a secret baked into the image (docker history shows it)` }));
      }
      if ((i.keyword === 'COPY' || i.keyword === 'ADD') && /(^|\s)\.env(\s|$)/.test(i.args)) return [{ line: i.line, text: `${i.keyword} .env: your local secrets in a layer` }];
      return [];
    }),
  );
}

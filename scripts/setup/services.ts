// The throwaway backing services: apply setup/backing-services.yaml to the cluster, wait
// (bounded) until each one is Ready and answers on localhost, then write
// .workshop/services.env, the file the verifier reads to give your app its services.
import fs from 'node:fs';
import { EnvironmentError } from '../../verify/core/errors.ts';
import { SERVICES_ENV_FILE, WORKSHOP_DIR, displayPath } from '../../verify/core/paths.ts';
import { poll } from '../../verify/core/poll.ts';
import { tcpReachable } from '../../verify/probes/ports.ts';
import { tryPostgresLogin } from '../../verify/services/postgres-login.ts';
import { BACKING_MANIFEST, CONTEXT, SERVICES_NAMESPACE } from './constants.ts';
import { run, tail } from './exec.ts';
import type { Ui } from './ui.ts';

/** The Deployments in setup/backing-services.yaml and the localhost ports kind publishes for them. */
export const BACKING = [
  { name: 'postgres', ports: [5432] },
  { name: 'redis', ports: [6379] },
  { name: 'mailpit', ports: [1025, 8025] },
] as const;

/**
 * What setup writes to .workshop/services.env. User, password and database are the ones
 * the legacy app hard-codes (Tn-prod-2019!); the `!` is percent-encoded because it is a URL.
 */
export const SERVICE_URLS = {
  DATABASE_URL: 'postgres://teamnotes:Tn-prod-2019%21@127.0.0.1:5432/teamnotes',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SMTP_URL: 'smtp://127.0.0.1:1025',
} as const;

export function servicesEnvText(): string {
  const body = Object.entries(SERVICE_URLS)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  return `# Written by \`npm run setup\`: the throwaway services in the kind cluster "workshop" (namespace ${SERVICES_NAMESPACE}). Rewritten on every run.\n${body}\n`;
}

const kubectl = (args: string[], timeoutMs = 60_000) => run('kubectl', ['--context', CONTEXT, ...args], timeoutMs);

export async function deployBackingServices(ui: Ui): Promise<void> {
  ui.step(`Deploying Postgres, Redis and Mailpit into the namespace ${SERVICES_NAMESPACE}…`);
  const applied = await kubectl(['apply', '-f', BACKING_MANIFEST]);
  if (!applied.ok) {
    throw new EnvironmentError(
      `kubectl could not apply ${displayPath(BACKING_MANIFEST)}: ${tail(applied, 3)}`,
      `kubectl --context ${CONTEXT} cluster-info   (does the cluster answer?), then npm run setup`,
    );
  }
  ui.info('waiting for each one to be Ready (up to 3 minutes)…');
  const results = await Promise.all(
    BACKING.map(async ({ name }) => {
      const r = await kubectl(['-n', SERVICES_NAMESPACE, 'rollout', 'status', `deployment/${name}`, '--timeout=180s'], 200_000);
      if (r.ok) ui.ok(`${name} Ready`);
      else ui.fail(`${name} not Ready after 3 minutes`);
      return { name, ok: r.ok };
    }),
  );
  const stuck = results.filter((r) => !r.ok).map((r) => r.name);
  if (stuck.length)
    throw new EnvironmentError(
      `${stuck.join(', ')} did not become Ready within 3 minutes.${await diagnose()}`,
      `kubectl --context ${CONTEXT} -n ${SERVICES_NAMESPACE} describe pods   (read Events at the bottom), then npm run setup`,
    );

  // Ready inside the cluster is not enough: the app reaches them through kind's port mappings.
  const unreachable: number[] = [];
  for (const port of BACKING.flatMap((b) => b.ports)) {
    const reachable = await poll(`127.0.0.1:${port} to accept connections`, () => tcpReachable('127.0.0.1', port, 1000), { timeout: 30_000, interval: 500 });
    if (!reachable.ok) unreachable.push(port);
  }
  if (unreachable.length) {
    throw new EnvironmentError(
      `The services are Ready in the cluster, but nothing answers on localhost ${unreachable.join(', ')}: the cluster's port mappings are not working.`,
      `docker port workshop-control-plane   (expect 127.0.0.1:${unreachable[0]}), or kind delete cluster --name workshop && npm run setup`,
    );
  }
  await checkDatabaseLogin();
  ui.ok('Postgres on localhost:5432, Redis on localhost:6379, Mailpit on localhost:1025 (SMTP) and http://localhost:8025');
}

export function writeServicesEnv(ui: Ui): void {
  fs.mkdirSync(WORKSHOP_DIR, { recursive: true });
  const previous = fs.existsSync(SERVICES_ENV_FILE) ? fs.readFileSync(SERVICES_ENV_FILE, 'utf8') : '';
  fs.writeFileSync(SERVICES_ENV_FILE, servicesEnvText(), { mode: 0o600 });
  if (previous.includes('npm run services')) ui.warn('replaced the URLs written by `npm run services`; stop that one (Ctrl-C) if it still runs.');
  ui.ok(`wrote ${displayPath(SERVICES_ENV_FILE)} (DATABASE_URL, REDIS_URL, SMTP_URL): the verifier gives these to your app`);
}

/** The legacy app's own login must work, or lesson 00's sign-up fails with "Something went wrong". */
async function checkDatabaseLogin(): Promise<void> {
  const login = () => tryPostgresLogin(SERVICE_URLS.DATABASE_URL, 2000);
  const answered = await poll("the legacy app's Postgres login to work", login, { until: (r) => r.error === undefined, timeout: 30_000, interval: 1000 });
  if (!answered.ok) {
    throw new EnvironmentError(
      `Postgres answers on localhost:5432 but the legacy app's login (teamnotes / teamnotes) fails: ${answered.value.error}. ` +
        'Something else may be answering on 5432, or the database was created with other credentials.',
      `kubectl --context ${CONTEXT} -n ${SERVICES_NAMESPACE} rollout restart deployment/postgres, then npm run setup`,
    );
  }
}

/** The pods and the latest events: what an instructor asks for first. */
async function diagnose(): Promise<string> {
  const pods = await kubectl(['-n', SERVICES_NAMESPACE, 'get', 'pods', '-o', 'wide'], 30_000);
  const events = await kubectl(['-n', SERVICES_NAMESPACE, 'get', 'events', '--sort-by=.lastTimestamp'], 30_000);
  const lines = [...pods.stdout.trim().split('\n'), ...events.stdout.trim().split('\n').slice(-8)].filter(Boolean);
  return lines.length ? `\n  ${lines.join('\n  ')}` : '';
}

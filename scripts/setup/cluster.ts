// The kind cluster "workshop": created from kind-config.yaml the first time, reused (and
// woken up, and checked) every time after, so `npm run setup` is safe to run again.
import { KIND } from '../../verify/core/cluster-backend.ts';
import { EnvironmentError } from '../../verify/core/errors.ts';
import { displayPath } from '../../verify/core/paths.ts';
import { CLUSTER_NAME, CONTEXT, CONTROL_PLANE_CONTAINER, KIND_CONFIG_FILE, PORTS } from './constants.ts';
import { run, runShown, tail } from './exec.ts';
import { parseDockerPort } from './ports.ts';
import type { Ui } from './ui.ts';

const RECREATE = `kind delete cluster --name ${CLUSTER_NAME} && npm run setup`;
/** kind-config.yaml asks for a control plane and two workers. */
const EXPECTED_NODES = 3;

/** `configFile`: kind-config.yaml, or setup's generated copy of it for this machine (setup/cluster-config.ts). */
export async function ensureCluster(ui: Ui, configFile = KIND_CONFIG_FILE): Promise<void> {
  const clusters = await run('kind', ['get', 'clusters'], 30_000);
  if (!clusters.ok) {
    throw new EnvironmentError(`kind could not list its clusters: ${tail(clusters, 2)}`, 'docker info   (is the engine still running?), then npm run setup');
  }
  if (
    clusters.stdout
      .split('\n')
      .map((l) => l.trim())
      .includes(CLUSTER_NAME)
  )
    await reuse(ui);
  else await create(ui, configFile);
  await waitForNodes(ui);
}

async function create(ui: Ui, configFile: string): Promise<void> {
  ui.step(`Creating the kind cluster "${CLUSTER_NAME}" from ${displayPath(configFile)} (a control plane and two workers; 1–3 minutes)…`);
  const cmd = KIND.createCommand(CLUSTER_NAME, configFile)!;
  const r = await runShown(cmd.cmd, cmd.args, 10 * 60_000, (t) => process.stdout.write(t));
  if (r.ok) {
    ui.ok(`cluster "${CLUSTER_NAME}" created; kube context is now ${CONTEXT}`);
    return;
  }
  const out = tail(r, 20);
  const portTaken = /address already in use|port is already allocated|bind: /i.test(out);
  throw new EnvironmentError(
    r.code === null
      ? 'kind create cluster did not finish within 10 minutes.'
      : `kind create cluster failed: ${tail(r, 3)}` + (portTaken ? '\n  A port that kind-config.yaml maps is taken by another program.' : ''),
    portTaken ? 'npm run setup -- --doctor   (shows which port and how to find who holds it)' : RECREATE,
  );
}

async function reuse(ui: Ui): Promise<void> {
  ui.step(`The kind cluster "${CLUSTER_NAME}" already exists; reusing it.`);
  // After a reboot or a Docker restart the node containers can be stopped.
  const ps = await run('docker', ['ps', '-a', '--filter', `label=io.x-k8s.kind.cluster=${CLUSTER_NAME}`, '--format', '{{.Names}}\t{{.State}}'], 30_000);
  const nodes = ps.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t') as [string, string]);
  const stopped = nodes.filter(([, state]) => state !== 'running').map(([name]) => name);
  if (stopped.length) {
    ui.info(`starting stopped nodes: ${stopped.join(', ')}`);
    const started = await run('docker', ['start', ...stopped], 120_000);
    if (!started.ok) throw new EnvironmentError(`The cluster's nodes are stopped and would not start: ${tail(started, 2)}`, RECREATE);
  }
  // Puts the kind-workshop context back if someone removed it from the kubeconfig.
  const exported = await run('kind', ['export', 'kubeconfig', '--name', CLUSTER_NAME], 30_000);
  if (!exported.ok) throw new EnvironmentError(`kind could not write the ${CONTEXT} context: ${tail(exported, 2)}`, RECREATE);

  // Port mappings are fixed when a cluster is created: one made by hand (or from an older
  // kind-config.yaml) cannot be repaired, only recreated.
  const published = parseDockerPort((await run('docker', ['port', CONTROL_PLANE_CONTAINER], 30_000)).stdout);
  const missing = PORTS.filter((p) => p.containerPort !== undefined && !published.includes(p.port)).map((p) => p.port);
  if (missing.length) {
    throw new EnvironmentError(
      `The existing cluster "${CLUSTER_NAME}" was not created from this kind-config.yaml: it does not publish localhost ${missing.join(', ')}. ` +
        'Without them the backing services cannot be reached from your laptop. It holds nothing you need to keep.',
      RECREATE,
    );
  }
  if (nodes.length && nodes.length < EXPECTED_NODES) {
    ui.warn(
      `it has ${nodes.length} node(s); kind-config.yaml asks for ${EXPECTED_NODES}. Lesson 12 needs several nodes: recreate it when convenient with ${RECREATE}`,
    );
  }
  ui.ok(`cluster "${CLUSTER_NAME}" is running; kube context ${CONTEXT}`);
}

async function waitForNodes(ui: Ui): Promise<void> {
  ui.info('waiting for every node to be Ready (up to 3 minutes)…');
  const r = await run('kubectl', ['--context', CONTEXT, 'wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=180s'], 200_000);
  if (!r.ok) {
    const nodes = await run('kubectl', ['--context', CONTEXT, 'get', 'nodes'], 30_000);
    throw new EnvironmentError(
      `The cluster's nodes did not become Ready within 3 minutes: ${tail(r, 2)}${nodes.stdout ? `\n  ${nodes.stdout.trim().split('\n').join('\n  ')}` : ''}`,
      `kubectl --context ${CONTEXT} describe nodes   (look at Conditions), or ${RECREATE}`,
    );
  }
  ui.ok('all nodes Ready');
}

// Lesson 14 on real pods (kind): a connection attempt from a pod nobody allowed, a node
// drain under light traffic, and the autoscaler under load. Each restores what it changed
// (the probe pod deleted, the node uncordoned) in `finally`, whatever happened.
import type { KubernetesObject, V1Deployment, V1HorizontalPodAutoscaler, V1Pod } from '@kubernetes/client-node';
import { describeFetchError, fail, getIn, pass, type CheckContext, type Outcome } from '../../verify/lesson-api.ts';
import { describe, postForm } from '../shared/api.ts';
import { APPLY, appDeployment, NAMESPACE, podReady, podsOf, rolledOut, workloadsRolledOut, workloadsRunning } from '../shared/k8s.ts';
import { testUser } from '../shared/teamnotes.ts';

const INGRESS_URL = 'http://127.0.0.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Node one-liner that tries a TCP connection and prints `open` or `closed <why>`. */
function connectScript(host: string, port: number): string {
  return (
    `const s=require('net').connect({host:${JSON.stringify(host)},port:${port},timeout:4000});` +
    `s.on('connect',()=>{console.log('open');process.exit(0)});` +
    `s.on('timeout',()=>{console.log('closed (no answer in 4 s)');process.exit(0)});` +
    `s.on('error',(e)=>{console.log('closed ('+e.code+')');process.exit(0)});`
  );
}

/** The Postgres pod's own address: policies judge pod addresses, and no DNS lookup can get in the way. */
async function postgresTarget(ctx: CheckContext): Promise<{ ip: string; port: number } | string> {
  const [pg] = workloadsRunning(ctx, 'postgres', ['StatefulSet', 'Deployment']);
  if (!pg) return 'no Postgres workload in k8s/';
  const pod = (await podsOf(ctx, pg.m)).find((p) => podReady(p) && p.status?.podIP);
  if (!pod) return `no Ready Postgres pod of ${pg.m.kind} ${pg.m.name}`;
  return { ip: pod.status!.podIP!, port: pg.main.container.ports?.[0]?.containerPort ?? 5432 };
}

/**
 * The web pods that are Ready (callers first wait for the app's rollout), waiting up to 90 s
 * for one: right after `kubectl apply` of this
 * lesson (new security contexts, new policies) the web pods roll, and a learner who verifies at
 * once should be judged on the rolled-out app, not on the gap.
 */
async function readyWebPods(ctx: CheckContext): Promise<V1Pod[]> {
  const web = appDeployment(ctx)!;
  const ready = async () => (await podsOf(ctx, web.m)).filter((p) => podReady(p) && !p.metadata?.deletionTimestamp);
  return (await ctx.poll('a Ready web pod', ready, { until: (p) => p.length > 0, timeout: 90_000, interval: 3000, describe: (p) => `${p.length} Ready` }))
    .value;
}

/** Why the web pods are not Ready: the kubelet's reasons and events, and their last log lines. */
async function webPodEvidence(ctx: CheckContext): Promise<string[]> {
  const pods = await podsOf(ctx, appDeployment(ctx)!.m);
  const lines: string[] = [];
  for (const p of pods.slice(0, 2))
    lines.push(...[...(await ctx.kube.explainPod(p)), ...(await ctx.kube.lastLogLines(p, 5, { healthy: true }))].map((l) => `${p.metadata?.name}: ${l}`));
  return lines;
}

export async function probePodReach(ctx: CheckContext): Promise<Outcome> {
  const web = appDeployment(ctx)!;
  // Postgres restarts with this lesson's apply (its new security context): find it once it is back.
  await workloadsRolledOut(ctx, 120_000);
  const target = await postgresTarget(ctx);
  if (typeof target === 'string') return fail(target, { fix: `kubectl -n ${NAMESPACE} get pods` });
  const script = connectScript(target.ip, target.port);
  const webPod = (await readyWebPods(ctx))[0];
  if (!webPod) return fail('no Ready web pod to try from within 90 s', { fix: `kubectl -n ${NAMESPACE} get pods`, evidence: await webPodEvidence(ctx) });
  const fromWeb = await ctx.kube.exec(NAMESPACE, webPod.metadata!.name!, web.web.container.name, ['node', '-e', script], 15_000);
  const webSays = fromWeb.stdout.trim() || fromWeb.message || fromWeb.stderr.trim();
  if (webSays !== 'open') {
    return fail(`the web pod ${webPod.metadata!.name} cannot reach Postgres at ${target.ip}:${target.port}: ${webSays}`, {
      expected: "open: the web's egress and Postgres' ingress both allow it",
      why: 'Teamnotes cannot serve a page without its database: the policies block its own traffic.',
      fix: `Check the egress rule of the web and the ingress rule of Postgres (lesson 14 step 4), then ${APPLY}`,
    });
  }
  // A pod like `kubectl run debug`: the app's image (already on the nodes), none of its labels.
  const name = `netpol-probe-${Math.random().toString(36).slice(2, 8)}`;
  const pod: KubernetesObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels: { run: 'netpol-probe' } },
    spec: {
      restartPolicy: 'Never',
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'probe',
          image: web.web.container.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '-e', script],
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
        },
      ],
    },
  } as KubernetesObject;
  try {
    const [created] = await ctx.kube.apply([pod], { fieldManager: 'legacy-to-k8s-verify' });
    if (!created?.ok) return fail(`could not create the probe pod: ${created?.message}`, { fix: `kubectl -n ${NAMESPACE} get events` });
    const done = await ctx.kube.waitFor(
      async () => {
        const p = await ctx.kube.get<V1Pod>('v1', 'Pod', name, NAMESPACE);
        return p && ['Succeeded', 'Failed'].includes(p.status?.phase ?? '') ? p : undefined;
      },
      { timeoutMs: 60_000, signal: ctx.signal },
    );
    if (!done) return fail('the probe pod did not finish within 60 s', { fix: `kubectl -n ${NAMESPACE} describe pod ${name}` });
    // The probe exits 0 whatever it found, so its log is read as a healthy container's; each
    // line comes labelled with the container, which is not part of the answer.
    const said = (await ctx.kube.lastLogLines(done, 3, { healthy: true }))
      .map((l) => l.replace(/^probe log: /, ''))
      .join(' ')
      .trim();
    if (!said) return fail(`the probe pod ${name} finished, but its answer could not be read from its log`, { fix: `kubectl -n ${NAMESPACE} logs ${name}` });
    return said.startsWith('closed')
      ? pass(`from the web: open; from a pod without Teamnotes' labels: ${said}`)
      : fail(`a pod without Teamnotes' labels reached Postgres at ${target.ip}:${target.port} (${said || 'no output'})`, {
          expected: 'closed: the default deny stops it, and no rule lets it in',
          why: 'Any pod of the namespace (a debug pod, a compromised sidecar) could log in to the database. Either a rule is too wide, or nothing in this cluster enforces NetworkPolicy.',
          fix: `kubectl -n ${NAMESPACE} get networkpolicy; on kind, a version from v0.24 on enforces them (kind version)`,
        });
  } finally {
    await ctx.kube.delete(pod);
  }
}

/** Light traffic through the Ingress, counting what went wrong, until `stop()`. */
function lightLoad(ctx: CheckContext): { stop: () => Promise<{ sent: number; lost: string[] }> } {
  let running = true;
  let sent = 0;
  const lost: string[] = [];
  const loop = (async () => {
    while (running) {
      sent++;
      const answer = await ctx
        .http(INGRESS_URL)
        .request('/login', { timeoutMs: 5000 })
        .then(
          (res) => (res.status >= 500 ? describe(res) : undefined),
          (err: unknown) => describeFetchError(err),
        );
      if (answer) lost.push(`${new Date().toISOString().slice(11, 19)} GET /login: ${answer}`);
      await sleep(200);
    }
  })();
  return { stop: async () => ((running = false), await loop, { sent, lost }) };
}

export async function drainScenario(ctx: CheckContext): Promise<Outcome> {
  const web = appDeployment(ctx)!;
  // The whole app first: a drain on top of the apply's rollout in progress would add to it (a
  // rollout ignores the PodDisruptionBudget) and judge the gap, not the budget.
  await workloadsRolledOut(ctx, 120_000);
  const pods = await readyWebPods(ctx);
  const stateful = (await ctx.kube.list<V1Pod>('v1', 'Pod', { namespace: NAMESPACE })).filter((p) =>
    p.metadata?.ownerReferences?.some((o) => o.kind === 'StatefulSet'),
  );
  const busy = new Set(stateful.map((p) => p.spec?.nodeName));
  // A node with a web pod, preferably without a database: kind's volumes stay on their node,
  // so an evicted Postgres could not start anywhere else until the node is back.
  const node = pods.map((p) => p.spec?.nodeName).find((n) => n && !busy.has(n)) ?? pods[0]?.spec?.nodeName;
  if (!node)
    return fail('no Ready web pod to drain a node under within 90 s', { fix: `kubectl -n ${NAMESPACE} get pods -o wide`, evidence: await webPodEvidence(ctx) });
  const nodeObj: KubernetesObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: node } };
  const load = lightLoad(ctx);
  const evicted: string[] = [];
  let waited = 0;
  try {
    await sleep(2000);
    await ctx.kube.mergePatch(nodeObj, { spec: { unschedulable: true } });
    // What drain evicts here: every pod of Teamnotes' Deployments on the node (DaemonSets stay;
    // StatefulSet pods stay, see above). Retried while a budget says not yet, as drain does.
    const onNode = (await ctx.kube.list<V1Pod>('v1', 'Pod', { namespace: NAMESPACE })).filter(
      (p) => p.spec?.nodeName === node && p.metadata?.ownerReferences?.some((o) => o.kind === 'ReplicaSet'),
    );
    const deadline = Date.now() + 150_000;
    for (const p of onNode) {
      for (;;) {
        const r = await ctx.kube.evict(NAMESPACE, p.metadata!.name!);
        if (r.ok) break;
        if (Date.now() > deadline)
          return fail(`drain stuck: pod ${p.metadata!.name} could not be evicted for 150 s (${r.message})`, {
            expected: 'every eviction allowed within a minute or two',
            why: 'A PodDisruptionBudget that never allows a disruption makes `kubectl drain` wait forever: node upgrades stall.',
            fix: `kubectl -n ${NAMESPACE} get pdb (ALLOWED DISRUPTIONS 0?)`,
          });
        waited += 2;
        await sleep(2000);
      }
      evicted.push(p.metadata!.name!);
    }
    const back = await ctx.kube.waitFor(
      async () => {
        const d = await ctx.kube.get<V1Deployment>('apps/v1', 'Deployment', web.m.name, NAMESPACE);
        return rolledOut(d) ? d : undefined;
      },
      { timeoutMs: 90_000, signal: ctx.signal },
    );
    await sleep(3000);
    const { sent, lost } = await load.stop();
    if (!back)
      return fail(`after the drain the web Deployment did not get all its pods Ready again within 90 s`, { fix: `kubectl -n ${NAMESPACE} get pods -o wide` });
    return lost.length
      ? fail(`${lost.length} of ${sent} requests failed while node ${node} was drained`, {
          expected: 'no request lost: the budget keeps one pod serving, and each pod drains before it stops',
          why: 'A node drain is routine (every upgrade); if it costs requests, every upgrade is an incident.',
          fix: `kubectl -n ${NAMESPACE} get pdb; the app must keep serving for a few seconds after SIGTERM (lesson 03)`,
          evidence: lost.slice(0, 8),
        })
      : pass(`drained ${node} (${evicted.length} pods evicted${waited ? `, ${waited} s waiting on the budget` : ''}): ${sent} requests, none lost`);
  } finally {
    await load.stop();
    await ctx.kube.mergePatch(nodeObj, { spec: { unschedulable: null } });
  }
}

/** CPU work the app really does: a login with a wrong password runs scrypt. */
function cpuLoad(ctx: CheckContext, email: string, workers = 6): { stop: () => Promise<number> } {
  let running = true;
  let sent = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      sent++;
      // A wrong password costs a full password hash: CPU, through the login form every Ingress routes.
      await postForm(ctx.http(INGRESS_URL), '/login', { email, password: 'not-the-password' }).catch(() => undefined);
    }
  });
  return { stop: async () => ((running = false), await Promise.all(loops), sent) };
}

export async function hpaScenario(ctx: CheckContext): Promise<Outcome> {
  const web = appDeployment(ctx)!;
  const hpaM = ctx.manifests.find('HorizontalPodAutoscaler').find((h) => getIn(h.object, ['spec', 'scaleTargetRef', 'name']) === web.m.name)!;
  const getHpa = () =>
    ctx.kube.get<
      V1HorizontalPodAutoscaler & { status?: { currentMetrics?: unknown[]; conditions?: Array<{ type: string; status: string; message?: string }> } }
    >('autoscaling/v2', 'HorizontalPodAutoscaler', hpaM.name, NAMESPACE);
  const replicas = async () => (await ctx.kube.get<V1Deployment>('apps/v1', 'Deployment', web.m.name, NAMESPACE))?.spec?.replicas ?? 0;
  const min = Number(getIn(hpaM.object, ['spec', 'minReplicas']) ?? 1);
  const window = Number(getIn(hpaM.object, ['spec', 'behavior', 'scaleDown', 'stabilizationWindowSeconds']) ?? 300);
  const measured = await ctx.kube.waitFor(
    async () => {
      const h = await getHpa();
      return getIn(h, ['status', 'currentMetrics', 0, 'resource', 'current']) ? h : undefined;
    },
    { timeoutMs: 120_000, signal: ctx.signal },
  );
  if (!measured) {
    const conditions = ((await getHpa())?.status?.conditions ?? []).filter((c) => c.status !== 'True').map((c) => `${c.type}: ${c.message ?? ''}`);
    return fail('the HPA has no CPU reading after 2 minutes', {
      expected: 'TARGETS cpu: N%/70% in kubectl -n teamnotes get hpa',
      why: 'Without a reading the HPA never scales: metrics-server is missing, or a container has no CPU request.',
      fix: 'npm run addon metrics, then wait a minute: kubectl top pods -n teamnotes',
      evidence: conditions,
    });
  }
  const user = testUser();
  const signup = await postForm(ctx.http(INGRESS_URL), '/signup', user).then(describe, describeFetchError);
  if (!/^[23]\d\d/.test(signup)) return fail(`could not sign up through ${INGRESS_URL}: ${signup}`, { fix: 'npm run verify 10' });
  const started = Date.now();
  const load = cpuLoad(ctx, user.email);
  let up: number | undefined;
  try {
    up = await ctx.kube.waitFor(async () => ((await replicas()) > min ? await replicas() : undefined), {
      timeoutMs: 240_000,
      intervalMs: 5000,
      signal: ctx.signal,
    });
  } finally {
    await load.stop();
  }
  const upAfter = Math.round((Date.now() - started) / 1000);
  if (!up)
    return fail(`no scale-up within 4 minutes of CPU load (replicas stayed at ${await replicas()})`, {
      why: 'Under load the HPA should add pods; it computes usage ÷ request, so a large CPU request, a high target or a maxReplicas equal to minReplicas keeps it still.',
      fix: 'kubectl -n teamnotes describe hpa (Events and Conditions)',
    });
  const downStarted = Date.now();
  const down = await ctx.kube.waitFor(async () => ((await replicas()) <= min ? true : undefined), {
    timeoutMs: (window + 180) * 1000,
    intervalMs: 5000,
    signal: ctx.signal,
  });
  if (!down)
    return fail(`scaled up to ${up} but not back to ${min} within ${window + 180} s after the load stopped`, {
      why: 'Pods the traffic no longer needs still hold their requests on the nodes.',
      fix: 'kubectl -n teamnotes describe hpa',
    });
  return pass(
    `scaled to ${up} after ${upAfter} s of load, back to ${min} ${Math.round((Date.now() - downStarted) / 1000)} s after it stopped (window ${window} s)`,
  );
}
